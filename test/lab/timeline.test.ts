import { expect, test } from "bun:test";
import { parseTcpdumpLine, type Packet } from "../../src/lab/capture.ts";
import { buildTimeline, type ScenarioWindow } from "../../src/lab/timeline.ts";
import { CANNED_MACS, HARD_FAILURE_CAPTURE } from "./canned.ts";

const packets = HARD_FAILURE_CAPTURE.split("\n")
  .map(parseTcpdumpLine)
  .filter((p): p is Packet => p !== null);
const r1 = { name: "r1", ipv4: "192.0.2.11", mac: CANNED_MACS.R1 };
const r2 = { name: "r2", ipv4: "192.0.2.12", mac: CANNED_MACS.R2 };
const window: ScenarioWindow = {
  t0: 1_000_000,
  start: 999_790,
  end: 1_000_700,
  vip: "192.0.2.100",
  vrid: 51,
  advertIntervalMs: 100,
  routers: [r1, r2],
  oldMaster: r1,
  newMaster: r2,
  faultText: "fault: p-r1 down",
};

test("the canned capture parses into every packet it holds", () => {
  expect(packets.length).toBe(20);
});

test("hard failure: the events in time order, relative to the fault", () => {
  const m = buildTimeline(packets, window);
  expect(m.events.map((e) => [Number(e.at.toFixed(1)), e.text])).toEqual([
    [-100, "last advert from r1 (priority 150)"],
    [-7.9, "last reply before the longest gap (from r1)"],
    [0, "fault: p-r1 down"],
    [320, "first gratuitous ARP for 192.0.2.100 (from r2)"],
    [320.5, "first advert from r2 (priority 140): new master"],
    [322.1, "first reply after the gap (from r2)"],
  ]);
  expect(m.outageMs).toBeCloseTo(330, 3);
  expect(m.ongoing).toBe(false);
  expect(m.takeoverAt).toBeCloseTo(320.5, 3);
  expect(m.masterAtEnd).toBe("r2");
  // Requests 1..8 inside the window; 3, 4 and 5 were never answered.
  expect({ sent: m.sent, lost: m.lost }).toEqual({ sent: 8, lost: 3 });
});

test("silence up to the end of the window is an outage that has not ended", () => {
  const m = buildTimeline(packets, { ...window, end: 1_000_300 });
  expect(m.ongoing).toBe(true);
  expect(m.outageMs).toBeCloseTo(307.9, 3);
  expect(m.takeoverAt).toBeNull();
  expect(m.events.some((e) => e.text === "r2 never advertised")).toBe(true);
});

test("a priority-0 advert from the old master is its own event; several advertisers leave the master unclear", () => {
  const extra: Packet[] = [
    {
      kind: "advert",
      t: 1_000_010,
      srcMac: r1.mac,
      dstMac: "01:00:5e:00:00:12",
      src: r1.ipv4,
      version: 3,
      vrid: 51,
      priority: 0,
      intervalCs: 10,
    },
    {
      kind: "advert",
      t: 1_000_600,
      srcMac: r1.mac,
      dstMac: "01:00:5e:00:00:12",
      src: r1.ipv4,
      version: 3,
      vrid: 51,
      priority: 150,
      intervalCs: 10,
    },
  ];
  const all = [...packets, ...extra].sort((a, b) => a.t - b.t);
  const m = buildTimeline(all, window);
  expect(m.events.some((e) => e.text.startsWith("r1 sends priority 0"))).toBe(false); // a later 150 supersedes it
  expect(m.masterAtEnd).toBeNull();
  const resign = buildTimeline(
    [...packets, extra[0]!].sort((a, b) => a.t - b.t),
    window,
  );
  expect(resign.events.find((e) => e.text.startsWith("r1 sends priority 0"))?.at).toBeCloseTo(10, 3);
});

test("adverts of another VRID and packets outside the window are ignored", () => {
  const other: Packet = {
    kind: "advert",
    t: 1_000_650,
    srcMac: r1.mac,
    dstMac: "x",
    src: r1.ipv4,
    version: 3,
    vrid: 52,
    priority: 200,
    intervalCs: 10,
  };
  const late: Packet = {
    kind: "advert",
    t: 1_000_900,
    srcMac: r1.mac,
    dstMac: "x",
    src: r1.ipv4,
    version: 3,
    vrid: 51,
    priority: 200,
    intervalCs: 10,
  };
  expect(buildTimeline([...packets, other, late], window).masterAtEnd).toBe("r2");
});

test("with use_vmac the new master's gratuitous ARP comes from the virtual MAC, and counts", () => {
  const vmac = "00:00:5e:00:01:33";
  const fromVmac = packets.map((p) => (p.kind === "arp" && p.srcMac === r2.mac ? { ...p, srcMac: vmac } : p));
  const garpLine = "first gratuitous ARP for 192.0.2.100 (from r2)";
  expect(buildTimeline(fromVmac, window).events.some((e) => e.text === garpLine)).toBe(false);
  expect(buildTimeline(fromVmac, { ...window, virtualMac: vmac }).events.some((e) => e.text === garpLine)).toBe(true);
});
