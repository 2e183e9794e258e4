import { describe, expect, test } from "bun:test";
import type { Effect } from "../../src/vrrp/effects.ts";
import { DEFAULT_GARP } from "../../src/vrrp/instance-config.ts";
import { HANDOVER_RELEASE_DELAY_MS } from "../../src/vrrp/router.ts";
import { Harness, types } from "./harness.ts";
import { instance, ip } from "./fixtures.ts";

// v2 at priority 100: Master_Down_Interval = 3 s + 156/256 s.
const MDI_V2_100 = 3000 + 609.375;

describe("election from BACKUP", () => {
  test("a lone backup becomes MASTER exactly when Master_Down_Interval runs out", () => {
    const h = new Harness([instance({ version: 2 })]);
    expect(types(h.startup())).toEqual(["Notify:VI_1:BACKUP"]);
    h.advanceTo(MDI_V2_100 - 0.001);
    expect(h.state()).toBe("BACKUP");
    const effects = h.advanceTo(MDI_V2_100);
    expect(types(effects)).toEqual(["AddVips", "SendGratuitous", "SendAdvert:100", "Notify:VI_1:MASTER"]);
    expect(h.state()).toBe("MASTER");
  });

  test("status sees the last transition (from, to, why, when) and when the last accepted advert came", () => {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    expect(h.router().lastTransition).toEqual({ from: "INIT", to: "BACKUP", reason: "startup", atMs: 0 });
    expect(h.router().lastAdvertAtMs).toBeNull();
    h.advanceTo(1000);
    h.receive({ src: "192.0.2.9", priority: 150 });
    expect(h.router().lastAdvertAtMs).toBe(1000);
    h.advanceTo(1000 + MDI_V2_100);
    expect(h.router().lastTransition).toMatchObject({ from: "BACKUP", to: "MASTER", atMs: 1000 + MDI_V2_100 });
  });

  test("the address owner (255) is MASTER at once", () => {
    const h = new Harness([instance({ priority: 255 })]);
    expect(types(h.startup())).toEqual(["AddVips", "SendGratuitous", "SendAdvert:255", "Notify:VI_1:MASTER"]);
  });

  test("adverts from a higher master keep resetting the timer", () => {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    for (let t = 1000; t <= 20_000; t += 1000) {
      h.advanceTo(t);
      h.receive({ src: "192.0.2.9", priority: 150 });
    }
    expect(h.state()).toBe("BACKUP");
    h.advanceTo(20_000 + MDI_V2_100 - 1);
    expect(h.state()).toBe("BACKUP");
    h.advanceTo(20_000 + MDI_V2_100);
    expect(h.state()).toBe("MASTER");
    expect(h.router().masterAddressString()).toBe("192.0.2.1");
  });

  test("down_timer_adverts: Master_Down_Interval is N advert intervals plus Skew_Time", () => {
    for (const n of [1, 5]) {
      const h = new Harness([instance({ version: 2, downTimerAdverts: n })]);
      h.startup();
      h.receive({ src: "192.0.2.9", priority: 150 });
      const mdi = n * 1000 + 609.375;
      expect(h.router().masterDownIntervalMs).toBeCloseTo(mdi, 6);
      h.advanceTo(mdi - 0.001);
      expect(h.state()).toBe("BACKUP");
      h.advanceTo(mdi);
      expect(h.state()).toBe("MASTER");
    }
  });

  test("down_timer_adverts with VRRPv3 counts the master's interval, adopted from its adverts", () => {
    const h = new Harness([instance({ version: 3, advertIntervalCs: 100, downTimerAdverts: 2 })]);
    h.startup();
    h.receive({ src: "192.0.2.9", priority: 150, advertIntervalCs: 50 });
    // 2 × 500 ms + (256 − 100) × 500 / 256 ms.
    expect(h.router().masterDownIntervalMs).toBeCloseTo(1000 + 304.6875, 6);
  });

  test("an equal-priority advert also holds a backup (RFC 5798 §6.4.2: greater than or equal)", () => {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    h.advanceTo(3000);
    h.receive({ src: "192.0.2.0", priority: 100 });
    h.advanceTo(3000 + MDI_V2_100 - 1);
    expect(h.state()).toBe("BACKUP");
  });

  test("with preempt, a lower-priority master is ignored and preempted after Master_Down_Interval", () => {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    for (let t = 500; t < MDI_V2_100; t += 1000) {
      h.advanceTo(t);
      h.receive({ src: "192.0.2.9", priority: 50 });
    }
    h.advanceTo(MDI_V2_100);
    expect(h.state()).toBe("MASTER");
    expect(h.effects.find((e) => e.type === "Notify")).toMatchObject({ reason: "preempting a lower-priority master" });
  });

  test("with nopreempt, a lower-priority master keeps the role", () => {
    const h = new Harness([instance({ version: 2, preempt: false })]);
    h.startup();
    for (let t = 500; t < 30_000; t += 1000) {
      h.advanceTo(t);
      h.receive({ src: "192.0.2.9", priority: 50 });
    }
    expect(h.state()).toBe("BACKUP");
  });

  test("priority 0 from the master: takeover after skew time only", () => {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    h.advanceTo(1000);
    h.receive({ src: "192.0.2.9", priority: 200 });
    h.advanceTo(1500);
    h.receive({ src: "192.0.2.9", priority: 0 });
    h.advanceTo(1500 + 609.375 - 0.01);
    expect(h.state()).toBe("BACKUP");
    h.advanceTo(1500 + 609.375);
    expect(h.state()).toBe("MASTER");
  });

  test("a v3 backup adopts the master's advert interval", () => {
    const h = new Harness([instance({ version: 3, advertIntervalCs: 100 })]);
    h.startup();
    h.advanceTo(100);
    h.receive({ src: "192.0.2.9", priority: 200, advertIntervalCs: 10 });
    // Master_Down_Interval with the master's 10 cs: 300 ms + 156 × 10/256 cs.
    const mdi = 300 + 60.9375;
    expect(h.router().masterDownIntervalMs).toBeCloseTo(mdi, 6);
    h.advanceTo(100 + mdi - 0.01);
    expect(h.state()).toBe("BACKUP");
    h.advanceTo(100 + mdi);
    expect(h.state()).toBe("MASTER");
    expect(h.router().masterAdverIntervalCs).toBe(100);
  });

  test("adopting an interval other than ours is said once, not with every advert", () => {
    const h = new Harness([instance({ version: 3, advertIntervalCs: 100 })]);
    h.startup();
    const first = h.receive({ src: "192.0.2.9", priority: 200, advertIntervalCs: 10 });
    expect(first).toMatchObject([{ type: "Log", message: "adopting the master's advert interval of 0.1 s (192.0.2.9; ours is 1 s)" }]);
    h.advanceBy(50);
    expect(h.receive({ src: "192.0.2.9", priority: 200, advertIntervalCs: 10 })).toEqual([]);
    // Back to ours: nothing to say.
    expect(h.receive({ src: "192.0.2.9", priority: 200, advertIntervalCs: 100 })).toEqual([]);
  });
});

