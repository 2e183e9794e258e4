// `vipd run` restarts itself once, in place, under the runtime settings Bun reads only at process start
// (src/daemon/runtime-env.ts): same PID, same arguments, nothing of the first image left open.

import { afterEach, expect, test } from "bun:test";
import { copyFileSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

function environ(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8")
    .split("\0")
    .filter((e) => e.includes("="));
  return new Map(entries.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

function descriptorTargets(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return "gone";
    }
  });
}

async function oneNode(): Promise<VipdCluster> {
  vipdBinary();
  const c = await VipdCluster.create(["a"], false);
  cluster = c;
  c.writeConfig("a", instanceToml({ priority: 150 }));
  return c;
}

test("the daemon restarts in place with BUN_GC_TIMER_INTERVAL set, and still works", async () => {
  const c = await oneNode();
  // The last -c wins: a copy of the config under a non-ASCII name, which must survive the restart byte for byte.
  const accented = join(c.lab.dir, "configuración-a.toml");
  copyFileSync(c.configPath("a"), accented);
  const daemon = await c.start("a", ["-c", accented], { BUN_GC_TIMER_INTERVAL: null });
  const pid = daemon.pid;
  // The spawned PID is the daemon (env and sh exec), now running with the setting it did not start with.
  expect(environ(pid).get("BUN_GC_TIMER_INTERVAL")).toBe("60000");
  expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, 8)).toEqual([
    vipdBinary(),
    "run",
    "-c",
    c.configPath("a"),
    "-s",
    c.socketPath("a"),
    "-c",
    accented,
  ]);
  // It keeps its name (ps, pgrep vipd): the restart ran the binary by its path, not as /proc/self/exe.
  expect(readFileSync(`/proc/${pid}/comm`, "utf8").trim()).toBe("vipd");
  // The first image's descriptors were closed on exec: one event loop (epoll) only.
  expect(descriptorTargets(pid).filter((t) => t === "anon_inode:[eventpoll]")).toHaveLength(1);
  await c.waitState("a", "MASTER", 3000);
  expect(daemon.lines.some((l) => l.includes("default runtime settings"))).toBe(false);
}, 30_000);

test("a value the user set is kept (no restart over it)", async () => {
  const c = await oneNode();
  const daemon = await c.start("a", [], { BUN_GC_TIMER_INTERVAL: "5000" });
  expect(environ(daemon.pid).get("BUN_GC_TIMER_INTERVAL")).toBe("5000");
  await c.waitState("a", "MASTER", 3000);
}, 30_000);
