// The reconciler against the in-memory IPVS: what it asks the kernel for, counted operation by operation. A
// reload changes only what changed, by editing in place; services vipd does not own are never touched.

import { describe, expect, test } from "bun:test";
import { destinationKeyText, type Ipvs, serviceKeyText } from "../../src/adapters/ipvs.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import type { Log } from "../../src/daemon/log.ts";
import type { Timers } from "../../src/clock/timers.ts";
import { NO_RECORD, type OwnedServices } from "../../src/lvs/owned-services.ts";
import type { HealthLookup } from "../../src/lvs/desired-table.ts";
import { IpvsReconciler } from "../../src/lvs/reconciler.ts";
import { describeOperation } from "../../src/lvs/table-diff.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { FakeIpvs } from "../adapters/fake-ipvs.ts";
import { loadOk } from "../config/helpers.ts";

/** The fake, counting the calls that change the table, and the reads apart. */
class CountingIpvs extends FakeIpvs {
  readonly calls: string[] = [];
  readonly reads: string[] = [];
  override services(...a: Parameters<Ipvs["services"]>) {
    this.reads.push(a[0]?.destinations === false ? "the services alone" : "the whole table");
    return super.services(...a);
  }
  override service(...a: Parameters<Ipvs["service"]>) {
    this.reads.push(serviceKeyText(a[0]));
    return super.service(...a);
  }
  takeReads(): string[] {
    return this.reads.splice(0);
  }
  override addService(...a: Parameters<Ipvs["addService"]>) {
    this.calls.push(`addService ${serviceKeyText(a[0])}`);
    super.addService(...a);
  }
  override editService(...a: Parameters<Ipvs["editService"]>) {
    this.calls.push(`editService ${serviceKeyText(a[0])}`);
    super.editService(...a);
  }
  override deleteService(...a: Parameters<Ipvs["deleteService"]>) {
    this.calls.push(`deleteService ${serviceKeyText(a[0])}`);
    super.deleteService(...a);
  }
  override addDestination(...a: Parameters<Ipvs["addDestination"]>) {
    this.calls.push(`addDestination ${destinationKeyText(a[1])} weight ${a[2].weight}`);
    super.addDestination(...a);
  }
  override editDestination(...a: Parameters<Ipvs["editDestination"]>) {
    this.calls.push(`editDestination ${destinationKeyText(a[1])} weight ${a[2].weight}`);
    super.editDestination(...a);
  }
  override deleteDestination(...a: Parameters<Ipvs["deleteDestination"]>) {
    this.calls.push(`deleteDestination ${destinationKeyText(a[1])}`);
    super.deleteDestination(...a);
  }
  take(): string[] {
    return this.calls.splice(0);
  }
}

class MemoryLog implements Log {
  readonly lines: string[] = [];
  debug(m: string) {
    this.lines.push(`debug ${m}`);
  }
  info(m: string) {
    this.lines.push(`info ${m}`);
  }
  warn(m: string) {
    this.lines.push(`warn ${m}`);
  }
  error(m: string) {
    this.lines.push(`error ${m}`);
  }
}

const server = (address: string, extra = "") => `[[virtual_servers.web.real_servers]]\naddress = "${address}"\n${extra}`;
const web = (head: string, ...servers: string[]) =>
  `[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\n${head}\n${servers.join("")}`;
const config = (text: string): VipdConfig => loadOk(text);

/** The table as text: `service [settings] -> destination weight`. */
function table(ipvs: Ipvs): string[] {
  return ipvs
    .services()
    .flatMap((s) => [
      `${serviceKeyText(s.key)} ${s.settings.scheduler} persistent ${s.settings.persistenceTimeoutS}`,
      ...s.destinations.map((d) => `  -> ${destinationKeyText(d)} ${d.settings.forward} weight ${d.settings.weight}`),
    ]);
}