describe("hostile input", () => {
  test("a v3 advert with interval 0 is dropped and counted: adopting it would make Master_Down_Interval 0", () => {
    const h = new Harness([instance({ version: 3 })]);
    h.startup();
    for (let i = 0; i < 1000; i++) h.receive({ src: "192.0.2.9", priority: 200, advertIntervalCs: 0 });
    expect(h.router().stats.rejects["bad-interval"]).toBe(1000);
    expect(h.router().masterAdverIntervalCs).toBe(100);
    // Still the configured 1 s: Master_Down_Interval 3 s + 156/256 s.
    expect(types(h.advanceTo(3000 + (156 / 256) * 1000 - 1))).toEqual([]);
    expect(h.state()).toBe("BACKUP");
  });

  test("a multicast instance drops adverts not sent to its group (a stranger's unicast priority 0 cannot make it take over)", () => {
    const h = new Harness([instance({ version: 3 })]);
    h.startup();
    h.receive({ src: "192.0.2.9", priority: 200 });
    h.advanceBy(500);
    expect(types(h.receive({ src: "192.0.2.9", priority: 0, dst: "192.0.2.1" }))).toEqual(["Log"]);
    expect(h.effects[0]).toMatchObject({ message: expect.stringContaining("advert from 192.0.2.9 dropped") });
    expect(h.router().stats.rejects["not-to-group"]).toBe(1);
    // Still following the real master: no takeover at skew time.
    expect(types(h.advanceBy(1000))).toEqual([]);
    expect(h.state()).toBe("BACKUP");
  });

  test("an advert that cannot be decoded is logged with its sender", () => {
    const h = new Harness([instance({ version: 3 })]);
    h.startup();
    const packet = new Uint8Array(40);
    packet.set([0x31, 51, 200, 1, 0, 100, 0xde, 0xad]);
    h.node.handle(
      {
        type: "AdvertReceived",
        interface: "eth0",
        family: 4,
        packet,
        offset: 0,
        length: 12,
        src: ip("198.51.100.66"),
        dst: ip("224.0.0.18"),
        ttl: 255,
      },
      h.now,
      h.effects,
    );
    expect(h.router().stats.rejects["bad-checksum"]).toBe(1);
    expect(h.effects.at(-1)).toMatchObject({
      type: "Log",
      message: expect.stringContaining("advert from 198.51.100.66 dropped: bad-checksum"),
    });
  });
});

