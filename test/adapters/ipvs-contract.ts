// What every Ipvs must do, written once and run against the in-memory fake (test/adapters/ipvs-fake.test.ts) and
// the generic netlink adapter on a real kernel inside the test VM (test/vm/ipvs-kernel.test.ts). Returns the
// failures, [] when it holds. Leaves the table empty and the timeouts as it found them.
import type {
  DestinationKey,
  DestinationSettings,
  Ipvs,
  IpvsChange,
  Service,
  ServiceKey,
  ServiceSettings,
} from "../../src/adapters/ipvs.ts";
import { destinationKeyText, normalizeServiceSettings, serviceKeyText } from "../../src/adapters/ipvs.ts";
import { formatIp, parseIp } from "../../src/vrrp/ip-address.ts";

const ip = (text: string) => parseIp(text) as Uint8Array;

/** One line per service and per destination, sorted: tables compare as text whatever order the kernel lists. */
export function tableLines(services: Service[]): string[] {
  const lines: string[] = [];
  for (const s of services) {
    const t = s.settings;
    const head = `${serviceKeyText(s.key)} | ${t.scheduler} persist=${t.persistenceTimeoutS}/${t.persistencePrefix}`;
    lines.push(`${head} ops=${t.onePacket} fallback=${t.schedulerFallback} port=${t.schedulerPort} pe=${t.persistenceEngine ?? "-"}`);
    for (const d of s.destinations) {
      const x = d.settings;
      const tunnel = x.tunnel ? ` ${x.tunnel.type}:${x.tunnel.port ?? 0}:${x.tunnel.checksum ?? "nocsum"}` : "";
      lines.push(
        `${serviceKeyText(s.key)} -> ${destinationKeyText(d)} ${x.forward}${tunnel} w=${x.weight} u=${x.upperThreshold ?? 0} l=${x.lowerThreshold ?? 0}`,
      );
    }
  }
  return lines.sort();
}

const tcp4: ServiceKey = { kind: "address", protocol: "tcp", address: ip("192.0.2.10"), port: 80 };
const fwmark4: ServiceKey = { kind: "fwmark", family: 4, fwmark: 1 };
const tcp6: ServiceKey = { kind: "address", protocol: "tcp", address: ip("2001:db8::10"), port: 443 };
const fwmark6: ServiceKey = { kind: "fwmark", family: 6, fwmark: 2 };

export const SERVICES: ReadonlyArray<[ServiceKey, ServiceSettings]> = [
  [tcp4, { scheduler: "rr" }],
  [
    { kind: "address", protocol: "udp", address: ip("192.0.2.10"), port: 53 },
    { scheduler: "wrr", onePacket: true },
  ],
  [{ kind: "address", protocol: "sctp", address: ip("192.0.2.10"), port: 3868 }, { scheduler: "lc" }],
  [fwmark4, { scheduler: "wlc", persistenceTimeoutS: 300, persistencePrefix: 24 }],
  [tcp6, { scheduler: "sh", schedulerFallback: true, schedulerPort: true }],
  [fwmark6, { scheduler: "mh", schedulerFallback: true, schedulerPort: true, persistenceTimeoutS: 60, persistencePrefix: 64 }],
  [
    { kind: "address", protocol: "udp", address: ip("2001:db8::10"), port: 5060 },
    { scheduler: "rr", persistenceTimeoutS: 10, persistenceEngine: "sip" },
  ],
  [{ kind: "address", protocol: "sctp", address: ip("2001:db8::10"), port: 3868 }, { scheduler: "wlc" }],
];

