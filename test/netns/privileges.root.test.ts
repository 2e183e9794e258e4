// Least privilege, seen from outside: the running daemon (the compiled executable) holds only the capabilities of
// src/daemon/privileges.ts, in every thread and every set, and still does everything a reload asks after the drop:
// sockets on a new interface (raw IPv4, AF_PACKET for IPv6), new VIPs, notify scripts as nobody and as root. The
// scripts report their own /proc/PID/status. Then a graceful stop still hands over.

import { afterEach, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";
import { daemonRuntimeEnv } from "../../src/daemon/runtime-env.ts";

// CAP_KILL (5), CAP_SETGID (6), CAP_SETUID (7), CAP_NET_ADMIN (12), CAP_NET_RAW (13): written out, not computed
// from the policy, so a change to the policy has to change this test too.
const KEPT = "00000000000030e0";
const NONE = "0000000000000000";
const NOBODY_UID = "65534";

let cluster: VipdCluster | null = null;
let scriptDir: string | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
  if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
  scriptDir = null;
});

/** The capability lines of /proc/PID[/task/TID]/status, e.g. { CapEff: "...", Uid: "0" }. */
function capabilitiesIn(statusText: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "Uid", "NoNewPrivs"]) {
    const value = new RegExp(`^${name}:\\s*(\\S+)`, "m").exec(statusText)?.[1];
    if (value === undefined) throw new Error(`no ${name} line in:\n${statusText}`);
    fields[name] = value;
  }
  return fields;
}

const DAEMON_SETS = { CapInh: NONE, CapPrm: KEPT, CapEff: KEPT, CapBnd: KEPT, CapAmb: NONE, Uid: "0", NoNewPrivs: "0" };

/** A script that writes its own status to out/NAME beside it: root-owned, in a directory nobody can enter. */
function statusScript(): { script: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), "vipd-caps-"));
  scriptDir = dir;
  chmodSync(dir, 0o755);
  const out = join(dir, "out");
  mkdirSync(out);
  chmodSync(out, 0o1777); // writable by nobody, and by a root without CAP_DAC_OVERRIDE
  const script = join(dir, "report-status.sh");
  writeFileSync(script, '#!/bin/sh\ncat "/proc/$$/status" > "$(dirname "$0")/out/$1"\n', { mode: 0o755 });
  return { script, out };
}