describe("preempt_delay", () => {
  test("at startup, with no master, the takeover waits Master_Down_Interval + delay", () => {
    const h = new Harness([instance({ version: 2, preemptDelayMs: 2000 })]);
    h.startup();
    h.advanceTo(MDI_V2_100 + 1999);
    expect(h.state()).toBe("BACKUP");
    h.advanceTo(MDI_V2_100 + 2000);
    expect(h.state()).toBe("MASTER");
  });

  test("a lower-priority master is preempted after Master_Down_Interval + delay", () => {
    const h = new Harness([instance({ version: 2, preemptDelayMs: 5000 })]);
    h.startup();
    for (let t = 0; t < 20_000; t += 1000) {
      h.advanceTo(t);
      h.receive({ src: "192.0.2.9", priority: 50 });
      if (h.state() === "MASTER") break;
    }
    expect(h.router().stats.becameMaster).toBe(1);
    expect(h.now).toBeGreaterThanOrEqual(MDI_V2_100 + 5000);
    expect(h.now).toBeLessThan(MDI_V2_100 + 5000 + 1000);
  });

  test("after following a higher master that dies, no delay applies", () => {
    const h = new Harness([instance({ version: 2, preemptDelayMs: 5000 })]);
    h.startup();
    h.advanceTo(1000);
    h.receive({ src: "192.0.2.9", priority: 200 });
    h.advanceTo(1000 + MDI_V2_100);
    expect(h.state()).toBe("MASTER");
  });
});

describe("vrrp_startup_delay", () => {
  const delayed = (config: Parameters<typeof instance>[0], delayMs: number) => new Harness([instance(config)], [], delayMs);

  test("a lone backup takes over Master_Down_Interval after the delay ends, not after startup", () => {
    const h = delayed({ version: 2 }, 5000);
    const started = h.startup();
    expect(started[0]).toMatchObject({ type: "Log", message: "startup delay (vrrp_startup_delay): no takeover for 5 s" });
    h.advanceTo(5000 + MDI_V2_100 - 0.001);
    expect(h.state()).toBe("BACKUP");
    h.advanceTo(5000 + MDI_V2_100);
    expect(h.state()).toBe("MASTER");
  });

  test("adverts are heard during the delay; the timer they restart still counts from its end", () => {
    const h = delayed({ version: 2 }, 5000);
    h.startup();
    h.advanceTo(1000);
    h.receive({ src: "192.0.2.9", priority: 150 });
    expect(h.router().masterAddressString()).toBe("192.0.2.9");
    h.advanceTo(5000 + MDI_V2_100 - 1);
    expect(h.state()).toBe("BACKUP");
    // After the delay an advert counts from its arrival again.
    h.receive({ src: "192.0.2.9", priority: 150 });
    h.advanceTo(5000 + MDI_V2_100 - 1 + MDI_V2_100 - 0.001);
    expect(h.state()).toBe("BACKUP");
    h.advanceBy(0.001);
    expect(h.state()).toBe("MASTER");
  });

  test("the address owner waits too, and takes over the moment the delay ends", () => {
    const h = delayed({ priority: 255 }, 2000);
    expect(types(h.startup())).toEqual(["Log", "Notify:VI_1:BACKUP"]);
    h.advanceTo(1999);
    expect(h.state()).toBe("BACKUP");
    h.advanceTo(2000);
    expect(h.state()).toBe("MASTER");
  });

  test("a reload does not start it again: an instance added after the delay starts at once", () => {
    const h = delayed({ priority: 255 }, 2000);
    h.startup();
    h.advanceTo(3000);
    const out: Effect[] = [];
    h.node.reconfigure(
      { instances: [h.instances[0]!, instance({ name: "VI_2", vrid: 52, priority: 255 })], syncGroups: [], startupDelayMs: 2000 },
      h.now,
      out,
    );
    expect(h.state("VI_2")).toBe("MASTER");
  });
});