export const DESTINATIONS: ReadonlyArray<[ServiceKey, DestinationKey, DestinationSettings]> = [
  [tcp4, { address: ip("198.51.100.1"), port: 8080 }, { forward: "masq", weight: 1 }],
  [tcp4, { address: ip("198.51.100.2"), port: 80 }, { forward: "route", weight: 5, upperThreshold: 100, lowerThreshold: 10 }],
  [tcp4, { address: ip("198.51.100.3"), port: 80 }, { forward: "tunnel", weight: 2, tunnel: { type: "ipip" } }],
  [
    tcp4,
    { address: ip("198.51.100.4"), port: 80 },
    { forward: "tunnel", weight: 2, tunnel: { type: "gue", port: 6080, checksum: "csum" } },
  ],
  [tcp4, { address: ip("198.51.100.5"), port: 80 }, { forward: "tunnel", weight: 2, tunnel: { type: "gre", checksum: "remcsum" } }],
  [tcp4, { address: ip("198.51.100.6"), port: 80 }, { forward: "local", weight: 1 }],
  [tcp4, { address: ip("198.51.100.7"), port: 80 }, { forward: "bypass", weight: 1 }],
  [fwmark4, { address: ip("198.51.100.8"), port: 0 }, { forward: "route", weight: 0 }],
  [tcp6, { address: ip("2001:db8::20"), port: 8443 }, { forward: "masq", weight: 10, upperThreshold: 50 }],
  // A tunnel may carry an IPv6 service to an IPv4 real server (and only a tunnel).
  [tcp6, { address: ip("198.51.100.9"), port: 443 }, { forward: "tunnel", weight: 1 }],
  [fwmark6, { address: ip("2001:db8::21"), port: 0 }, { forward: "route", weight: 3 }],
];

/** The table after SERVICES and DESTINATIONS are added, as tableLines() prints it. */
export function expectedLines(): string[] {
  return linesOf(SERVICES, DESTINATIONS);
}

/** The table holding these services and destinations, as tableLines() prints it. */
function linesOf(
  serviceList: ReadonlyArray<readonly [ServiceKey, ServiceSettings]>,
  destinationList: ReadonlyArray<readonly [ServiceKey, DestinationKey, DestinationSettings]>,
): string[] {
  const services: Service[] = serviceList.map(([key, settings]) => ({
    key,
    settings: normalizeServiceSettings(key, settings),
    stats: {} as Service["stats"],
    destinations: [],
  }));
  for (const [key, d, settings] of destinationList) {
    const s = services.find((x) => serviceKeyText(x.key) === serviceKeyText(key));
    const full = { upperThreshold: 0, lowerThreshold: 0, ...settings };
    // A tunnel reads back with its encapsulation spelled out: IPIP, no port, no checksum unless told.
    if (full.forward === "tunnel") full.tunnel = { type: "ipip", port: 0, checksum: "nocsum", ...full.tunnel };
    s?.destinations.push({ ...d, settings: full, activeConns: 0, inactiveConns: 0, persistConns: 0, stats: {} as Service["stats"] });
  }
  return tableLines(services);
}

/** Adds SERVICES and DESTINATIONS to an empty table. */
export function buildTable(ipvs: Ipvs): void {
  for (const [key, settings] of SERVICES) ipvs.addService(key, settings);
  for (const [service, d, settings] of DESTINATIONS) ipvs.addDestination(service, d, settings);
}

function refusedWith(code: string, fn: () => void): string | null {
  try {
    fn();
  } catch (e) {
    const got = (e as { code?: string }).code;
    return got === code ? null : `expected ${code}, got ${got ?? String(e)}`;
  }
  return `expected ${code}, but it succeeded`;
}

function diff(want: string[], got: string[]): string {
  const missing = want.filter((l) => !got.includes(l));
  const extra = got.filter((l) => !want.includes(l));
  return `missing [${missing.join("; ")}] extra [${extra.join("; ")}]`;
}

