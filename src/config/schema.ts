// The validated configuration of vipd, as the loader returns it. TOML keys are snake_case like keepalived's;
// here fields are camelCase with their unit in the name, defaults filled in and addresses parsed.

import type { PlacedCheck } from "./checker-section.ts";
import type { VrrpVersion } from "../vrrp/advert.ts";
import type { ConfigPlace } from "./config-error.ts";
import type { IpFamily } from "../vrrp/ip-address.ts";
import type { VmacConfig } from "./vmac.ts";

export interface VipdConfig {
  global: GlobalConfig;
  /** In file order. */
  instances: InstanceSection[];
  syncGroups: SyncGroupSection[];
  scripts: ScriptSection[];
  trackFiles: TrackFileSection[];
  trackProcesses: TrackProcessSection[];
  /** LVS virtual servers (keepalived's virtual_server), in file order. */
  virtualServers: VirtualServerSection[];
  virtualServerGroups: VirtualServerGroupSection[];
  /** The Prometheus listener, or null (off). */
  metrics: MetricsSection | null;
}

export interface MetricsSection {
  host: string;
  port: number;
}

/** keepalived's `user [group]` for running a program; null fields fall back to global.script_user, then root. */
export interface RunAs {
  user: string;
  group: string | null;
}

/** A program to run: the command line as written and its words with quotes removed. */
export interface Command {
  raw: string;
  argv: string[];
  runAs: RunAs | null;
}

/** E-mail alerts on state changes, as keepalived sends them. No mail without recipients and a server. */
export interface MailConfig {
  notificationEmail: string[];
  /** null: USER@HOSTNAME of the daemon's user (keepalived's default). */
  notificationEmailFrom: string | null;
  smtpServer: string | null;
  smtpPort: number;
  /** null: the host name. */
  smtpHeloName: string | null;
  /** For the connection and for each reply of the server. */
  smtpConnectTimeoutMs: number;
  /** The default of instances and sync groups that do not set smtp_alert. */
  smtpAlert: boolean;
  /** The default of real servers that do not set smtp_alert: mail when a health check moves them. */
  smtpAlertChecker: boolean;
  /** The default of virtual servers that do not set smtp_alert: mail when their quorum is gained or lost. */
  smtpAlertVirtualServers: boolean;
  /** No mail for FAULT. */
  noEmailFaults: boolean;
}

export interface GlobalConfig extends MailConfig {
  routerId: string | null;
  scriptUser: RunAs | null;
  enableScriptSecurity: boolean;
  vrrpVersion: VrrpVersion;
  /** keepalived's vrrp_strict: the default of every instance's strict_mode. */
  vrrpStrict: boolean;
  vrrpMcastGroup4: string;
  vrrpMcastGroup6: string;
  garp: GarpConfig;
  election: ElectionConfig;
  garpGroups: GarpGroup[];
  /** Per interface: how long a link must stay down (up) before it counts (interface_up_down_delays). */
  interfaceUpDownDelays: Record<string, LinkDelay>;
  /** How often /proc is scanned for [track_processes]. */
  trackProcessIntervalMs: number;
  /** No instance takes over this long after the daemon starts (keepalived's vrrp_startup_delay; not on reload). */
  startupDelayMs: number;
  /** The default of instances' check_unicast_src (vipd: true; keepalived: false). */
  checkUnicastSrc: boolean;
  garpIntervalMs: number;
  gnaIntervalMs: number;
  dynamicInterfaces: boolean;
  /** On stop a MASTER keeps its VIPs until the new master's first advert (false: release at once, as keepalived). */
  shutdownHandover: boolean;
  /** What stop does to vipd's IPVS services: remove them (keepalived) or keep them for the next start to adopt. */
  lvsOnStop: "remove" | "keep";
  /** IPVS connection timeouts in seconds set at start and reload; 0 leaves the kernel's. */
  lvsTimeouts: { tcpS: number; tcpFinS: number; udpS: number };
  /** keepalived's checker_log_all_failures: every check logs each failed run while up (log_all_failures). */
  checkerLogAllFailures: boolean;
  /** Run once before the instances start (keepalived's startup_script), killed after its timeout. */
  startupScript: Command | null;
  startupScriptTimeoutMs: number;
  /** Run once after every instance has stopped and released its addresses (keepalived's shutdown_script). */
  shutdownScript: Command | null;
  shutdownScriptTimeoutMs: number;
}

/** keepalived's garp_group: the announcement spacing on these interfaces; null keeps [global]'s. */
export interface GarpGroup {
  interfaces: string[];
  garpIntervalMs: number | null;
  gnaIntervalMs: number | null;
}

export interface LinkDelay {
  downMs: number;
  upMs: number;
}