describe("as MASTER", () => {
  function master(overrides = {}) {
    const h = new Harness([instance({ version: 2, ...overrides })]);
    h.startup();
    h.advanceTo(MDI_V2_100);
    expect(h.state()).toBe("MASTER");
    return h;
  }

  test("adverts go out every interval from the takeover, without drift", () => {
    const h = master();
    const sent: number[] = [];
    for (let t = MDI_V2_100; t <= MDI_V2_100 + 10_000; t += 250) {
      if (h.advanceTo(t).some((e) => e.type === "SendAdvert")) sent.push(h.now);
    }
    expect(sent.length).toBe(10);
    for (const [k, at] of sent.entries()) expect(at).toBeCloseTo(MDI_V2_100 + 1000 * (k + 1), 6);
  });

  test("a second burst of gratuitous ARPs follows after garp_master_delay (5 s), then none without refresh", () => {
    const h = master();
    const bursts = h.advanceBy(20_000).filter((e) => e.type === "SendGratuitous");
    expect(bursts).toEqual([{ type: "SendGratuitous", instance: "VI_1", repeat: 5, extraInterfacesOnly: false }]);
  });

  test("garp_master_refresh repeats bursts of garp_master_refresh_repeat", () => {
    const h = master({ garp: { ...DEFAULT_GARP, masterRefreshMs: 4000, masterRefreshRepeat: 2 } });
    const bursts = h.advanceBy(13_100).filter((e) => e.type === "SendGratuitous");
    expect(bursts.map((e) => (e.type === "SendGratuitous" ? e.repeat : 0))).toEqual([5, 2, 2]);
  });

  test("a higher-priority advert makes it BACKUP and releases the VIPs", () => {
    const h = master();
    const effects = h.receive({ src: "192.0.2.9", priority: 150 });
    // One advert of our own first, so that the winner answers with gratuitous ARPs (a heal after a partition).
    expect(types(effects)).toEqual(["SendAdvert:100", "DelVips", "Notify:VI_1:BACKUP"]);
  });

  test("equal priority: the higher primary address wins", () => {
    const higher = master();
    expect(types(higher.receive({ src: "192.0.2.200", priority: 100 }))).toEqual(["SendAdvert:100", "DelVips", "Notify:VI_1:BACKUP"]);
    const lower = master();
    expect(types(lower.receive({ src: "192.0.2.0", priority: 100 }))).toEqual(["Log", "SendAdvert:100", "SendGratuitous"]);
    expect(lower.state()).toBe("MASTER");
  });

  test("a lower-priority advert is answered with an advert and gratuitous ARPs, and the other master is said once", () => {
    const h = master();
    expect(types(h.receive({ src: "192.0.2.9", priority: 50 }))).toEqual(["Log", "SendAdvert:100", "SendGratuitous"]);
    expect(h.effects[0]).toMatchObject({
      level: "warn",
      message:
        "another master: 192.0.2.9 (priority 50) advertises while we are MASTER (192.0.2.1, priority 100); answering so that it steps down",
    });
    expect(h.state()).toBe("MASTER");
    expect(h.router().stats.otherMastersSeen).toBe(1);
  });

  test("garp_extra_if: while MASTER, one message per address on the other interfaces every N s, from the takeover", () => {
    const h = master({ garp: { ...DEFAULT_GARP, masterDelayMs: 0, extraInterfacesRefreshMs: 10_000 } });
    const extra = (effects: ReturnType<typeof h.advanceBy>) =>
      effects.filter((e) => e.type === "SendGratuitous" && e.extraInterfacesOnly).map(() => h.now);
    expect(extra(h.advanceTo(MDI_V2_100 + 10_000 - 1))).toEqual([]);
    const sent = h.advanceTo(MDI_V2_100 + 10_000).filter((e) => e.type === "SendGratuitous");
    expect(sent).toEqual([{ type: "SendGratuitous", instance: "VI_1", repeat: 1, extraInterfacesOnly: true }]);
    expect(extra(h.advanceBy(10_000))).toHaveLength(1);
    // Leaving MASTER ends them (checked while the new master still holds it BACKUP).
    h.advanceBy(9000);
    h.receive({ src: "192.0.2.9", priority: 200 });
    expect(h.state()).toBe("BACKUP");
    expect(extra(h.advanceBy(3000))).toEqual([]);
  });

  test("garp_lower_prio_delay: the burst answering a lower-priority master is repeated once after the delay", () => {
    // No second burst after becoming MASTER here, so that only the lower-priority one is seen.
    const h = new Harness([instance({ version: 2, garp: { ...DEFAULT_GARP, masterDelayMs: 0 } })]);
    h.startup();
    h.advanceTo(MDI_V2_100);
    h.receive({ src: "192.0.2.9", priority: 50 });
    const until = types(h.advanceBy(DEFAULT_GARP.lowerPrioDelayMs - 1));
    expect(until.filter((t) => t === "SendGratuitous")).toEqual([]);
    expect(types(h.advanceBy(1)).filter((t) => t === "SendGratuitous")).toEqual(["SendGratuitous"]);
    expect(types(h.advanceBy(20_000)).filter((t) => t === "SendGratuitous")).toEqual([]);
  });

  test("answers to lower-priority adverts are limited to one per advert interval: a flood is not amplified", () => {
    const h = master();
    h.receive({ src: "192.0.2.9", priority: 50 });
    let sent = 0;
    for (let i = 0; i < 1000; i++) {
      h.advanceBy(0.5);
      sent += h.receive({ src: "192.0.2.9", priority: 50 }).filter((e) => e.type === "SendGratuitous").length;
    }
    // 500 ms of flood at 1 s adverts: no further answer; the next interval allows one again.
    expect(sent).toBe(0);
    expect(h.router().stats.lowerPriorityAnswersLimited).toBe(1000);
    h.advanceBy(600);
    expect(types(h.receive({ src: "192.0.2.9", priority: 50 }))).toEqual(["SendAdvert:100", "SendGratuitous"]);
    // Still the same episode: said and counted once.
    expect(h.router().stats.otherMastersSeen).toBe(1);
  });

  test("strict mode's settings: no answer to a lower-priority master, no advert before yielding to a higher one", () => {
    const strict = {
      lowerPrioNoAdvert: true,
      higherPrioSendAdvert: false,
      garp: { ...DEFAULT_GARP, lowerPrioRepeat: 0, lowerPrioDelayMs: 0 },
    };
    const h = master(strict);
    expect(types(h.receive({ src: "192.0.2.9", priority: 50 }))).toEqual(["Log"]);
    expect(h.effects[0]).toMatchObject({ message: expect.stringContaining("not answering (lower_prio_no_advert)") });
    expect(types(h.advanceBy(20_000)).filter((t) => t === "SendGratuitous")).toEqual(["SendGratuitous"]);
    expect(types(master(strict).receive({ src: "192.0.2.9", priority: 150 }))).toEqual(["DelVips", "Notify:VI_1:BACKUP"]);
  });

  test("higher_prio_send_advert = false: it steps down to a higher priority without a word (keepalived's default)", () => {
    const h = master({ higherPrioSendAdvert: false });
    expect(types(h.receive({ src: "192.0.2.9", priority: 150 }))).toEqual(["DelVips", "Notify:VI_1:BACKUP"]);
    const tie = master({ higherPrioSendAdvert: false });
    expect(types(tie.receive({ src: "192.0.2.200", priority: 100 }))).toEqual(["DelVips", "Notify:VI_1:BACKUP"]);
  });

  test("lower_prio_no_advert: a lower-priority master gets only the gratuitous ARPs, rate-limited the same way", () => {
    const h = master({ lowerPrioNoAdvert: true });
    expect(types(h.receive({ src: "192.0.2.9", priority: 50 }))).toEqual(["Log", "SendGratuitous"]);
    expect(types(h.receive({ src: "192.0.2.9", priority: 50 }))).toEqual([]);
    expect(h.router().stats.lowerPriorityAnswersLimited).toBe(1);
    // The advert train is not disturbed: the next advert leaves on its usual deadline.
    const next = h.router().nextDeadline();
    expect(types(h.advanceTo(next))).toContain("SendAdvert:100");
    expect(h.state()).toBe("MASTER");
  });

  test("another master's priority 0 is answered at once", () => {
    const h = master();
    expect(types(h.receive({ src: "192.0.2.9", priority: 0 }))).toEqual(["SendAdvert:100"]);
  });
});

