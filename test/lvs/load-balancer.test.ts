// The load balancer end to end on fakes (IPVS in memory, the checker in process, a fake clock): a real server that
// fails its check leaves the table (or stays at weight 0 with inhibit_on_failure) and comes back; quorum lost
// brings the sorry server; one probe per distinct check; a checker that crashes or hangs is replaced without
// touching the table.

import { describe, expect, test } from "bun:test";
import { destinationKeyText, serviceKeyText } from "../../src/adapters/ipvs.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import type { Log } from "../../src/daemon/log.ts";
import { HEALTH_SLICE, LoadBalancer } from "../../src/lvs/load-balancer.ts";
import { IpvsReconciler } from "../../src/lvs/reconciler.ts";
import { NO_RECORD } from "../../src/lvs/owned-services.ts";
import { FakeIpvs } from "../adapters/fake-ipvs.ts";
import { FakeChecker } from "../check/fake-checker.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { loadOk } from "../config/helpers.ts";

class MemoryLog implements Log {
  readonly lines: string[] = [];
  debug() {}
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

const rs = (address: string, extra = "") =>
  `[[virtual_servers.web.real_servers]]\naddress = "${address}"\nport = 8080\n${extra}[[virtual_servers.web.real_servers.TCP_CHECK]]\nconnect_timeout = 1\n`;
const web = (head: string, ...servers: string[]) =>
  `[virtual_servers.web]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\ndelay_loop = 2\nwarmup = 0\nretry = 1\ndelay_before_retry = 1\n${head}\n${servers.join("")}`;

function setup(text: string) {
  const timers = new FakeTimers();
  const ipvs = new FakeIpvs();
  const checker = new FakeChecker(timers);
  const log = new MemoryLog();
  const checkLog = new MemoryLog();
  const scripts: string[] = [];
  const mails: string[] = [];
  const lb = new LoadBalancer({
    openIpvs: () => ipvs,
    record: NO_RECORD,
    log,
    checkLog,
    timers,
    spawnChecker: checker.spawn,
    runScript: (command, what) => scripts.push(`${what}: ${command.raw}`),
    mail: (render) => {
      const text = render("lb-a");
      mails.push(`${text.subject} | ${text.body}`);
    },
  });
  const apply = (t: string) => lb.apply(loadOk(t) as VipdConfig, new Map());
  apply(text);
  const table = () =>
    ipvs
      .services()
      .flatMap((s) => s.destinations.map((d) => `${serviceKeyText(s.key)} -> ${destinationKeyText(d)} weight ${d.settings.weight}`));
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      timers.advance(100);
      for (let i = 0; i < 4; i++) await Promise.resolve();
    }
  };
  return { timers, ipvs, checker, lb, log, checkLog, apply, table, advance, scripts, mails };
}