/** How a MASTER answers other masters and how long a BACKUP waits: keepalived's per-instance options, defaulted in [global]. */
export interface ElectionConfig {
  /** No advert in answer to a lower-priority master, only gratuitous ARPs (lower_prio_no_advert). */
  lowerPrioNoAdvert: boolean;
  /** One advert before stepping down to a higher priority (higher_prio_send_advert). */
  higherPrioSendAdvert: boolean;
  /** Master_Down_Interval counts this many advert intervals (down_timer_adverts, 1..100). */
  downTimerAdverts: number;
}

export interface GarpConfig {
  masterDelayMs: number;
  masterRepeat: number;
  lowerPrioDelayMs: number;
  lowerPrioRepeat: number;
  masterRefreshMs: number;
  masterRefreshRepeat: number;
  /** keepalived's garp_extra_if all N: refresh on the VIPs' other interfaces while MASTER; 0 for none. */
  extraIfRefreshMs: number;
}

export interface Vip {
  /** Canonical text of the address (IPv6 in RFC 5952 form). */
  address: string;
  bytes: Uint8Array;
  family: IpFamily;
  prefixLength: number;
  /** null: the instance's interface. */
  dev: string | null;
  label: string | null;
  scope: "global" | "site" | "link" | "host" | "nowhere" | null;
  /** An address, or keepalived's "-" / "+" (clear / set the host bits). */
  brd: string | null;
}

export interface VirtualRoute {
  /** The line as written; the structured fields are what vipd understands of it. */
  raw: string;
  /** `ADDRESS/PREFIX` or "default". */
  destination: string;
  src: string | null;
  via: string | null;
  dev: string | null;
  table: string | null;
  /** "blackhole", "unreachable", "prohibit", "throw" or null for a unicast route. */
  type: string | null;
}

export interface VirtualRule {
  raw: string;
  from: string | null;
  to: string | null;
  table: string | null;
  priority: number | null;
}

/** One entry of track_interface / track_script / track_file. A null weight takes the script's or file's own. */
export interface TrackRef {
  name: string;
  weight: number | null;
  reverse: boolean | null;
}

export interface NotifyCommands {
  master: Command | null;
  backup: Command | null;
  fault: Command | null;
  stop: Command | null;
  /** Called on every transition with `INSTANCE|GROUP name STATE priority` appended. */
  any: Command | null;
}

export interface InstanceSection {
  name: string;
  state: "MASTER" | "BACKUP";
  interface: string;
  virtualRouterId: number;
  priority: number;
  advertIntervalCs: number;
  version: VrrpVersion;
  /** From the VIPs (or the source address when there are none). */
  family: IpFamily;
  nopreempt: boolean;
  preemptDelayMs: number;
  /** Effective accept mode: false drops packets addressed to the VIPs while MASTER (never for the owner, 255). */
  accept: boolean;
  /** keepalived's strict mode (strict_mode, default global.vrrp_strict), its effects already applied here. */
  strictMode: boolean;
  /** mcast_src_ip or unicast_src_ip (keepalived treats them as one). */
  srcIp: string | null;
  unicastPeers: string[];
  /** Each peer's min_ttl..max_ttl, by index of unicastPeers (0..255 when not written). */
  unicastPeerTtl: { min: number; max: number }[];
  /** Drop unicast adverts from sources that are not peers (or outside their TTL range). */
  checkUnicastSrc: boolean;
  /** TTL / hop limit of the unicast adverts (keepalived's unicast_ttl); null: 255. */
  unicastTtl: number | null;
  /**
   * Effective authentication: null when none or ignored (v3). Password already cut to 8 bytes. AH (VRRPv2 over
   * IPv4 only) wraps adverts in IPsec AH keyed with the password, as keepalived does.
   */
  authentication: { type: "PASS" | "AH"; password: string } | null;
  virtualIpaddress: Vip[];
  /** Where virtual_ipaddress was written: the advert's fit to the interface's MTU is warned about there. */
  virtualIpaddressAt: ConfigPlace;
  virtualIpaddressExcluded: Vip[];
  virtualRoutes: VirtualRoute[];
  virtualRules: VirtualRule[];
  trackInterface: TrackRef[];
  trackScript: TrackRef[];
  trackFile: TrackRef[];
  trackProcess: TrackRef[];
  notify: NotifyCommands;
  notifyFifo: string | null;
  /** Started with the notify FIFO's path as its last argument, to read it while the daemon runs (one per FIFO). */
  notifyFifoScript: Command | null;
  smtpAlert: boolean;
  garp: GarpConfig;
  election: ElectionConfig;
  skipCheckAdvAddr: boolean;
  v3ChecksumAsV2: boolean;
  dontTrackPrimary: boolean;
  /** use_vmac: the instance answers from the virtual router MAC, on a macvlan vipd creates. */
  vmac: VmacConfig | null;
}

