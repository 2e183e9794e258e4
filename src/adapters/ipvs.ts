// The kernel's IPVS load balancer at the operation level: virtual services, their real servers (destinations) and
// the connection timeouts. The Linux implementation is src/adapters/linux/ipvs-adapter.ts (generic netlink, like
// keepalived's and ipvsadm's libipvs); test/adapters/fake-ipvs.ts keeps the same table in memory.
//
// Refusals are thrown as errors whose `code` is the kernel's errno name, which the fake copies:
//   EEXIST  adding a service or destination that is there;
//   ESRCH   a service that is not there (delete, edit, or any destination operation on it);
//   ENOENT  a destination that is not there, or (adding/editing a service) an unknown scheduler or persistence engine;
//   ERANGE  a destination's weight below 0, or its lower threshold above its upper one (0 included);
//   EINVAL  an IPv6 persistence prefix outside 1..128, a destination of the other family not tunnelled,
//           GUE tunnelling without a port; and, refused before the kernel is asked, an IPv4 prefix outside
//           0..32 or a port outside 0..65535.
import { formatIp, type IpFamily } from "../vrrp/ip-address.ts";

export type IpvsProtocol = "tcp" | "udp" | "sctp";

/** A virtual service is an address:port of one protocol, or every packet carrying a firewall mark. */
export type ServiceKey =
  | { kind: "address"; protocol: IpvsProtocol /** 4 or 16 bytes, network order. */; address: Uint8Array; port: number }
  | { kind: "fwmark"; family: IpFamily; fwmark: number };

export interface ServiceSettings {
  /** The scheduler's kernel name: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh. */
  scheduler: string;
  /** Persistence (keepalived's persistence_timeout): a client sticks to one real server for this many seconds. */
  persistenceTimeoutS?: number;
  /**
   * Persistence granularity as a prefix length: clients in the same /n share the real server. Default: the whole
   * address (32 or 128). IPv4 carries it to the kernel as a netmask.
   */
  persistencePrefix?: number;
  /** One-packet scheduling (UDP: every datagram scheduled on its own; keepalived's ops). */
  onePacket?: boolean;
  /** Scheduler flag 1: sh-fallback for sh, mh-fallback for mh (skip a real server of weight 0). */
  schedulerFallback?: boolean;
  /** Scheduler flag 2: sh-port for sh, mh-port for mh (hash the source port too). */
  schedulerPort?: boolean;
  /** Persistence engine, e.g. "sip". */
  persistenceEngine?: string;
}

export type ForwardMethod = "masq" | "local" | "tunnel" | "route" | "bypass";
export type TunnelType = "ipip" | "gue" | "gre";
export type TunnelChecksum = "nocsum" | "csum" | "remcsum";

export interface DestinationKey {
  /** 4 or 16 bytes, network order; may differ in family from its service only with tunnel forwarding. */
  address: Uint8Array;
  port: number;
}

export interface DestinationSettings {
  forward: ForwardMethod;
  weight: number;
  /** Upper connection threshold (0 = none): above it the server gets no new connections. */
  upperThreshold?: number;
  /** Lower connection threshold (0 = none): below it the server is used again. */
  lowerThreshold?: number;
  /** Tunnel forwarding's encapsulation; default IPIP. */
  tunnel?: { type: TunnelType /** GUE's UDP port. */; port?: number; checksum?: TunnelChecksum };
}

export interface IpvsStats {
  conns: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
  cps: number;
  inPps: number;
  outPps: number;
  inBps: number;
  outBps: number;
}

export interface Destination extends DestinationKey {
  settings: DestinationSettings;
  activeConns: number;
  inactiveConns: number;
  persistConns: number;
  stats: IpvsStats;
}

export interface Service {
  key: ServiceKey;
  /** Read back as the kernel holds them: every optional field present (false / 0 / default prefix). */
  settings: Required<Omit<ServiceSettings, "persistenceEngine">> & { persistenceEngine?: string };
  stats: IpvsStats;
  destinations: Destination[];
}

/** Connection timeouts in seconds; in setTimeouts, 0 (or absent) leaves one unchanged, as in the kernel. */
export interface IpvsTimeouts {
  tcpS: number;
  tcpFinS: number;
  udpS: number;
}

export interface IpvsInfo {
  /** "1.2.1". */
  version: string;
  connTableSize: number;
}

/** One change to the table, as one of the single calls below would make it. */
export type IpvsChange =
  | { op: "addService"; service: ServiceKey; settings: ServiceSettings }
  | { op: "editService"; service: ServiceKey; settings: ServiceSettings }
  | { op: "deleteService"; service: ServiceKey }
  | { op: "addDestination"; service: ServiceKey; destination: DestinationKey; settings: DestinationSettings }
  | { op: "editDestination"; service: ServiceKey; destination: DestinationKey; settings: DestinationSettings }
  | { op: "deleteDestination"; service: ServiceKey; destination: DestinationKey };

