// docs/status-json.md documents every field of `vipd status --json`: the fixture below must be a complete
// StatusSnapshot (tsc fails when a field is added to the type and not here), and every field path in it must appear
// in the document, so a new field cannot go out undocumented.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STATUS_FORMAT, type StatusSnapshot } from "../../src/daemon/status.ts";

type Complete<T> = { [K in keyof T]-?: T[K] };

const instance: Complete<StatusSnapshot["instances"][number]> = {
  name: "VI_1",
  interface: "eth0",
  vrid: 51,
  version: 3,
  state: "MASTER",
  stopping: false,
  held: false,
  priority: 150,
  basePriority: 150,
  fault: null,
  master: null,
  lastAdvertAgeMs: 120,
  lastTransition: { from: "BACKUP", to: "MASTER", reason: "no advert within Master_Down_Interval", ageMs: 5000 },
  advertIntervalCs: 100,
  masterDownIntervalMs: 3414.063,
  advertsReceived: 0,
  advertsSent: 10,
  becameMaster: 1,
  otherMastersSeen: 0,
  lowerPriorityAnswersLimited: 0,
  drops: {},
  lastDrop: null,
  vips: [{ address: "192.0.2.10/24", present: true }],
};

const fixture: Complete<StatusSnapshot> = {
  format: STATUS_FORMAT,
  version: "0.1.0",
  pid: 1,
  uptimeMs: 1000,
  instances: [instance],
  trackers: {
    scripts: [{ name: "chk", up: true, runs: 3, lastDurationMs: 2 }],
    files: [{ name: "weight", value: 5 }],
    processes: [{ name: "haproxy", count: 2, up: true }],
  },
  syncGroups: [{ name: "G1", state: "MASTER", members: ["VI_1"] }],
  waiting: [{ instance: "VI_2", ifname: "eth1" }],
  unattributedDrops: {},
  transports: [{ ifname: "eth0", family: 4, received: 0, malformed: 0, extensionHeaders: 0, sent: 10, sendErrors: 0, ipsecAh: true }],
  timer: { fired: 10, late: 0, maxLatenessMs: 0.2 },
  virtualServers: [
    {
      name: "web",
      realServers: [
        {
          address: "198.51.100.21",
          port: 8080,
          alive: true,
          weight: 1,
          checks: [{ check: "TCP_CHECK of 198.51.100.21:8080", up: true, last: { ok: true, reason: "connected", durationMs: 0.4 } }],
        },
      ],
    },
  ],
  checker: { pid: 2, restarts: 0, distinctChecks: 1 },
};

/** Every field name in `value`, depth first (array elements' fields under the array's). */
function fieldNames(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const element of value) fieldNames(element, into);
  else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      into.add(key);
      fieldNames(child, into);
    }
  }
  return into;
}

const doc = readFileSync(join(import.meta.dir, "../../docs/status-json.md"), "utf8");

test("docs/status-json.md names every field of the status snapshot", () => {
  const missing = [...fieldNames(fixture)].filter((name) => !doc.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test("docs/status-json.md states the current format version", () => {
  expect(doc).toContain(`\`"format": ${STATUS_FORMAT}\``);
});