describe("shutdown", () => {
  function master() {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    h.advanceTo(MDI_V2_100);
    return h;
  }

  test("immediate release: priority 0, VIPs removed, STOP, and the node says it has stopped", () => {
    const h = master();
    expect(types(h.shutdown(false))).toEqual(["SendAdvert:0", "DelVips", "Notify:VI_1:STOP", "Stopped"]);
    expect(h.node.nextDeadline()).toBe(Infinity);
  });

  test("handover: the VIPs stay until the new master's first advert", () => {
    const h = master();
    expect(types(h.shutdown(true))).toEqual(["SendAdvert:0", "Log"]);
    // STOPPING is its own state, but notify scripts and sync groups still see a MASTER: it holds the VIPs.
    expect(h.state()).toBe("STOPPING");
    expect(h.router().notifyState).toBe("MASTER");
    h.advanceBy(600);
    expect(types(h.receive({ src: "192.0.2.9", priority: 0 }))).toEqual([]);
    expect(types(h.receive({ src: "192.0.2.9", priority: 90 }))).toEqual([]);
    // The VIPs stay a little longer, for packets sent before the clients saw the new master's ARPs.
    expect(types(h.advanceBy(HANDOVER_RELEASE_DELAY_MS - 1))).toEqual([]);
    expect(types(h.advanceBy(1))).toEqual(["DelVips", "Notify:VI_1:STOP", "Stopped"]);
    expect(h.effects.at(-2)).toMatchObject({ from: "MASTER", reason: "handover complete: 192.0.2.9 is advertising" });
  });

  test("handover: one priority 0 (a repeat would restart the backups' skew timer), and a wait of two intervals at most", () => {
    const h = master();
    const start = h.now;
    h.shutdown(true);
    // Bounded by the Skew_Time of a priority-1 backup (255/256 s) plus one advert interval: nobody answered.
    const bound = (255 / 256) * 1000 + 1000;
    expect(types(h.advanceTo(start + bound - 0.01))).toEqual([]);
    expect(types(h.advanceTo(start + bound))).toEqual(["DelVips", "Notify:VI_1:STOP", "Stopped"]);
    expect(h.router().state).toBe("STOP");
  });

  test("a backup just stops", () => {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    expect(types(h.shutdown(true))).toEqual(["Notify:VI_1:STOP", "Stopped"]);
  });

  test("Stopped waits for the last instance, and is said once", () => {
    const h = new Harness([instance({ version: 2 }), instance({ version: 2, name: "VI_2", vrid: 52, priority: 90 })]);
    h.startup();
    h.advanceTo(MDI_V2_100);
    // VI_1 is MASTER and hands over (nobody answers: it releases at its bound); VI_2, still BACKUP, stops at once.
    const out = types(h.shutdown(true));
    expect(out.filter((t) => t === "Stopped")).toEqual([]);
    const later = types(h.advanceBy(5000));
    expect(later.filter((t) => t === "Stopped")).toEqual(["Stopped"]);
    expect(later.at(-1)).toBe("Stopped");
    expect(types(h.advanceBy(5000))).toEqual([]);
    expect(types(h.shutdown(true))).toEqual([]);
  });
});

