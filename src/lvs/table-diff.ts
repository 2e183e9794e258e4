// The operations that turn the kernel's IPVS table into the desired one, touching only vipd's services: those
// in the desired table, and those vipd set up before (`owned`) that are no longer wanted. A changed setting is an
// edit, never a delete and add, so established connections through a service or real server survive. Pure.

import {
  type IpvsChange,
  destinationKeyText,
  type DestinationSettings,
  normalizeServiceSettings,
  type Service,
  serviceKeyText,
} from "../adapters/ipvs.ts";
import type { DesiredService } from "./desired-table.ts";

export type IpvsOperation = IpvsChange;

export function diffTables(desired: readonly DesiredService[], current: readonly Service[], owned: ReadonlySet<string>): IpvsOperation[] {
  const ops: IpvsOperation[] = [];
  const wanted = new Set(desired.map((s) => serviceKeyText(s.key)));
  const byKey = new Map(current.map((s) => [serviceKeyText(s.key), s]));
  for (const s of current) {
    const name = serviceKeyText(s.key);
    if (owned.has(name) && !wanted.has(name)) ops.push({ op: "deleteService", service: s.key });
  }
  for (const want of desired) {
    const have = byKey.get(serviceKeyText(want.key));
    if (have === undefined) {
      ops.push({ op: "addService", service: want.key, settings: want.settings });
      for (const d of want.destinations) ops.push({ op: "addDestination", service: want.key, destination: d.key, settings: d.settings });
      continue;
    }
    if (!sameServiceSettings(want, have)) ops.push({ op: "editService", service: want.key, settings: want.settings });
    diffDestinations(ops, want, have);
  }
  return ops;
}

/** Within a service of ours every destination is ours: one not configured is removed. */
function diffDestinations(ops: IpvsOperation[], want: DesiredService, have: Service): void {
  const wanted = new Map(want.destinations.map((d) => [destinationKeyText(d.key), d]));
  const present = new Map(have.destinations.map((d) => [destinationKeyText(d), d]));
  for (const [name, d] of present) {
    if (!wanted.has(name)) ops.push({ op: "deleteDestination", service: want.key, destination: { address: d.address, port: d.port } });
  }
  for (const [name, d] of wanted) {
    const found = present.get(name);
    if (found === undefined) ops.push({ op: "addDestination", service: want.key, destination: d.key, settings: d.settings });
    else if (!sameDestinationSettings(d.settings, found.settings)) {
      ops.push({ op: "editDestination", service: want.key, destination: d.key, settings: d.settings });
    }
  }
}

/**
 * Whether two desired forms of one service set the kernel up alike: a flip or a reload reads only the services
 * whose form changed since it was last applied.
 */
export function sameDesiredService(a: DesiredService | undefined, b: DesiredService): boolean {
  if (a === b) return true;
  if (a === undefined || serviceKeyText(a.key) !== serviceKeyText(b.key)) return false;
  if (!sameSettings(normalizeServiceSettings(a.key, a.settings), normalizeServiceSettings(b.key, b.settings))) return false;
  if (a.destinations.length !== b.destinations.length) return false;
  return a.destinations.every((d, i) => {
    const e = b.destinations[i]!;
    return d.key.port === e.key.port && sameBytes(d.key.address, e.key.address) && sameDestinationSettings(d.settings, e.settings);
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameServiceSettings(want: DesiredService, have: Service): boolean {
  return sameSettings(normalizeServiceSettings(want.key, want.settings), have.settings);
}

function sameSettings(a: Service["settings"], b: Service["settings"]): boolean {
  return (
    a.scheduler === b.scheduler &&
    a.persistenceTimeoutS === b.persistenceTimeoutS &&
    a.persistencePrefix === b.persistencePrefix &&
    a.onePacket === b.onePacket &&
    a.schedulerFallback === b.schedulerFallback &&
    a.schedulerPort === b.schedulerPort &&
    (a.persistenceEngine ?? "") === (b.persistenceEngine ?? "")
  );
}

/** As the kernel reports them back: absent thresholds are 0, a tunnel is described only for tunnel forwarding. */
function sameDestinationSettings(a: DestinationSettings, b: DestinationSettings): boolean {
  if (a.forward !== b.forward || a.weight !== b.weight) return false;
  if ((a.upperThreshold ?? 0) !== (b.upperThreshold ?? 0) || (a.lowerThreshold ?? 0) !== (b.lowerThreshold ?? 0)) return false;
  if (a.forward !== "tunnel") return true;
  return (
    (a.tunnel?.type ?? "ipip") === (b.tunnel?.type ?? "ipip") &&
    (a.tunnel?.port ?? 0) === (b.tunnel?.port ?? 0) &&
    (a.tunnel?.checksum ?? "nocsum") === (b.tunnel?.checksum ?? "nocsum")
  );
}

/** One line per operation, for logs and tests. */
export function describeOperation(o: IpvsOperation): string {
  const service = serviceKeyText(o.service);
  switch (o.op) {
    case "addService":
    case "editService":
    case "deleteService":
      return `${o.op} ${service}`;
    default:
      return `${o.op} ${service} -> ${destinationKeyText(o.destination)}${"settings" in o ? ` weight ${o.settings.weight}` : ""}`;
  }
}