/** A change of applyChanges' list the kernel refused: its index, the errno's name, the whole message. */
export interface IpvsRefusal {
  index: number;
  code: string;
  message: string;
}

export interface Ipvs {
  info(): IpvsInfo;
  /**
   * Makes each change in order, exactly as the single calls would one after another (a refused one does not stop
   * the rest), and returns the refusals in order. The kernel adapter sends many per netlink message: 11,000
   * changes were 22,000 system calls one at a time.
   */
  applyChanges(changes: readonly IpvsChange[]): IpvsRefusal[];
  addService(key: ServiceKey, settings: ServiceSettings): void;
  /** Replaces every setting (an absent optional one is turned off). */
  editService(key: ServiceKey, settings: ServiceSettings): void;
  /** Deletes the service and its destinations. */
  deleteService(key: ServiceKey): void;
  addDestination(service: ServiceKey, destination: DestinationKey, settings: DestinationSettings): void;
  editDestination(service: ServiceKey, destination: DestinationKey, settings: DestinationSettings): void;
  deleteDestination(service: ServiceKey, destination: DestinationKey): void;
  /**
   * Every service with its destinations. `counters: false` leaves every stats at zero, unread: the reconciler
   * compares settings only, and decoding the counters of 10,000 destinations was a third of reading them.
   * `destinations: false` lists the services alone, each with no destination (not asked for): what removing them
   * needs, since deleting a service deletes its destinations.
   */
  services(options?: { counters?: boolean; destinations?: boolean }): Service[];
  /**
   * One service with its destinations, null when it is not there: what a health flip or a reload reads, so that
   * it costs two small requests instead of a dump per service of the whole table.
   */
  service(key: ServiceKey, options?: { counters?: boolean }): Service | null;
  timeouts(): IpvsTimeouts;
  setTimeouts(timeouts: Partial<IpvsTimeouts>): void;
  /** Deletes every service of the namespace, ours or not: for tests and an explicit operator request only. */
  flushAll(): void;
  close(): void;
}

/** applyChanges by the single calls, one after another: what every implementation must be equivalent to. */
export function applyEachChange(ipvs: Ipvs, changes: readonly IpvsChange[]): IpvsRefusal[] {
  const refusals: IpvsRefusal[] = [];
  changes.forEach((c, index) => {
    try {
      applyChange(ipvs, c);
    } catch (e) {
      refusals.push({ index, code: (e as { code?: string }).code ?? "EUNKNOWN", message: (e as Error).message });
    }
  });
  return refusals;
}

function applyChange(ipvs: Ipvs, c: IpvsChange): void {
  switch (c.op) {
    case "addService":
      ipvs.addService(c.service, c.settings);
      break;
    case "editService":
      ipvs.editService(c.service, c.settings);
      break;
    case "deleteService":
      ipvs.deleteService(c.service);
      break;
    case "addDestination":
      ipvs.addDestination(c.service, c.destination, c.settings);
      break;
    case "editDestination":
      ipvs.editDestination(c.service, c.destination, c.settings);
      break;
    case "deleteDestination":
      ipvs.deleteDestination(c.service, c.destination);
      break;
  }
}

export const ZERO_STATS: Readonly<IpvsStats> = Object.freeze({
  conns: 0,
  inPackets: 0,
  outPackets: 0,
  inBytes: 0,
  outBytes: 0,
  cps: 0,
  inPps: 0,
  outPps: 0,
  inBps: 0,
  outBps: 0,
});

export function serviceFamily(key: ServiceKey): IpFamily {
  return key.kind === "fwmark" ? key.family : key.address.length === 4 ? 4 : 6;
}

/** Fills a service's optional settings the way the kernel reports them back. */
export function normalizeServiceSettings(key: ServiceKey, s: ServiceSettings): Service["settings"] {
  const full = serviceFamily(key) === 4 ? 32 : 128;
  const out: Service["settings"] = {
    scheduler: s.scheduler,
    persistenceTimeoutS: s.persistenceTimeoutS ?? 0,
    persistencePrefix: s.persistencePrefix ?? full,
    onePacket: s.onePacket ?? false,
    schedulerFallback: s.schedulerFallback ?? false,
    schedulerPort: s.schedulerPort ?? false,
  };
  if (s.persistenceEngine) out.persistenceEngine = s.persistenceEngine;
  return out;
}

/** A service's identity as text ("tcp 192.0.2.1 80", "fwmark 5 ipv6"): for maps keyed by service, and for logs. */
export function serviceKeyText(k: ServiceKey): string {
  return k.kind === "fwmark" ? `fwmark ${k.fwmark} ipv${k.family}` : `${k.protocol} ${formatIp(k.address)} ${k.port}`;
}

/** A destination's identity within its service ("198.51.100.1 8080"). */
export function destinationKeyText(d: DestinationKey): string {
  return `${formatIp(d.address)} ${d.port}`;
}
