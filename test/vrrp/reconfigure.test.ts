import { expect, test } from "bun:test";
import type { Effect } from "../../src/vrrp/effects.ts";
import { instanceKey } from "../../src/vrrp/node.ts";
import { Harness, types } from "./harness.ts";
import { instance, ip } from "./fixtures.ts";

const MDI = 3000 + 609.375;

function masterHarness() {
  const h = new Harness([instance({ version: 2 })]);
  h.startup();
  h.advanceTo(MDI);
  expect(h.state()).toBe("MASTER");
  return h;
}

function reconfigure(h: Harness, instances: ReturnType<typeof instance>[], groups: { name: string; members: string[] }[] = []) {
  const out: Effect[] = [];
  const summary = h.node.reconfigure({ instances, syncGroups: groups }, h.now, out);
  return { summary, effects: out.map((e) => ({ ...e })) };
}

test("an unchanged config changes nothing: the MASTER stays MASTER, no effect at all", () => {
  const h = masterHarness();
  const { summary, effects } = reconfigure(h, [instance({ version: 2 })]);
  expect(summary).toEqual({ kept: [{ from: "VI_1", to: "VI_1" }], added: [], removed: [] });
  expect(effects).toEqual([]);
  expect(h.state()).toBe("MASTER");
});

test("instances are matched by interface, family, VRID and peers, not by name: a rename keeps the state", () => {
  const h = masterHarness();
  const { summary, effects } = reconfigure(h, [instance({ version: 2, name: "web" })]);
  expect(summary.kept).toEqual([{ from: "VI_1", to: "web" }]);
  expect(effects).toEqual([]);
  expect(h.node.router("web")!.state).toBe("MASTER");
  expect(h.node.router("VI_1")).toBeUndefined();
  // Later effects carry the new name.
  const next = h.advanceBy(1000);
  expect(next.find((e) => e.type === "SendAdvert")).toMatchObject({ instance: "web" });
});

test("a new priority on a MASTER is announced at once", () => {
  const h = masterHarness();
  const { effects } = reconfigure(h, [instance({ version: 2, priority: 60 })]);
  expect(types(effects)).toEqual(["SendAdvert:60"]);
  expect(h.router().priority).toBe(60);
});

test("a changed VIP list goes into the next advert", () => {
  const h = masterHarness();
  reconfigure(h, [instance({ version: 2, vips: ["192.0.2.100", "192.0.2.101"] })]);
  const buf = new Uint8Array(64);
  const length = h.router().writeAdvert(buf, 100, ip("192.0.2.1"), ip("224.0.0.18"));
  expect(buf[3]).toBe(2);
  expect(length).toBe(8 + 8 + 8);
});

test("a removed instance stops: priority 0, VIPs released, STOP; a new one starts as BACKUP", () => {
  const h = masterHarness();
  const { summary, effects } = reconfigure(h, [instance({ version: 2, name: "VI_9", vrid: 9 })]);
  expect(summary).toEqual({ kept: [], added: ["VI_9"], removed: ["VI_1"] });
  expect(types(effects)).toEqual(["SendAdvert:0", "DelVips", "Notify:VI_1:STOP", "Notify:VI_9:BACKUP"]);
});

test("tracker states survive a reload: a failing tracker still counts afterwards", () => {
  const trackers = [{ name: "script:chk", kind: "status" as const, weight: -50, reverse: false }];
  const h = new Harness([instance({ version: 2, trackers })]);
  h.startup();
  h.tracker("script:chk", false);
  expect(h.router().priority).toBe(50);
  reconfigure(h, [instance({ version: 2, priority: 120, trackers })]);
  expect(h.router().priority).toBe(70);
});

test("a bad new config (duplicate VRID) throws and leaves the node as it was", () => {
  const h = masterHarness();
  expect(() => reconfigure(h, [instance({ version: 2 }), instance({ version: 2, name: "other", vips: ["192.0.2.7"] })])).toThrow(
    "VRID 51 is used twice",
  );
  expect(h.node.router("VI_1")!.state).toBe("MASTER");
  expect(h.node.routers.length).toBe(1);
  expect(types(h.advanceBy(1000))).toEqual(["SendAdvert:100"]);
});

test("the instance key ignores the name and includes unicast peers", () => {
  expect(instanceKey(instance({ name: "a" }))).toBe(instanceKey(instance({ name: "b" })));
  expect(instanceKey(instance())).not.toBe(instanceKey(instance({ unicastPeers: [ip("192.0.2.2")] })));
  expect(instanceKey(instance())).not.toBe(instanceKey(instance({ interface: "eth1" })));
});