export function ipvsContract(ipvs: Ipvs): string[] {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const refused = (code: string, what: string, fn: () => void) => {
    const problem = refusedWith(code, fn);
    if (problem) failures.push(`${what}: ${problem}`);
  };
  const table = () => tableLines(ipvs.services());

  ipvs.flushAll();
  check(ipvs.services().length === 0, "flushAll leaves no service");
  const info = ipvs.info();
  check(/^\d+\.\d+\.\d+$/.test(info.version) && info.connTableSize > 0, `info is a version and a table size: ${JSON.stringify(info)}`);

  buildTable(ipvs);
  const built = table();
  const want = expectedLines();
  check(JSON.stringify(built) === JSON.stringify(want), `the table lists what was added: ${diff(want, built)}`);
  const withoutCounters = ipvs.services({ counters: false });
  check(JSON.stringify(tableLines(withoutCounters)) === JSON.stringify(want), "the table lists the same without counters");
  check(
    withoutCounters.every((s) => s.stats.conns === 0 && s.destinations.every((d) => d.stats.inPackets === 0)),
    "without counters every stats is zero",
  );

  // The services alone: the same services and settings, no destination asked for.
  const alone = ipvs.services({ counters: false, destinations: false });
  check(
    JSON.stringify(alone.map((s) => [serviceKeyText(s.key), s.settings])) ===
      JSON.stringify(withoutCounters.map((s) => [serviceKeyText(s.key), s.settings])),
    "without destinations the same services are listed, with their settings",
  );
  check(
    alone.every((s) => s.destinations.length === 0) && withoutCounters.some((s) => s.destinations.length > 0),
    "without destinations none is listed",
  );

  // One service by its key: what the whole table lists for it, destinations included; an absent one is null.
  for (const [key] of SERVICES) {
    const one = ipvs.service(key, { counters: false });
    const listed = withoutCounters.filter((s) => serviceKeyText(s.key) === serviceKeyText(key));
    check(
      one !== null && JSON.stringify(tableLines([one])) === JSON.stringify(tableLines(listed)),
      `service(${serviceKeyText(key)}) reads what the table lists: ${one === null ? "null" : diff(tableLines(listed), tableLines([one]))}`,
    );
  }
  const counted = ipvs.service(tcp4);
  check(
    counted?.destinations.length === DESTINATIONS.filter(([s]) => s === tcp4).length,
    "service() with counters reads every destination",
  );
  const absentKeys: ServiceKey[] = [
    { kind: "address", protocol: "tcp", address: ip("192.0.2.99"), port: 1 },
    // The same address and port as a service, another protocol; the same mark, the other family.
    { kind: "address", protocol: "udp", address: ip("192.0.2.10"), port: 80 },
    { kind: "fwmark", family: 6, fwmark: 1 },
  ];
  for (const key of absentKeys) check(ipvs.service(key) === null, `service(${serviceKeyText(key)}) of an absent service is null`);
  refused("EINVAL", "reading a service of port 65536", () =>
    ipvs.service({ kind: "address", protocol: "tcp", address: ip("192.0.2.10"), port: 65536 }),
  );

  // Refusals, each leaving the table as it was.
  const key = tcp4;
  const settings: ServiceSettings = { scheduler: "rr" };
  const [, dest, destSettings] = DESTINATIONS[0] as [ServiceKey, DestinationKey, DestinationSettings];
  const absent: ServiceKey = { kind: "address", protocol: "tcp", address: ip("192.0.2.99"), port: 1 };
  const fresh: ServiceKey = { kind: "address", protocol: "tcp", address: ip("192.0.2.98"), port: 2 };
  const fresh6: ServiceKey = { kind: "address", protocol: "udp", address: ip("2001:db8::98"), port: 2 };
  const other: DestinationKey = { address: ip("198.51.100.99"), port: 9 };
  refused("EEXIST", "adding a service twice", () => ipvs.addService(key, settings));
  refused("ESRCH", "deleting an absent service", () => ipvs.deleteService(absent));
  refused("ESRCH", "editing an absent service", () => ipvs.editService(absent, settings));
  refused("ENOENT", "an unknown scheduler", () => ipvs.addService(fresh, { scheduler: "nosuch" }));
  refused("ENOENT", "an unknown persistence engine", () => ipvs.addService(fresh, { scheduler: "rr", persistenceEngine: "nosuch" }));
  refused("EINVAL", "an IPv6 persistence prefix of 129", () => ipvs.addService(fresh6, { scheduler: "rr", persistencePrefix: 129 }));
  refused("EINVAL", "an IPv4 persistence prefix of 33", () => ipvs.addService(fresh, { scheduler: "rr", persistencePrefix: 33 }));
  refused("EINVAL", "a port above 65535", () => ipvs.addService({ ...fresh, port: 65536 }, { scheduler: "rr" }));
  refused("EINVAL", "a real server port above 65535", () => ipvs.addDestination(key, { ...other, port: 70000 }, destSettings));
  refused("EEXIST", "adding a destination twice", () => ipvs.addDestination(key, dest, destSettings));
  refused("ESRCH", "a destination of an absent service", () => ipvs.addDestination(absent, dest, destSettings));
  refused("ENOENT", "deleting an absent destination", () => ipvs.deleteDestination(key, other));
  refused("ENOENT", "editing an absent destination", () => ipvs.editDestination(key, other, destSettings));
  refused("ERANGE", "a negative weight", () => ipvs.addDestination(key, other, { forward: "masq", weight: -1 }));
  refused("ERANGE", "a lower threshold above the upper", () =>
    ipvs.addDestination(key, other, { forward: "masq", weight: 1, upperThreshold: 5, lowerThreshold: 6 }),
  );
  refused("EINVAL", "an IPv6 real server of an IPv4 service by NAT", () =>
    ipvs.addDestination(key, { address: ip("2001:db8::99"), port: 9 }, { forward: "masq", weight: 1 }),
  );
  refused("EINVAL", "GUE without a port", () => ipvs.addDestination(key, other, { forward: "tunnel", weight: 1, tunnel: { type: "gue" } }));
  const afterRefusals = table();
  check(JSON.stringify(afterRefusals) === JSON.stringify(want), `refusals change nothing: ${diff(want, afterRefusals)}`);

  // Edits replace every setting.
  ipvs.editService(key, { scheduler: "wlc", persistenceTimeoutS: 120, persistencePrefix: 16 });
  ipvs.editService(fwmark6, { scheduler: "mh" });
  ipvs.editDestination(key, dest, { forward: "route", weight: 7, upperThreshold: 9, lowerThreshold: 3 });
  const edited = ipvs.services();
  const e4 = edited.find((s) => serviceKeyText(s.key) === serviceKeyText(key));
  check(
    JSON.stringify(e4?.settings) ===
      JSON.stringify(normalizeServiceSettings(key, { scheduler: "wlc", persistenceTimeoutS: 120, persistencePrefix: 16 })),
    `an edited service reads back: ${JSON.stringify(e4?.settings)}`,
  );
  const e6 = edited.find((s) => serviceKeyText(s.key) === serviceKeyText(fwmark6));
  check(
    JSON.stringify(e6?.settings) === JSON.stringify(normalizeServiceSettings(fwmark6, { scheduler: "mh" })),
    `an edit clears the flags and persistence it leaves out: ${JSON.stringify(e6?.settings)}`,
  );
  const ed = e4?.destinations.find((d) => formatIp(d.address) === formatIp(dest.address) && d.port === dest.port);
  check(
    JSON.stringify(ed?.settings) === JSON.stringify({ forward: "route", weight: 7, upperThreshold: 9, lowerThreshold: 3 }),
    `an edited destination reads back: ${JSON.stringify(ed?.settings)}`,
  );
  check(e4?.destinations.length === DESTINATIONS.filter(([s]) => s === key).length, "editing a service keeps its destinations");

  // Timeouts: 0 leaves one unchanged.
  const before = ipvs.timeouts();
  ipvs.setTimeouts({ tcpS: 1000, tcpFinS: 60, udpS: 200 });
  check(JSON.stringify(ipvs.timeouts()) === JSON.stringify({ tcpS: 1000, tcpFinS: 60, udpS: 200 }), "timeouts read back");
  ipvs.setTimeouts({ tcpS: 0, tcpFinS: 0, udpS: 0 });
  check(JSON.stringify(ipvs.timeouts()) === JSON.stringify({ tcpS: 1000, tcpFinS: 60, udpS: 200 }), "0 leaves a timeout unchanged");
  ipvs.setTimeouts({ udpS: 100 });
  check(JSON.stringify(ipvs.timeouts()) === JSON.stringify({ tcpS: 1000, tcpFinS: 60, udpS: 100 }), "a partial set leaves the others");
  ipvs.setTimeouts(before);
  check(JSON.stringify(ipvs.timeouts()) === JSON.stringify(before), "timeouts restored");

  // Deletes.
  ipvs.deleteDestination(key, dest);
  check(!table().some((l) => l.includes(`-> ${formatIp(dest.address)} ${dest.port} `)), "a deleted destination is gone");
  ipvs.deleteService(tcp6);
  check(!table().some((l) => l.startsWith(serviceKeyText(tcp6))), "a deleted service is gone with its destinations");
  check(ipvs.services().length === SERVICES.length - 1, "the other services stay");
  check(ipvs.service(tcp6) === null && ipvs.service(tcp4) !== null, "service() of a deleted service is null, the others still read");
  ipvs.flushAll();
  check(ipvs.services().length === 0, "flushAll empties the table");

  // Many changes at once: the same as one call at a time, in order, a refusal not stopping the rest.
  const many = manyChanges();
  const refusals = ipvs.applyChanges(many.changes).map((r) => `${r.index} ${r.code}`);
  check(JSON.stringify(refusals) === JSON.stringify(many.refused), `applyChanges refuses ${many.refused} only, got ${refusals}`);
  const afterMany = table();
  check(JSON.stringify(afterMany) === JSON.stringify(many.expected), `applyChanges builds the table: ${diff(many.expected, afterMany)}`);
  check(ipvs.applyChanges([]).length === 0 && table().length === afterMany.length, "no changes change nothing");
  ipvs.flushAll();
  check(ipvs.services().length === 0, "flushAll empties the table");
  return failures;
}