/** Timers whose callbacks run only when the test turns the loop, one turn at a time. */
class TurnTimers implements Timers {
  private readonly queue = new Map<number, () => void>();
  private seq = 0;
  now(): number {
    return 0;
  }
  setTimeout(callback: () => void, _ms: number): unknown {
    this.queue.set(++this.seq, callback);
    return this.seq;
  }
  clearTimeout(handle: unknown): void {
    this.queue.delete(handle as number);
  }
  get pending(): number {
    return this.queue.size;
  }
  /** One event-loop turn: the callbacks pending now (not those they set); how many ran. */
  turn(): number {
    let ran = 0;
    for (const id of [...this.queue.keys()]) {
      const callback = this.queue.get(id);
      if (callback === undefined) continue;
      this.queue.delete(id);
      callback();
      ran++;
    }
    return ran;
  }
  /** Turns until nothing is pending (bounded); how many turns it took. */
  settle(limit = 1000): number {
    for (let turns = 0; turns < limit; turns++) if (this.turn() === 0) return turns;
    throw new Error(`timers still pending after ${limit} turns`);
  }
}

function setup(resyncSlice?: number) {
  const ipvs = new CountingIpvs();
  const log = new MemoryLog();
  const timers = new TurnTimers();
  return { ipvs, log, timers, reconciler: new IpvsReconciler(ipvs, log, NO_RECORD, { timers, resyncSlice }) };
}

const TWO = web("", server("198.51.100.1"), server("198.51.100.2", "weight = 2\n"));

