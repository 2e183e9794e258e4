// FILE_CHECK end to end on fakes (IPVS in memory, a fake clock) over a real file: read before the table is set up,
// a number that switches a real server off and on, a number that moves its weight, and no checker process.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { destinationKeyText, serviceKeyText } from "../../src/adapters/ipvs.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import type { Log } from "../../src/daemon/log.ts";
import { LoadBalancer } from "../../src/lvs/load-balancer.ts";
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

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vipd-file-check-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Two real servers of weight 10; the first has a FILE_CHECK of the track file `drain` (`check` is its table). */
const config = (trackFile: string, check: string) => `
[track_files.drain]
file = "${join(dir, "drain")}"
${trackFile}
[virtual_servers.web]
address = "192.0.2.10"
port = 80
protocol = "tcp"
[[virtual_servers.web.real_servers]]
address = "198.51.100.1"
weight = 10
[[virtual_servers.web.real_servers.FILE_CHECK]]
track_file = "drain"
${check}
[[virtual_servers.web.real_servers]]
address = "198.51.100.2"
weight = 10
`;

function setup(text: string) {
  const timers = new FakeTimers();
  const ipvs = new FakeIpvs();
  const checker = new FakeChecker(timers);
  const checkLog = new MemoryLog();
  const mails: string[] = [];
  const lb = new LoadBalancer({
    openIpvs: () => ipvs,
    record: NO_RECORD,
    log: new MemoryLog(),
    checkLog,
    timers,
    spawnChecker: checker.spawn,
    runScript: () => {},
    mail: (render) => mails.push(render("lb-a").subject),
  });
  lb.apply(loadOk(text) as VipdConfig, new Map());
  const table = () =>
    ipvs
      .services()
      .flatMap((s) => s.destinations.map((d) => `${serviceKeyText(s.key)} -> ${destinationKeyText(d)} weight ${d.settings.weight}`))
      .sort();
  /** The track file's re-read runs every 2 s on the fake clock (its watch may have read it already). */
  const reread = async () => {
    timers.advance(2000);
    for (let i = 0; i < 4; i++) await Promise.resolve();
    timers.advance(0);
  };
  return { lb, table, checker, checkLog, mails, reread };
}

const write = (value: string) => writeFileSync(join(dir, "drain"), value);

describe("FILE_CHECK", () => {
  test("weight 0: read before the table is set up, so a server whose file says down is never added; 0 brings it in", async () => {
    write("1\n");
    const { lb, table, checker, checkLog, mails, reread } = setup(config("weight = 0", ""));
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.2 80 weight 10"]);
    expect(checker.spawned).toBe(0);
    expect(checkLog.lines).toEqual([
      `warn FILE_CHECK of track file drain (${join(dir, "drain")}) failed (holds 1): down for web 198.51.100.1 (real_servers[0])`,
    ]);
    write("0\n");
    await reread();
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.1 80 weight 10", "tcp 192.0.2.10 80 -> 198.51.100.2 80 weight 10"]);
    expect(checkLog.lines.at(-1)).toContain("succeeded (holds 0): up for web 198.51.100.1");
    expect(lb.status().virtualServers[0]!.realServers[0]!.checks[0]).toMatchObject({ up: true, last: { ok: true, reason: "holds 0" } });
    // keepalived mails nothing for a FILE_CHECK (its real server's smtp_alert is on by default here).
    expect(mails).toEqual([]);
    lb.stop("remove");
  });

  test("reverse swaps the switch; a missing file counts as 0 and says so", async () => {
    const { lb, table, checkLog } = setup(config("weight = 0\nreverse = true", ""));
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.2 80 weight 10"]);
    expect(checkLog.lines[0]).toContain("failed (is missing (counted as 0)): down");
    lb.stop("remove");
  });

  test("a weight adds number × weight to the real server's weight, kept within 0..2147483647; the bottom means down", async () => {
    write("3");
    const { lb, table, reread, checkLog } = setup(config("weight = 1", "weight = 2"));
    expect(table()[0]).toBe("tcp 192.0.2.10 80 -> 198.51.100.1 80 weight 16");
    write("-20");
    await reread();
    expect(table()[0]).toBe("tcp 192.0.2.10 80 -> 198.51.100.1 80 weight 0");
    expect(checkLog.lines.at(-1)).toContain("holds -20: weight -40 for web 198.51.100.1");
    write("-1073741824"); // × 2 = -2147483648: down
    await reread();
    expect(table()).toEqual(["tcp 192.0.2.10 80 -> 198.51.100.2 80 weight 10"]);
    write("2000000000");
    await reread();
    expect(table()[0]).toBe("tcp 192.0.2.10 80 -> 198.51.100.1 80 weight 2147483647");
    lb.stop("remove");
  });

  test("the check's own weight comes with its own reverse; without one, the track file's weight and reverse apply", async () => {
    write("3");
    const own = setup(config("weight = 1\nreverse = true", "weight = 2"));
    expect(own.table()[0]).toBe("tcp 192.0.2.10 80 -> 198.51.100.1 80 weight 16");
    own.lb.stop("remove");
    const inherited = setup(config("weight = 1\nreverse = true", ""));
    expect(inherited.table()[0]).toBe("tcp 192.0.2.10 80 -> 198.51.100.1 80 weight 7");
    inherited.lb.stop("remove");
  });
});