/**
 * 150 services × 3 destinations (several of the adapter's trains of requests), with edits and deletes of what was
 * added before them, and refusals: by the kernel in the middle, at the end of a train and as the last request
 * sent, and two the adapter cannot even encode (a port above 65535), one of them the very last change.
 */
function manyChanges(): { changes: IpvsChange[]; refused: string[]; expected: string[] } {
  const settings: ServiceSettings = { scheduler: "wrr" };
  const service = (i: number): ServiceKey => ({ kind: "address", protocol: "tcp", address: ip("192.0.2.20"), port: 10_000 + i });
  const server = (j: number): DestinationKey => ({ address: ip(`198.51.100.${1 + j}`), port: 80 });
  const changes: IpvsChange[] = [];
  const services: [ServiceKey, ServiceSettings][] = [];
  const destinations: [ServiceKey, DestinationKey, DestinationSettings][] = [];
  for (let i = 0; i < 150; i++) {
    changes.push({ op: "addService", service: service(i), settings });
    services.push([service(i), settings]);
    for (let j = 0; j < 3; j++) {
      changes.push({ op: "addDestination", service: service(i), destination: server(j), settings: { forward: "masq", weight: 1 } });
      destinations.push([service(i), server(j), { forward: "masq", weight: 1 }]);
    }
  }
  const refused: string[] = [];
  const insert = (at: number, change: IpvsChange, code: string | null) => {
    changes.splice(at, 0, change);
    if (code !== null) refused.push(`${at} ${code}`);
  };
  // Inserted in increasing order, so each index is final.
  insert(40, { op: "addService", service: service(0), settings }, "EEXIST");
  insert(63, { op: "addDestination", service: service(999), destination: server(0), settings: { forward: "masq", weight: 1 } }, "ESRCH");
  insert(
    100,
    { op: "addDestination", service: service(1), destination: { ...server(9), port: 70_000 }, settings: { forward: "masq", weight: 1 } },
    "EINVAL",
  );
  insert(101, { op: "editDestination", service: service(2), destination: server(2), settings: { forward: "masq", weight: 7 } }, null);
  insert(300, { op: "deleteDestination", service: service(3), destination: server(1) }, null);
  insert(301, { op: "deleteService", service: service(4) }, null);
  insert(changes.length, { op: "addService", service: service(500), settings: { scheduler: "nosuch" } }, "ENOENT");
  // The last change cannot be encoded: the request before it is the last one sent, and its answer ends the exchange.
  insert(changes.length, { op: "deleteDestination", service: service(5), destination: { ...server(0), port: 70_000 } }, "EINVAL");
  const kept = destinations
    .filter(([s, d]) => !(s.kind === "address" && ((s.port === 10_003 && d.address[3] === 2) || s.port === 10_004)))
    .map(([s, d, x]): [ServiceKey, DestinationKey, DestinationSettings] =>
      s.kind === "address" && s.port === 10_002 && d.address[3] === 3 ? [s, d, { ...x, weight: 7 }] : [s, d, x],
    );
  const expected = linesOf(
    services.filter(([s]) => !(s.kind === "address" && s.port === 10_004)),
    kept,
  );
  return { changes, refused, expected };
}