describe("apply", () => {
  test("a first apply adds each service and destination once; the same config again changes nothing", () => {
    const { ipvs, reconciler } = setup();
    const result = reconciler.apply(config(TWO));
    expect(result.failures).toEqual([]);
    expect(ipvs.take()).toEqual([
      "addService tcp 192.0.2.10 80",
      "addDestination 198.51.100.1 80 weight 1",
      "addDestination 198.51.100.2 80 weight 2",
    ]);
    expect(table(ipvs)).toEqual([
      "tcp 192.0.2.10 80 wlc persistent 0",
      "  -> 198.51.100.1 80 masq weight 1",
      "  -> 198.51.100.2 80 masq weight 2",
    ]);
    expect(reconciler.apply(config(TWO)).operations).toEqual([]);
    expect(ipvs.take()).toEqual([]);
  });

  test("a log that drops debug lines is not handed one per operation; the summary and refusals still come", () => {
    const ipvs = new CountingIpvs();
    const log = new MemoryLog();
    const quiet = Object.assign(log, { debugging: false });
    new IpvsReconciler(ipvs, quiet, NO_RECORD).apply(config(TWO));
    expect(log.lines.filter((l) => l.startsWith("debug"))).toEqual([]);
    expect(log.lines).toContain("info IPVS: 3 of 3 changes applied");
    const chatty = setup();
    chatty.reconciler.apply(config(TWO));
    expect(chatty.log.lines.filter((l) => l.startsWith("debug"))).toHaveLength(3);
  });

  test("a reload with one changed weight edits that one destination, nothing else", () => {
    const { ipvs, reconciler } = setup();
    reconciler.apply(config(TWO));
    ipvs.take();
    reconciler.apply(config(TWO.replace("weight = 2", "weight = 5")));
    expect(ipvs.take()).toEqual(["editDestination 198.51.100.2 80 weight 5"]);
  });

  test("a changed scheduler or persistence edits the service in place", () => {
    const { ipvs, reconciler } = setup();
    reconciler.apply(config(TWO));
    ipvs.take();
    reconciler.apply(config(TWO.replace('protocol = "tcp"', 'protocol = "tcp"\nlb_algo = "rr"\npersistence_timeout = 30')));
    expect(ipvs.take()).toEqual(["editService tcp 192.0.2.10 80"]);
    expect(table(ipvs)[0]).toBe("tcp 192.0.2.10 80 rr persistent 30");
  });

  test("a real server added or removed is one destination operation", () => {
    const { ipvs, reconciler } = setup();
    reconciler.apply(config(TWO));
    ipvs.take();
    reconciler.apply(config(web("", server("198.51.100.1"))));
    expect(ipvs.take()).toEqual(["deleteDestination 198.51.100.2 80"]);
    reconciler.apply(config(web("", server("198.51.100.1"), server("198.51.100.3"))));
    expect(ipvs.take()).toEqual(["addDestination 198.51.100.3 80 weight 1"]);
  });

  test("a virtual server dropped from the config is removed; services vipd does not own are never touched", () => {
    const { ipvs, reconciler } = setup();
    const foreign = { kind: "address" as const, protocol: "udp" as const, address: parseIp("192.0.2.99")!, port: 53 };
    ipvs.addService(foreign, { scheduler: "rr" });
    ipvs.addDestination(foreign, { address: parseIp("198.51.100.9")!, port: 53 }, { forward: "masq", weight: 1 });
    const other = `[virtual_servers.other]\nfwmark = 4\n[[virtual_servers.other.real_servers]]\naddress = "198.51.100.7"\n`;
    reconciler.apply(config(`${TWO}\n${other}`));
    ipvs.take();
    reconciler.apply(config(TWO));
    expect(ipvs.take()).toEqual(["deleteService fwmark 4 ipv4"]);
    ipvs.takeReads();
    expect(reconciler.stop("remove").failures).toEqual([]);
    // Deleting a service deletes its destinations: the stop reads the services alone.
    expect(ipvs.takeReads()).toEqual(["the services alone"]);
    expect(ipvs.take()).toEqual(["deleteService tcp 192.0.2.10 80"]);
    expect(table(ipvs)).toEqual(["udp 192.0.2.99 53 rr persistent 0", "  -> 198.51.100.9 53 masq weight 1"]);
  });

  test("a restart after a crash adopts the matching services: only the difference is applied, nothing flushed", () => {
    const { ipvs, reconciler } = setup();
    reconciler.apply(config(TWO));
    ipvs.take();
    // A new process (the old one crashed without stopping) with one weight changed meanwhile.
    const timers = new TurnTimers();
    const restarted = new IpvsReconciler(ipvs, new MemoryLog(), NO_RECORD, { timers });
    restarted.apply(config(TWO.replace("weight = 2", "weight = 4")));
    expect(ipvs.take()).toEqual(["editDestination 198.51.100.2 80 weight 4"]);
    // A destination someone else added to a service vipd owns is removed at the next reload, by its resync.
    ipvs.addDestination(
      { kind: "address", protocol: "tcp", address: parseIp("192.0.2.10")!, port: 80 },
      { address: parseIp("198.51.100.50")!, port: 80 },
      { forward: "masq", weight: 1 },
    );
    ipvs.take();
    expect(restarted.apply(config(TWO.replace("weight = 2", "weight = 4"))).operations).toEqual([]);
    expect(ipvs.take()).toEqual([]);
    timers.settle();
    expect(ipvs.take()).toEqual(["deleteDestination 198.51.100.50 80"]);
  });

  test("with a record of its services, a restart also removes those the config dropped while vipd was down", () => {
    const { ipvs } = setup();
    let saved: string[] = [];
    const record: OwnedServices = { load: () => saved, save: (names) => (saved = [...names]) };
    const other = `[virtual_servers.other]\nfwmark = 4\n[[virtual_servers.other.real_servers]]\naddress = "198.51.100.7"\n`;
    new IpvsReconciler(ipvs, new MemoryLog(), record).apply(config(`${TWO}\n${other}`));
    expect(saved.sort()).toEqual(["fwmark 4 ipv4", "tcp 192.0.2.10 80"]);
    ipvs.take();
    // Crashed; the config lost "other" meanwhile.
    new IpvsReconciler(ipvs, new MemoryLog(), record).apply(config(TWO));
    expect(ipvs.take()).toEqual(["deleteService fwmark 4 ipv4"]);
    expect(saved).toEqual(["tcp 192.0.2.10 80"]);
    // Without a record the same restart would not know fwmark 4 was vipd's.
  });

  test('stop with "keep" leaves the services serving', () => {
    const { ipvs, reconciler } = setup();
    reconciler.apply(config(TWO));
    ipvs.take();
    expect(reconciler.stop("keep").operations).toEqual([]);
    expect(ipvs.take()).toEqual([]);
    expect(table(ipvs)).toHaveLength(3);
  });

  test("a refusal is logged with the kernel's errno and the other operations still run", () => {
    const { ipvs, log, reconciler } = setup();
    const other = `[virtual_servers.other]\nfwmark = 4\nlb_algo = "twos"\n[[virtual_servers.other.real_servers]]\naddress = "198.51.100.7"\n`;
    const result = reconciler.apply(config(`${other}\n${TWO}`));
    expect(result.failures.map((f) => `${describeOperation(f.operation)}: ${f.code}`)).toEqual([
      "addService fwmark 4 ipv4: ENOENT",
      "addDestination fwmark 4 ipv4 -> 198.51.100.7 0 weight 1: ESRCH",
    ]);
    expect(log.lines.filter((l) => l.startsWith("error"))).toHaveLength(2);
    expect(table(ipvs)).toHaveLength(3);
  });

  test("a table that cannot be read changes nothing and says why", () => {
    const { ipvs, log, reconciler } = setup();
    ipvs.services = () => {
      throw Object.assign(new Error("netlink: EPERM"), { code: "EPERM" });
    };
    expect(reconciler.apply(config(TWO))).toEqual({ operations: [], failures: [], unreadable: "EPERM (netlink: EPERM)" });
    expect(log.lines).toEqual(["error IPVS: cannot read the table, nothing changed: EPERM (netlink: EPERM)"]);
  });
});