describe("trackers", () => {
  const trackers = [
    { name: "script:chk", kind: "status" as const, weight: -60, reverse: false },
    { name: "interface:eth1", kind: "status" as const, weight: 0, reverse: false },
  ];

  test("a weight lowers the priority; a MASTER announces it at once so a backup can preempt", () => {
    const h = new Harness([instance({ version: 2, trackers })]);
    h.startup();
    h.advanceTo(MDI_V2_100);
    const down = h.tracker("script:chk", false);
    expect(types(down)).toEqual(["Log", "SendAdvert:40"]);
    // keepalived's line, with the tracker that caused the change.
    expect(down[0]).toMatchObject({ level: "info", message: "(VI_1) Changing effective priority from 100 to 40 (script:chk is down)" });
    expect(h.router().priority).toBe(40);
    expect(types(h.tracker("script:chk", true))).toEqual(["Log", "SendAdvert:100"]);
  });

  test("a weight-0 tracker down: MASTER sends priority 0, releases VIPs, goes FAULT; back up → BACKUP", () => {
    const h = new Harness([instance({ version: 2, trackers })]);
    h.startup();
    h.advanceTo(MDI_V2_100);
    expect(types(h.tracker("interface:eth1", false))).toEqual(["SendAdvert:0", "DelVips", "Notify:VI_1:FAULT"]);
    h.advanceBy(60_000);
    expect(h.state()).toBe("FAULT");
    expect(types(h.tracker("interface:eth1", true))).toEqual(["Notify:VI_1:BACKUP"]);
    h.advanceBy(MDI_V2_100);
    expect(h.state()).toBe("MASTER");
  });

  test("adverts are ignored in FAULT and a fault at startup starts in FAULT", () => {
    const h = new Harness([instance({ version: 2, trackers })]);
    h.tracker("interface:eth1", false);
    expect(types(h.startup())).toEqual(["Notify:VI_1:FAULT"]);
    expect(types(h.receive({ src: "192.0.2.9", priority: 50 }))).toEqual([]);
  });
});