export interface SyncGroupSection {
  name: string;
  group: string[];
  notify: NotifyCommands;
  smtpAlert: boolean;
  /** keepalived zeroes the tracking weights of grouped instances unless this is set. */
  syncGroupTrackingWeight: boolean;
}

export interface ScriptSection {
  name: string;
  script: Command;
  intervalMs: number;
  /** null: the interval. */
  timeoutMs: number | null;
  weight: number;
  reverse: boolean;
  rise: number;
  fall: number;
  initFail: boolean;
}

export interface TrackFileSection {
  name: string;
  file: string;
  weight: number;
  reverse: boolean;
  /** Value written at startup when the file is missing (or always, with overwrite); null: leave it alone. */
  initFile: { value: number; overwrite: boolean } | null;
}

/** keepalived's vrrp_track_process: up while quorum ≤ matching processes ≤ quorum_max. */
export interface TrackProcessSection {
  name: string;
  /** comm (the kernel's process name), or argv[0] with fullCommand. */
  process: string;
  parameters: string[];
  paramMatch: "none" | "exact" | "partial" | "initial";
  fullCommand: boolean;
  weight: number;
  reverse: boolean;
  quorum: number;
  /** null: no upper bound. */
  quorumMax: number | null;
  forkDelayMs: number;
  terminateDelayMs: number;
}

export type LbKind = "NAT" | "DR" | "TUN";

/** How packets reach a real server: keepalived's lb_kind / lvs_method with its `type ... port ... csum` options. */
export interface Forwarding {
  kind: LbKind;
  /** TUN only. */
  tunnel: { type: "ipip" | "gue" | "gre" /** GUE only. */; port: number | null; checksum: "nocsum" | "csum" | "remcsum" } | null;
}

export interface ServerAddress {
  /** Canonical text. */
  address: string;
  bytes: Uint8Array;
  family: IpFamily;
  /** null: not written (the virtual service's port, or none for a fwmark service). */
  port: number | null;
}

export interface RealServerConfig extends ServerAddress {
  weight: number;
  forwarding: Forwarding;
  /** 0: no limit. */
  upperThreshold: number;
  lowerThreshold: number;
  /** When down, keep it with weight 0 (existing connections live on) instead of removing it. */
  inhibitOnFailure: boolean;
  /** Its health checks, with the table each was read from; none: always up. */
  checks: PlacedCheck[];
  /** Mail (with [global]'s mail settings) when its checks bring it up / take it down. */
  smtpAlert: boolean;
  /** Run when its checks bring it up / take it down. */
  notifyUp: Command | null;
  notifyDown: Command | null;
}

export interface SorryServerConfig extends ServerAddress {
  forwarding: Forwarding;
  /** Keep it in the table with weight 0 while the real servers have quorum. */
  inhibit: boolean;
}

export type VirtualServiceTarget =
  | { kind: "address"; address: string; bytes: Uint8Array; family: IpFamily; port: number; protocol: "tcp" | "udp" | "sctp" }
  | { kind: "fwmark"; fwmark: number; family: IpFamily }
  | { kind: "group"; group: string; protocol: "tcp" | "udp" | "sctp" | null };

export interface VirtualServerSection {
  name: string;
  target: VirtualServiceTarget;
  lbAlgo: string;
  /** Scheduler flag 1 (sh-fallback / mh-fallback / flag-1). */
  schedulerFallback: boolean;
  /** Scheduler flag 2 (sh-port / mh-port / flag-2). */
  schedulerPort: boolean;
  /** ops: one-packet scheduling. */
  onePacket: boolean;
  forwarding: Forwarding;
  /** 0: no persistence. */
  persistenceTimeoutS: number;
  /** Prefix length; null: the whole address. */
  persistencePrefix: number | null;
  persistenceEngine: string | null;
  /** As keepalived adjusts it: at most the real servers' total weight. */
  quorum: number;
  /** As keepalived adjusts it: below the quorum. */
  hysteresis: number;
  realServers: RealServerConfig[];
  sorryServer: SorryServerConfig | null;
  /** Run when the live weight reaches / falls below the quorum. */
  quorumUp: Command | null;
  quorumDown: Command | null;
  /** At stop (and when a reload removes it): run quorum_down and the live real servers' notify_down. */
  omega: boolean;
  /** Its checks run only while one of its addresses is on this host (the VRRP master holds the VIP). */
  haSuspend: boolean;
  /** Mail (with [global]'s mail settings) when its quorum is gained or lost. */
  smtpAlert: boolean;
}

export type VirtualServerGroupMember =
  | {
      kind: "range";
      family: IpFamily /** First and last address, inclusive. */;
      first: Uint8Array;
      last: Uint8Array;
      port: number;
      text: string;
    }
  | { kind: "fwmark"; fwmark: number /** null: the virtual server's family. */; family: IpFamily | null; text: string };

export interface VirtualServerGroupSection {
  name: string;
  members: VirtualServerGroupMember[];
}