describe("timeouts", () => {
  test("lvs_timeouts: set when they differ from the kernel's, only those given; the same again changes nothing", () => {
    const { ipvs, log, reconciler } = setup();
    const text = `[global]\nlvs_timeouts = { tcp = 600, udp = 300 }\n${TWO}`;
    reconciler.apply(config(text));
    expect(ipvs.timeouts()).toEqual({ tcpS: 600, tcpFinS: 120, udpS: 300 });
    expect(log.lines).toContain("info IPVS: timeouts (tcp tcpfin udp, 0 unchanged) set to 600 0 0");
    log.lines.length = 0;
    reconciler.apply(config(text));
    expect(log.lines.filter((l) => l.includes("timeouts"))).toEqual([]);
  });
});

describe("keepalived's table shapes", () => {
  test("DR and TUN real servers take the service's port; NAT ones without a port too; fwmark DR ones none", () => {
    const { ipvs, reconciler } = setup();
    const text = `${web('lb_kind = "DR"', server("198.51.100.1"), server("198.51.100.2", 'lb_kind = "TUN"\ntunnel = { type = "gue", port = 6080 }\n'))}
[virtual_servers.mark]
fwmark = 7
lb_kind = "DR"
[[virtual_servers.mark.real_servers]]
address = "198.51.100.3"
`;
    reconciler.apply(config(text));
    expect(table(ipvs)).toEqual([
      "tcp 192.0.2.10 80 wlc persistent 0",
      "  -> 198.51.100.1 80 route weight 1",
      "  -> 198.51.100.2 80 tunnel weight 1",
      "fwmark 7 ipv4 wlc persistent 0",
      "  -> 198.51.100.3 0 route weight 1",
    ]);
    expect(ipvs.services()[0]!.destinations[1]!.settings.tunnel).toEqual({ type: "gue", port: 6080, checksum: "nocsum" });
  });

  test("with quorum an inhibited sorry server waits at weight 0; without quorum it serves and inhibited real servers stay at 0", () => {
    const { ipvs, reconciler } = setup();
    const sorry = 'sorry_server = { address = "198.51.100.99", port = 8080, inhibit = true }';
    reconciler.apply(config(web(sorry, server("198.51.100.1", "inhibit_on_failure = true\n"), server("198.51.100.2"))));
    expect(table(ipvs).slice(1)).toEqual([
      "  -> 198.51.100.1 80 masq weight 1",
      "  -> 198.51.100.2 80 masq weight 1",
      "  -> 198.51.100.99 8080 masq weight 0",
    ]);
    ipvs.take();
    // All real servers at weight 0: the total weight is 0, the quorum is lost, the sorry server takes over.
    reconciler.apply(
      config(web(sorry, server("198.51.100.1", "inhibit_on_failure = true\nweight = 0\n"), server("198.51.100.2", "weight = 0\n"))),
    );
    expect(ipvs.take()).toEqual([
      "deleteDestination 198.51.100.2 80",
      "editDestination 198.51.100.1 80 weight 0",
      "editDestination 198.51.100.99 8080 weight 1",
    ]);
  });

  test("hysteresis: at start the quorum must be reached with the hysteresis on top, later it holds down to quorum - hysteresis", () => {
    const three = (w: number) =>
      web(
        'quorum = 3\nhysteresis = 1\nsorry_server = { address = "198.51.100.99" }',
        server("198.51.100.1", `weight = ${w}\n`),
        server("198.51.100.2", "weight = 2\n"),
      );
    const { ipvs, reconciler } = setup();
    reconciler.apply(config(three(2)));
    expect(table(ipvs).slice(1)).toEqual(["  -> 198.51.100.1 80 masq weight 2", "  -> 198.51.100.2 80 masq weight 2"]);
    // Total 3 = quorum: kept (up, holds down to 2).
    reconciler.apply(config(three(1)));
    expect(table(ipvs).slice(1)).toEqual(["  -> 198.51.100.1 80 masq weight 1", "  -> 198.51.100.2 80 masq weight 2"]);
    // The same config on a fresh start: 3 < quorum + hysteresis, so the sorry server serves (keepalived does the same).
    const fresh = setup();
    fresh.reconciler.apply(config(three(1)));
    expect(table(fresh.ipvs).slice(1)).toEqual(["  -> 198.51.100.99 0 masq weight 1"]);
  });

  test("a group is one service per member, sharing the real servers", () => {
    const { ipvs, reconciler } = setup();
    const text = `[virtual_server_groups.g]\nmembers = ["192.0.2.3-4 443", "fwmark 9"]\n[virtual_servers.web]\ngroup = "g"\nprotocol = "tcp"\n${server("198.51.100.1")}`;
    reconciler.apply(config(text));
    expect(table(ipvs)).toEqual([
      "tcp 192.0.2.3 443 wlc persistent 0",
      "  -> 198.51.100.1 443 masq weight 1",
      "tcp 192.0.2.4 443 wlc persistent 0",
      "  -> 198.51.100.1 443 masq weight 1",
      "fwmark 9 ipv4 wlc persistent 0",
      "  -> 198.51.100.1 0 masq weight 1",
    ]);
  });
});