describe("validation: keepalived's drops, counted and logged once", () => {
  const cases: [string, object, Parameters<Harness["receive"]>[0], string][] = [
    ["v2 interval", { version: 2 }, { src: "192.0.2.9", priority: 200, advertIntervalCs: 200 }, "interval-mismatch"],
    ["VIP count", {}, { src: "192.0.2.9", priority: 200, vips: ["192.0.2.100", "192.0.2.101"] }, "address-count-mismatch"],
    ["VIP list", {}, { src: "192.0.2.9", priority: 200, vips: ["192.0.2.99"] }, "address-list-mismatch"],
    [
      "auth type",
      { version: 2, authType: 1, authData: new TextEncoder().encode("pw\0\0\0\0\0\0") },
      { src: "192.0.2.9", priority: 200 },
      "auth-type-mismatch",
    ],
    [
      "password",
      { version: 2, authType: 1, authData: new TextEncoder().encode("pw\0\0\0\0\0\0") },
      { src: "192.0.2.9", priority: 200, password: "other" },
      "auth-mismatch",
    ],
    ["version", { version: 3 }, { src: "192.0.2.9", priority: 200, version: 2 }, "version-mismatch"],
    ["checksum form", { version: 3 }, { src: "192.0.2.9", priority: 200, checksumAsV2: true }, "checksum-form-mismatch"],
    ["TTL", {}, { src: "192.0.2.9", priority: 200, ttl: 64 }, "bad-ttl"],
    ["own advert", {}, { src: "192.0.2.1", priority: 200 }, "own-advert"],
  ];
  for (const [what, config, advert, reason] of cases) {
    test(`${what} → ${reason}: the advert does not hold the backup`, () => {
      const h = new Harness([instance(config)]);
      h.startup();
      const first = h.receive(advert);
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ type: "Log", level: "warn" });
      expect(h.receive(advert)).toEqual([]); // logged once, counted every time
      expect(h.router().stats.rejects[reason as "bad-ttl"]).toBe(2);
      h.advanceBy(MDI_V2_100 + 1);
      expect(h.state()).toBe("MASTER");
    });
  }

  test("a correct password is accepted", () => {
    const h = new Harness([instance({ version: 2, authType: 1, authData: new TextEncoder().encode("pw\0\0\0\0\0\0") })]);
    h.startup();
    expect(h.receive({ src: "192.0.2.9", priority: 200, password: "pw" })).toEqual([]);
    expect(h.router().stats.rejects["auth-mismatch"]).toBe(0);
  });

  test("an unknown VRID is counted by the node", () => {
    const h = new Harness([instance()]);
    h.startup();
    h.receive({ src: "192.0.2.9", priority: 200, vrid: 99 });
    h.receive({ src: "192.0.2.9", priority: 200, iface: "eth7" });
    expect(h.node.rejects["vrid-unknown"]).toBe(2);
  });

  test("unicast: the TTL is not checked, as keepalived does not (its IPv6 unicast adverts carry hop limit 64)", () => {
    const h = new Harness([instance({ unicastPeers: [new Uint8Array([192, 0, 2, 2])] })]);
    h.startup();
    h.receive({ src: "192.0.2.2", priority: 200, ttl: 64 });
    expect(h.router().stats.rejects["bad-ttl"]).toBe(0);
    h.advanceBy(MDI_V2_100 - 1);
    expect(h.state()).toBe("BACKUP");
  });

  test("unicast: adverts from a source that is not a peer are dropped", () => {
    const h = new Harness([instance({ unicastPeers: [new Uint8Array([192, 0, 2, 2])] })]);
    h.startup();
    h.receive({ src: "192.0.2.3", priority: 200 });
    expect(h.router().stats.rejects["unknown-unicast-peer"]).toBe(1);
    h.receive({ src: "192.0.2.2", priority: 200 });
    expect(h.router().stats.rejects["unknown-unicast-peer"]).toBe(1);
  });

  test("check_unicast_src = false: a unicast advert from any source counts, as in keepalived without the option", () => {
    const h = new Harness([instance({ unicastPeers: [ip("192.0.2.2")], checkUnicastSource: false })]);
    h.startup();
    h.receive({ src: "192.0.2.3", priority: 200 });
    expect(h.router().stats.rejects["unknown-unicast-peer"]).toBe(0);
    h.advanceBy(MDI_V2_100 - 1);
    expect(h.state()).toBe("BACKUP");
  });

  test("a peer's min_ttl..max_ttl: adverts arriving with another TTL are dropped as bad-ttl, the bounds included", () => {
    const peers = {
      unicastPeers: [ip("192.0.2.2"), ip("192.0.2.3")],
      unicastPeerTtl: [
        { min: 250, max: 254 },
        { min: 0, max: 255 },
      ],
    };
    const h = new Harness([instance(peers)]);
    h.startup();
    const first = h.receive({ src: "192.0.2.2", priority: 200, ttl: 255 });
    expect(first).toMatchObject([
      { type: "Log", message: "advert from 192.0.2.2 dropped: TTL/hop limit 255 outside the peer's min_ttl..max_ttl" },
    ]);
    h.receive({ src: "192.0.2.2", priority: 200, ttl: 249 });
    expect(h.router().stats.rejects["bad-ttl"]).toBe(2);
    for (const ttl of [250, 254]) h.receive({ src: "192.0.2.2", priority: 200, ttl });
    h.receive({ src: "192.0.2.3", priority: 200, ttl: 1 });
    expect(h.router().stats.rejects["bad-ttl"]).toBe(2);
    // The ranges are part of check_unicast_src: without it nothing is checked.
    const off = new Harness([instance({ ...peers, checkUnicastSource: false })]);
    off.startup();
    off.receive({ src: "192.0.2.2", priority: 200, ttl: 255 });
    expect(off.router().stats.rejects["bad-ttl"]).toBe(0);
  });

  test("skip_check_adv_addr: the current master's list is not compared", () => {
    const h = new Harness([instance({ skipCheckAdvertAddresses: true })]);
    h.startup();
    h.receive({ src: "192.0.2.9", priority: 200 });
    h.receive({ src: "192.0.2.9", priority: 200, vips: ["192.0.2.77"] });
    expect(h.router().stats.rejects["address-list-mismatch"]).toBe(0);
    h.receive({ src: "192.0.2.8", priority: 200, vips: ["192.0.2.77"] });
    expect(h.router().stats.rejects["address-list-mismatch"]).toBe(1);
  });
});