async function waitFile(path: string, timeoutMs: number): Promise<string> {
  const started = performance.now();
  for (;;) {
    try {
      const text = readFileSync(path, "utf8");
      if (text.includes("CapAmb")) return text;
    } catch {
      // not written yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${path} not written within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

test("the daemon keeps only its capabilities in every thread; reload, scripts and stop still work", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  const { script, out } = statusScript();
  c.writeConfig("a", instanceToml({ priority: 150 }));
  c.writeConfig("b", instanceToml({ priority: 100 }));
  const daemon = await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);
  expect(daemon.lines.some((l) => l.includes("capabilities: kept CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_KILL"))).toBe(true);
  expect(daemon.lines.filter((l) => l.includes("capabilities") && /warn|error/i.test(l))).toEqual([]);

  // Every thread, not only the main one: capabilities are per thread, and Bun starts its own before our code runs.
  const tasks = readdirSync(`/proc/${daemon.pid}/task`);
  expect(tasks.length).toBeGreaterThan(1);
  for (const tid of tasks) {
    expect({ tid, ...capabilitiesIn(readFileSync(`/proc/${daemon.pid}/task/${tid}/status`, "utf8")) }).toEqual({ tid, ...DAEMON_SETS });
  }

  // A new interface (a veth pair inside a's namespace) with an IPv4 and an IPv6 instance, each with a notify script.
  c.lab.must("a", ["ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1p"]);
  c.lab.must("a", ["ip", "addr", "add", "198.51.100.1/24", "dev", "eth1"]);
  c.lab.must("a", ["ip", "link", "set", "eth1p", "up"]);
  c.lab.must("a", ["ip", "link", "set", "eth1", "up"]);
  await waitFor("eth1's IPv6 link-local address", () => c.lab.addressList("a", "eth1").some((a) => a.startsWith("fe80:")), 5000);
  // A FIFO only its owner (nobody) may write to: without CAP_DAC_OVERRIDE the daemon is refused, and says so.
  const fifo = join(out, "nobody.fifo");
  expect(Bun.spawnSync(["mkfifo", "-m", "0600", fifo]).exitCode).toBe(0);
  chownSync(fifo, Number(NOBODY_UID), Number(NOBODY_UID));
  c.writeConfig(
    "a",
    [
      instanceToml({ priority: 150 }),
      instanceToml({ name: "VI_2", vrid: 52, priority: 150, vip: "198.51.100.100" })
        .replace('"eth0"', '"eth1"')
        .concat(`notify_master = { command = "${script} nobody", user = "nobody" }\nnotify_fifo = "${fifo}"\n`),
      instanceToml({ name: "VI_3", vrid: 53, priority: 150, vip: "2001:db8:1::100" })
        .replace('"eth0"', '"eth1"')
        .replace("/24", "/64")
        .concat(`notify_master = "${script} root"\n`),
    ].join("\n"),
  );
  const from = daemon.lines.length;
  daemon.proc.kill("SIGHUP");
  await daemon.waitLine((l) => l.includes("reloaded: 1 kept") && l.includes("2 added"), 5000, from);
  await c.waitState("a", "MASTER", 3000, "VI_2");
  await c.waitState("a", "MASTER", 3000, "VI_3");
  expect(
    c.lab
      .addressList("a", "eth1")
      .filter((a) => a.includes("::100/") || a.includes(".100/"))
      .sort(),
  ).toEqual(["198.51.100.100/24", "2001:db8:1::100/64"]);

  // As nobody: no capability at all, and none to regain (the bounding set is the daemon's).
  const asNobody = capabilitiesIn(await waitFile(join(out, "nobody"), 5000));
  expect(asNobody).toEqual({ CapInh: NONE, CapPrm: NONE, CapEff: NONE, CapBnd: KEPT, CapAmb: NONE, Uid: NOBODY_UID, NoNewPrivs: "0" });
  // As root: exactly the daemon's set (execve gives a root process its bounding set), not full root.
  expect(capabilitiesIn(await waitFile(join(out, "root"), 5000))).toEqual(DAEMON_SETS);
  await daemon.waitLine((l) => l.includes(`notify_fifo ${fifo} not written: EACCES`), 2000, from);
  // The reload ran after the drop and the daemon holds no more than before.
  expect(capabilitiesIn(readFileSync(`/proc/${daemon.pid}/status`, "utf8"))).toEqual(DAEMON_SETS);

  // A graceful stop still hands VI_1 over and exits 0.
  await daemon.stop(5000);
  expect(daemon.proc.exitCode).toBe(0);
  await c.waitState("b", "MASTER", 2000);
  expect(c.lab.addressList("a", "eth1").filter((a) => a.includes("::100/") || a.includes(".100/"))).toEqual([]);
}, 40_000);

test("without the in-place restart the main thread still drops, and the threads Bun started before are named", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  c.writeConfig("a", instanceToml({ priority: 150 }));
  // The runtime settings already there: vipd run does not restart itself (src/daemon/runtime-env.ts).
  const daemon = await c.start("a", [], { ...daemonRuntimeEnv(false) });
  await c.waitState("a", "MASTER", 3000);
  const { line } = await daemon.waitLine((l) => l.includes("still hold more capabilities"), 2000);
  expect(capabilitiesIn(readFileSync(`/proc/${daemon.pid}/status`, "utf8"))).toEqual(DAEMON_SETS);
  const named = /threads ([\d, ]+) still hold/.exec(line)?.[1]?.split(", ").map(Number) ?? [];
  expect(named.length).toBeGreaterThan(0);
  for (const tid of named) {
    expect(capabilitiesIn(readFileSync(`/proc/${daemon.pid}/task/${tid}/status`, "utf8")).CapEff).not.toBe(KEPT);
  }
  await daemon.stop(5000);
  expect(daemon.proc.exitCode).toBe(0);
}, 30_000);