/** `count` virtual servers vs0.. on 192.0.2.1.. port 80, two real servers each (the second's weight given). */
function many(count: number, weightOf: (i: number) => number = () => 1): string {
  return some(
    Array.from({ length: count }, (_, i) => i),
    weightOf,
  );
}

/** Virtual servers vsI on 192.0.2.(I + 1) port 80 for each I given, as many() writes them. */
function some(indices: number[], weightOf: (i: number) => number = () => 1): string {
  const out: string[] = [];
  for (const i of indices) {
    out.push(`[virtual_servers.vs${i}]\naddress = "192.0.2.${1 + i}"\nport = 80\nprotocol = "tcp"\n`);
    out.push(`[[virtual_servers.vs${i}.real_servers]]\naddress = "198.51.100.1"\n`);
    out.push(`[[virtual_servers.vs${i}.real_servers]]\naddress = "198.51.100.2"\nweight = ${weightOf(i)}\n`);
  }
  return out.join("");
}

describe("what a flip and a reload read", () => {
  test("start reads the whole table once; a reload reads only the service it changes, then the others a slice per turn", () => {
    const { ipvs, log, timers, reconciler } = setup(4);
    reconciler.apply(config(many(10)));
    expect(ipvs.takeReads()).toEqual(["the whole table"]);
    expect(timers.pending).toBe(0);
    ipvs.take();
    log.lines.length = 0;
    const result = reconciler.apply(config(many(10, (i) => (i === 6 ? 3 : 1))));
    expect(result.operations.map(describeOperation)).toEqual(["editDestination tcp 192.0.2.7 80 -> 198.51.100.2 80 weight 3"]);
    expect(ipvs.takeReads()).toEqual(["tcp 192.0.2.7 80"]);
    expect(ipvs.take()).toEqual(["editDestination 198.51.100.2 80 weight 3"]);
    // The resync: every service read again, at most 4 per turn, nothing to repair and nothing said.
    expect(reconciler.resyncing).toBe(true);
    const perTurn: number[] = [];
    for (let turn = 0; turn < 10 && timers.pending > 0; turn++) {
      timers.turn();
      perTurn.push(ipvs.takeReads().length);
    }
    expect(perTurn).toEqual([4, 4, 2]);
    expect(reconciler.resyncing).toBe(false);
    expect(ipvs.take()).toEqual([]);
    expect(log.lines.filter((l) => !l.startsWith("debug"))).toEqual(["info IPVS: 1 of 1 changes applied"]);
  });

  test("a reload that adds and drops virtual servers reads those only; the same config again reads nothing at once", () => {
    const { ipvs, timers, reconciler } = setup();
    reconciler.apply(config(many(3)));
    ipvs.take();
    ipvs.takeReads();
    reconciler.apply(config(some([0, 2, 4])));
    expect(ipvs.takeReads().sort()).toEqual(["tcp 192.0.2.2 80", "tcp 192.0.2.5 80"]);
    expect(ipvs.take()).toEqual([
      "deleteService tcp 192.0.2.2 80",
      "addService tcp 192.0.2.5 80",
      "addDestination 198.51.100.1 80 weight 1",
      "addDestination 198.51.100.2 80 weight 1",
    ]);
    timers.settle();
    ipvs.takeReads();
    reconciler.apply(config(many(3)));
    expect(ipvs.takeReads().sort()).toEqual(["tcp 192.0.2.2 80", "tcp 192.0.2.5 80"]);
    timers.settle();
    ipvs.takeReads();
    reconciler.apply(config(many(3)));
    expect(ipvs.takeReads()).toEqual([]);
  });

  test("a flip of one real server reads its one service; a flip that leaves the service as it was reads nothing", () => {
    const { ipvs, reconciler } = setup();
    const text = config(many(10));
    reconciler.apply(text);
    ipvs.take();
    ipvs.takeReads();
    const down = new Set<string>();
    const health: HealthLookup = (vs, i, rs) => ({ alive: !down.has(`${vs} ${i}`), weight: rs.weight });
    down.add("vs3 1");
    reconciler.healthChanged(text, health, new Set(["vs3"]));
    expect(ipvs.takeReads()).toEqual(["tcp 192.0.2.4 80"]);
    expect(ipvs.take()).toEqual(["deleteDestination 198.51.100.2 80"]);
    // vs5 was named, but its servers' health is as before: its service's form did not change, so it is not read.
    reconciler.healthChanged(text, health, new Set(["vs5"]));
    expect(ipvs.takeReads()).toEqual([]);
    down.delete("vs3 1");
    reconciler.healthChanged(text, health, new Set(["vs3"]));
    expect(ipvs.takeReads()).toEqual(["tcp 192.0.2.4 80"]);
    expect(ipvs.take()).toEqual(["addDestination 198.51.100.2 80 weight 1"]);
  });

  test("a reload with the same sections reads nothing at once, yet applies a health change not reconciled yet", () => {
    const { ipvs, reconciler } = setup();
    // One config object, as the config loader hands back unchanged sections: the desired forms are reused.
    const text = config(many(10));
    const down = new Set<string>();
    const health: HealthLookup = (vs, i, rs) => ({ alive: !down.has(`${vs} ${i}`), weight: rs.weight });
    reconciler.apply(text, health);
    ipvs.take();
    ipvs.takeReads();
    reconciler.apply({ ...text }, health);
    expect(ipvs.takeReads()).toEqual([]);
    // A check went down after the last reconcile, and the reload comes before the flip's own reconcile.
    down.add("vs7 0");
    reconciler.apply({ ...text }, health);
    expect(ipvs.takeReads()).toEqual(["tcp 192.0.2.8 80"]);
    expect(ipvs.take()).toEqual(["deleteDestination 198.51.100.1 80"]);
  });

  test("a flip that costs the quorum brings the sorry server, reading that service only", () => {
    const { ipvs, reconciler } = setup();
    const sorry = 'quorum = 2\nsorry_server = { address = "198.51.100.99" }';
    const text = config(`${web(sorry, server("198.51.100.1"), server("198.51.100.2"))}\n${many(2)}`);
    reconciler.apply(text);
    ipvs.take();
    ipvs.takeReads();
    const health: HealthLookup = (vs, i, rs) => ({ alive: !(vs === "web" && i === 0), weight: rs.weight });
    reconciler.healthChanged(text, health, new Set(["web"]));
    expect(ipvs.takeReads()).toEqual(["tcp 192.0.2.10 80"]);
    expect(ipvs.take()).toEqual([
      "deleteDestination 198.51.100.1 80",
      "deleteDestination 198.51.100.2 80",
      "addDestination 198.51.100.99 0 weight 1",
    ]);
    expect(reconciler.quorumOf("web")).toBe(false);
  });

  test("a refused change is read again at the next flip even when the form is the same", () => {
    const { ipvs, reconciler } = setup();
    const text = config(many(2));
    reconciler.apply(text);
    ipvs.takeReads();
    const editDestination = ipvs.editDestination.bind(ipvs);
    ipvs.editDestination = () => {
      throw Object.assign(new Error("IPVS_CMD_SET_DEST failed: ENOMEM"), { code: "ENOMEM" });
    };
    const heavy: HealthLookup = (vs, i, rs) => ({ alive: true, weight: vs === "vs0" && i === 1 ? 9 : rs.weight });
    expect(reconciler.healthChanged(text, heavy, new Set(["vs0"])).failures.map((f) => f.code)).toEqual(["ENOMEM"]);
    ipvs.editDestination = editDestination;
    ipvs.takeReads();
    reconciler.healthChanged(text, heavy, new Set(["vs0"]));
    expect(ipvs.takeReads()).toEqual(["tcp 192.0.2.1 80"]);
    expect(ipvs.services()[0]!.destinations[1]!.settings.weight).toBe(9);
  });
});