describe("sync groups", () => {
  const a = () => instance({ name: "VI_A", vrid: 1, version: 2 });
  const b = () =>
    instance({
      name: "VI_B",
      vrid: 2,
      version: 2,
      interface: "eth1",
      trackers: [{ name: "interface:eth1", kind: "status", weight: 0, reverse: false }],
    });
  const group = [{ name: "G1", members: ["VI_A", "VI_B"] }];

  test("one member becoming MASTER takes the others along", () => {
    const h = new Harness([a(), b()], group);
    h.startup();
    h.advanceTo(1000);
    // VI_B still hears a master; VI_A's timer runs out first and takes VI_B with it.
    h.receive({ src: "192.0.2.9", priority: 200, vrid: 2, iface: "eth1" });
    const effects = h.advanceTo(MDI_V2_100);
    expect(h.state("VI_A")).toBe("MASTER");
    expect(h.state("VI_B")).toBe("MASTER");
    expect(types(effects)).toContain("Notify:G1:MASTER");
  });

  test("one member FAULT takes the group out of MASTER until it recovers", () => {
    const h = new Harness([a(), b()], group);
    h.startup();
    h.advanceTo(MDI_V2_100);
    expect([h.state("VI_A"), h.state("VI_B")]).toEqual(["MASTER", "MASTER"]);
    const effects = h.tracker("interface:eth1", false);
    expect([h.state("VI_A"), h.state("VI_B")]).toEqual(["FAULT", "FAULT"]);
    expect(types(effects)).toContain("Notify:G1:FAULT");
    h.advanceBy(30_000);
    expect(h.state("VI_A")).toBe("FAULT");
    h.tracker("interface:eth1", true);
    expect([h.state("VI_A"), h.state("VI_B")]).toEqual(["BACKUP", "BACKUP"]);
    h.advanceBy(MDI_V2_100);
    expect([h.state("VI_A"), h.state("VI_B")]).toEqual(["MASTER", "MASTER"]);
  });

  test("one member hearing a higher master takes the group to BACKUP", () => {
    const h = new Harness([a(), b()], group);
    h.startup();
    h.advanceTo(MDI_V2_100);
    h.receive({ src: "192.0.2.9", priority: 200, vrid: 1 });
    expect([h.state("VI_A"), h.state("VI_B")]).toEqual(["BACKUP", "BACKUP"]);
  });
});

describe("planned handover (vipd handover)", () => {
  function master() {
    const h = new Harness([instance({ version: 2 })]);
    h.startup();
    h.advanceTo(MDI_V2_100);
    return h;
  }
  const handover = (h: Harness, undo = false) =>
    types(h.run(() => h.node.handle({ type: "Handover", instance: null, undo }, h.now, h.effects)));

  test("priority 0, the VIPs kept until the new master speaks, then BACKUP (notified) and held there", () => {
    const h = master();
    expect(handover(h)).toEqual(["Log", "SendAdvert:0", "Log"]);
    expect(h.state()).toBe("STOPPING");
    h.advanceBy(300);
    expect(types(h.receive({ src: "192.0.2.9", priority: 90 }))).toEqual([]);
    expect(types(h.advanceBy(HANDOVER_RELEASE_DELAY_MS))).toEqual(["DelVips", "Notify:VI_1:BACKUP"]);
    expect(h.router().held).toBe(true);
    // The new master dies: a held instance never takes over.
    expect(types(h.advanceBy(60_000))).toEqual([]);
    expect(h.state()).toBe("BACKUP");
    // Undone: the next Master_Down_Interval without adverts makes it MASTER again.
    expect(handover(h, true)).toEqual(["Log"]);
    const out = types(h.advanceBy(MDI_V2_100 + 1));
    expect(out).toContain("AddVips");
    expect(h.state()).toBe("MASTER");
  });

  test("nobody takes over in time: the handover is called off and the VIPs were never released", () => {
    const h = master();
    handover(h);
    const out = h.advanceBy(2000);
    expect(types(out)).not.toContain("DelVips");
    expect(out).toContainEqual(
      expect.objectContaining({ type: "Log", message: "handover called off: no backup took over in time; keeping the VIPs" }),
    );
    expect(h.state()).toBe("MASTER");
    expect(h.router().held).toBe(false);
    // Advertising again at its own priority.
    expect(types(h.advanceBy(1000))).toContain("SendAdvert:100");
  });

  test("a shutdown during a handover ends in STOP, and the node says it has stopped", () => {
    const h = master();
    handover(h);
    h.shutdown(true);
    const out = types(h.advanceBy(2000));
    expect(out).toEqual(["DelVips", "Notify:VI_1:STOP", "Stopped"]);
  });
});
