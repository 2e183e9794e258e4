// Outputs of the core, as data. The driver carries them out in order.

/** The states notify scripts and sync groups know (keepalived's). */
export type VrrpState = "INIT" | "BACKUP" | "MASTER" | "FAULT" | "STOP";

/** A router's own states: keepalived's, plus STOPPING (a MASTER handing over on shutdown, still holding the VIPs). */
export type RouterState = VrrpState | "STOPPING";

export interface SendAdvertEffect {
  type: "SendAdvert";
  instance: string;
  priority: number;
}

export interface AddVipsEffect {
  type: "AddVips";
  instance: string;
}

export interface DelVipsEffect {
  type: "DelVips";
  instance: string;
}

/** Gratuitous ARPs (IPv4) or unsolicited neighbour advertisements (IPv6) for every VIP, `repeat` times each. */
export interface SendGratuitousEffect {
  type: "SendGratuitous";
  instance: string;
  repeat: number;
  /** garp_extra_if's refresh: only on the interfaces of VIPs other than the instance's own. */
  extraInterfacesOnly: boolean;
}

/** A state change of an instance or a sync group; the driver runs notify scripts and logs it. */
export interface NotifyEffect {
  type: "Notify";
  kind: "INSTANCE" | "GROUP";
  name: string;
  from: VrrpState;
  to: VrrpState;
  priority: number;
  reason: string;
}

export interface LogEffect {
  type: "Log";
  level: "debug" | "info" | "warn";
  instance: string;
  message: string;
}

/** After a Shutdown: every instance has reached STOP (its VIPs released). Emitted once. */
export interface StoppedEffect {
  type: "Stopped";
}

export type Effect = SendAdvertEffect | AddVipsEffect | DelVipsEffect | SendGratuitousEffect | NotifyEffect | LogEffect | StoppedEffect;