describe("LoadBalancer", () => {
  test("a failing real server leaves the table after its retries and comes back when it passes", async () => {
    const { checker, table, advance, checkLog } = setup(web("", rs("198.51.100.1"), rs("198.51.100.2")));
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 1", "tcp 192.0.2.10 80 -> 198.51.100.2 8080 weight 1"]);
    await advance(500); // first checks pass
    checker.targets.set("198.51.100.2:8080", { ok: false });
    await advance(2000); // a failure: retry pending, still in
    expect(table()).toHaveLength(2);
    await advance(1000); // the retry fails too: out
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 1"]);
    expect(checkLog.lines).toEqual([
      "warn TCP_CHECK of 198.51.100.2:8080 failed (ECONNREFUSED): down for web 198.51.100.2:8080 (real_servers[1])",
    ]);
    checker.targets.delete("198.51.100.2:8080");
    await advance(2000);
    expect(table()).toHaveLength(2);
    expect(checkLog.lines.at(-1)).toBe(
      "info TCP_CHECK of 198.51.100.2:8080 succeeded (connected): up for web 198.51.100.2:8080 (real_servers[1])",
    );
  });

  test("a burst of failures is reconciled a few virtual servers per timer turn; the scripts follow the last", async () => {
    const service = (i: number) =>
      `[virtual_servers.vs${i}]\naddress = "192.0.2.${10 + i}"\nport = 80\nprotocol = "tcp"\ndelay_loop = 2\nwarmup = 0\nretry = 0\n` +
      `[[virtual_servers.vs${i}.real_servers]]\naddress = "198.51.100.${1 + i}"\nport = 8080\nnotify_down = "/bin/down ${i}"\n` +
      `[[virtual_servers.vs${i}.real_servers.TCP_CHECK]]\nconnect_timeout = 1\n`;
    const { checker, table, advance, scripts } = setup(Array.from({ length: 7 }, (_, i) => service(i)).join("\n"));
    await advance(500);
    expect(table()).toHaveLength(7);
    const slices: { size: number; scriptsBefore: number }[] = [];
    const original = IpvsReconciler.prototype.healthChanged;
    IpvsReconciler.prototype.healthChanged = function (this: IpvsReconciler, ...args: Parameters<IpvsReconciler["healthChanged"]>) {
      slices.push({ size: args[2].size, scriptsBefore: scripts.length });
      return original.apply(this, args);
    };
    try {
      for (let i = 0; i < 7; i++) checker.targets.set(`198.51.100.${1 + i}:8080`, { ok: false });
      await advance(3000);
    } finally {
      IpvsReconciler.prototype.healthChanged = original;
    }
    expect(table()).toEqual([]);
    // Seven virtual servers touched in one burst: full slices, then the rest.
    const sizes = Array.from({ length: Math.ceil(7 / HEALTH_SLICE) }, (_, i) => Math.min(HEALTH_SLICE, 7 - i * HEALTH_SLICE));
    expect(HEALTH_SLICE).toBeLessThan(7);
    expect(slices.map((s) => s.size)).toEqual(sizes);
    expect(slices.every((s) => s.scriptsBefore === 0)).toBe(true);
    expect(scripts.sort()).toEqual(
      Array.from({ length: 7 }, (_, i) => `virtual_servers.vs${i}.real_servers[0].notify_down: /bin/down ${i}`),
    );
  });

  test("inhibit_on_failure keeps a dead server at weight 0; the sorry server comes when the quorum goes", async () => {
    const { checker, table, advance } = setup(
      web(
        'quorum = 2\nsorry_server = { address = "198.51.100.99", port = 8080 }',
        rs("198.51.100.1", "inhibit_on_failure = true\n"),
        rs("198.51.100.2"),
      ),
    );
    await advance(100);
    checker.targets.set("198.51.100.1:8080", { ok: false });
    await advance(3100);
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 0", "tcp 192.0.2.10 80 -> 198.51.100.99 8080 weight 1"]);
    checker.targets.delete("198.51.100.1:8080");
    await advance(2000);
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 1", "tcp 192.0.2.10 80 -> 198.51.100.2 8080 weight 1"]);
  });

  test("one probe per distinct check, however many virtual servers use the real server", async () => {
    const two = `${web("", rs("198.51.100.1"))}${web("", rs("198.51.100.1")).replaceAll("web", "web2").replace("192.0.2.10", "192.0.2.11")}`;
    const { checker, advance } = setup(two);
    await advance(10_000);
    // delay_loop 2 s over 10 s: 5 or 6 runs of the one probe, not twice that.
    expect(checker.probes).toBeGreaterThanOrEqual(5);
    expect(checker.probes).toBeLessThanOrEqual(6);
  });

  test("a misc_dynamic weight is applied, and dropped when the check fails", async () => {
    const misc = `[[virtual_servers.web.real_servers]]\naddress = "198.51.100.1"\nport = 8080\nweight = 5\nMISC_CHECK = { misc_path = "/bin/check", misc_dynamic = true }\n`;
    const { checker, table, advance } = setup(web("", misc, rs("198.51.100.2")));
    checker.targets.set("/bin/check", { ok: true, weight: 20 });
    await advance(200);
    expect(table()[0]).toBe("tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 20");
    checker.targets.set("/bin/check", { ok: true });
    await advance(2000);
    expect(table()[0]).toBe("tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 5");
  });

  test("a checker that crashes or hangs is replaced within a second, with the states known, and the table untouched", async () => {
    const { checker, table, advance, lb, checkLog, ipvs } = setup(web("", rs("198.51.100.1"), rs("198.51.100.2")));
    checker.targets.set("198.51.100.2:8080", { ok: false });
    await advance(500);
    expect(table()).toHaveLength(1);
    const edits = () => ipvs.services()[0]!.destinations.length;
    checker.crash();
    expect(checker.running).toBe(false);
    await advance(100);
    expect(checker.running).toBe(true);
    expect(lb.checkerRestarts).toBe(1);
    expect(edits()).toBe(1);
    checker.hang();
    await advance(1500);
    expect(lb.checkerRestarts).toBe(2);
    expect(checker.running).toBe(true);
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 1"]);
    expect(checkLog.lines.filter((l) => l.startsWith("error"))).toEqual([
      "error checker process 1001 exited (status 70); starting a new one",
      expect.stringMatching(/^error checker process 1002 silent for \d+ ms; killing it and starting a new one$/),
    ]);
    // The restarted checker knew the server was down: no second "failed" line for it.
    expect(checkLog.lines.filter((l) => l.includes("failed"))).toHaveLength(1);
  });

  test("a reload keeps the states of the checks it keeps; no checks left stops the checker", async () => {
    const text = web("", rs("198.51.100.1"), rs("198.51.100.2"));
    const { checker, table, advance, apply } = setup(text);
    checker.targets.set("198.51.100.2:8080", { ok: false });
    await advance(500);
    apply(text.replace('address = "198.51.100.1"', 'address = "198.51.100.3"'));
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.3 8080 weight 1"]);
    apply(web("", '[[virtual_servers.web.real_servers]]\naddress = "198.51.100.1"\n'));
    expect(checker.running).toBe(false);
  });

  test("notify_up / notify_down on the real server's changes, quorum_up / quorum_down on the quorum's, omega at stop", async () => {
    const notified = (address: string) => `notify_up = "/bin/up ${address}"\nnotify_down = "/bin/down ${address}"\n`;
    const { checker, advance, scripts, lb, apply } = setup(
      web(
        'quorum = 2\nquorum_up = "/bin/qup"\nquorum_down = "/bin/qdown"\nomega = true',
        rs("198.51.100.1", notified("1")),
        rs("198.51.100.2", notified("2")),
      ),
    );
    await advance(100);
    expect(scripts).toEqual([]);
    checker.targets.set("198.51.100.2:8080", { ok: false });
    await advance(3100);
    expect(scripts.splice(0)).toEqual([
      "virtual_servers.web.real_servers[1].notify_down: /bin/down 2",
      "virtual_servers.web.quorum_down: /bin/qdown",
    ]);
    checker.targets.delete("198.51.100.2:8080");
    await advance(2100);
    expect(scripts.splice(0)).toEqual([
      "virtual_servers.web.real_servers[1].notify_up: /bin/up 2",
      "virtual_servers.web.quorum_up: /bin/qup",
    ]);
    // A reload that drops a live real server runs its notify_down.
    apply(web('quorum = 1\nquorum_up = "/bin/qup"\nquorum_down = "/bin/qdown"\nomega = true', rs("198.51.100.1", notified("1"))));
    expect(scripts.splice(0)).toEqual(["virtual_servers.web.real_servers[1].notify_down: /bin/down 2"]);
    lb.stop("remove");
    expect(scripts).toEqual(["virtual_servers.web.real_servers[0].notify_down: /bin/down 1", "quorum_down (omega): /bin/qdown"]);
  });

  test("keepalived's mail on a checker's change (smtp_alert, on by default for real servers), none with smtp_alert = false", async () => {
    const { checker, advance, mails } = setup(web("", rs("198.51.100.1"), rs("198.51.100.2", "smtp_alert = false\n")));
    await advance(100);
    checker.targets.set("198.51.100.1:8080", { ok: false });
    checker.targets.set("198.51.100.2:8080", { ok: false });
    await advance(3100);
    expect(mails.splice(0)).toEqual([
      "[lb-a] Realserver [198.51.100.1]:tcp:8080 of virtual server [192.0.2.10]:tcp:80 - DOWN | => TCP CHECK failed on service <=",
    ]);
    checker.targets.delete("198.51.100.1:8080");
    await advance(2100);
    expect(mails).toEqual([
      "[lb-a] Realserver [198.51.100.1]:tcp:8080 of virtual server [192.0.2.10]:tcp:80 - UP | => TCP CHECK succeed on service <=",
    ]);
  });

  test("ha_suspend: the checks run only while the service's address is on this host", async () => {
    const { checker, advance, lb, checkLog } = setup(web("ha_suspend = true", rs("198.51.100.1")));
    await advance(3000);
    expect(checker.probes).toBe(0);
    lb.addressesChanged(new Set(["192.0.2.10"]));
    await advance(3000);
    const probed = checker.probes;
    expect(probed).toBeGreaterThanOrEqual(1);
    lb.addressesChanged(new Set(["192.0.2.99"]));
    await advance(6000);
    expect(checker.probes).toBe(probed);
    expect(checkLog.lines).toEqual([
      "info ha_suspend: checks of web resumed (192.0.2.10 now on this host)",
      "info ha_suspend: checks of web suspended (192.0.2.10 no longer on this host)",
    ]);
  });

  test("a real server's flip reads and fixes only its virtual server's service, not the whole table", async () => {
    const other = web("", rs("198.51.100.3"))
      .replaceAll("virtual_servers.web", "virtual_servers.other")
      .replace("192.0.2.10", "192.0.2.11");
    const { checker, table, advance, ipvs } = setup(`${web("", rs("198.51.100.1"), rs("198.51.100.2"))}${other}`);
    const reads: string[] = [];
    const services = ipvs.services.bind(ipvs);
    const service = ipvs.service.bind(ipvs);
    ipvs.services = (o) => {
      reads.push("the whole table");
      return services(o);
    };
    ipvs.service = (key, o) => {
      reads.push(serviceKeyText(key));
      return service(key, o);
    };
    await advance(500);
    expect(reads).toEqual([]);
    checker.targets.set("198.51.100.2:8080", { ok: false });
    await advance(3000);
    expect(reads).toEqual(["tcp 192.0.2.10 80"]);
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.1 8080 weight 1", "tcp 192.0.2.11 80 -> 198.51.100.3 8080 weight 1"]);
  });

  test("stop removes the services and the checker", async () => {
    const { checker, lb, ipvs, advance } = setup(web("", rs("198.51.100.1")));
    await advance(100);
    lb.stop("remove");
    expect(checker.running).toBe(false);
    expect(ipvs.services()).toEqual([]);
  });
});