describe("the resync after a reload", () => {
  test("changes made behind vipd's back are repaired after the slices, each logged; others' services stay", () => {
    const { ipvs, log, timers, reconciler } = setup(3);
    const text = config(many(7));
    reconciler.apply(text);
    const vs = (i: number) => ({ kind: "address" as const, protocol: "tcp" as const, address: parseIp(`192.0.2.${1 + i}`)!, port: 80 });
    const dest = (host: string) => ({ address: parseIp(host)!, port: 80 });
    ipvs.addDestination(vs(1), dest("198.51.100.50"), { forward: "masq", weight: 1 });
    ipvs.editDestination(vs(4), dest("198.51.100.1"), { forward: "masq", weight: 7 });
    ipvs.deleteService(vs(6));
    const foreign = { kind: "fwmark" as const, family: 4 as const, fwmark: 77 };
    ipvs.addService(foreign, { scheduler: "rr" });
    ipvs.take();
    log.lines.length = 0;
    expect(reconciler.apply(text).operations).toEqual([]);
    expect(ipvs.take()).toEqual([]);
    expect(timers.settle()).toBe(3);
    expect(ipvs.take()).toEqual([
      "deleteDestination 198.51.100.50 80",
      "editDestination 198.51.100.1 80 weight 1",
      "addService tcp 192.0.2.7 80",
      "addDestination 198.51.100.1 80 weight 1",
      "addDestination 198.51.100.2 80 weight 1",
    ]);
    expect(log.lines.filter((l) => !l.startsWith("debug"))).toEqual([
      "warn IPVS: tcp 192.0.2.2 80 differed from the configuration (changed outside vipd); repaired: deleteDestination tcp 192.0.2.2 80 -> 198.51.100.50 80",
      "warn IPVS: tcp 192.0.2.5 80 differed from the configuration (changed outside vipd); repaired: editDestination tcp 192.0.2.5 80 -> 198.51.100.1 80 weight 1",
      "warn IPVS: tcp 192.0.2.7 80 differed from the configuration (changed outside vipd); repaired: addService tcp 192.0.2.7 80, addDestination tcp 192.0.2.7 80 -> 198.51.100.1 80 weight 1, addDestination tcp 192.0.2.7 80 -> 198.51.100.2 80 weight 1",
      "info IPVS: resync after reload repaired 3 of 7 services changed outside vipd",
    ]);
    expect(ipvs.service(foreign)).not.toBeNull();
  });

  test("a reload during a resync cancels it and starts over on the new table; a stop ends it", () => {
    const { ipvs, timers, reconciler } = setup(2);
    reconciler.apply(config(many(8)));
    ipvs.takeReads();
    reconciler.apply(config(many(8)));
    timers.turn();
    timers.turn();
    expect(ipvs.takeReads()).toHaveLength(4);
    // Half-way: the next reload drops vs7 and changes vs0. The first resync's next slice never runs.
    ipvs.take();
    reconciler.apply(config(many(7, (i) => (i === 0 ? 4 : 1))));
    expect(ipvs.takeReads().sort()).toEqual(["tcp 192.0.2.1 80", "tcp 192.0.2.8 80"]);
    expect(ipvs.take()).toEqual(["deleteService tcp 192.0.2.8 80", "editDestination 198.51.100.2 80 weight 4"]);
    expect(timers.pending).toBe(1);
    expect(timers.settle()).toBe(4);
    const reads = ipvs.takeReads();
    expect(reads).toHaveLength(7);
    expect(new Set(reads).size).toBe(7);
    expect(reads).not.toContain("tcp 192.0.2.8 80");
    // A stop half-way through the next one: nothing more is read after it.
    reconciler.apply(config(many(7, (i) => (i === 0 ? 4 : 1))));
    timers.turn();
    ipvs.takeReads();
    reconciler.stop("keep");
    expect(timers.pending).toBe(0);
    expect(reconciler.resyncing).toBe(false);
    expect(ipvs.takeReads()).toEqual([]);
  });
});
