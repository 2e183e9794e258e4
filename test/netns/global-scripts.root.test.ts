// keepalived's startup_script, shutdown_script and notify_fifo_script around a real daemon: the startup script runs
// before the instances start, the shutdown script after the VIPs are gone, and the FIFO's reader gets every line
// from the first one on (vipd creates the FIFO, holds it open, and removes it at stop).

import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

test("startup_script before the instances, shutdown_script after the VIPs are released, notify_fifo_script reads every line", async () => {
  vipdBinary();
  const c = await VipdCluster.create(["a"], false);
  cluster = c;
  const dir = c.lab.dir;
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return path;
  };
  const fifo = join(dir, "notify.fifo");
  const startup = script("startup.sh", `echo "started $1" > ${dir}/startup.out`);
  const shutdown = script("shutdown.sh", `ip -o address show > ${dir}/shutdown.out`);
  const reader = script("reader.sh", `exec cat "$1" > ${dir}/fifo.out`);
  c.writeConfig(
    "a",
    [
      `[global]\nstartup_script = "${startup} now"\nstartup_script_timeout = 5\nshutdown_script = "${shutdown}"\n`,
      instanceToml({ priority: 150, extra: [`notify_fifo = "${fifo}"`, `notify_fifo_script = "${reader}"`] }),
    ].join("\n"),
  );
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  expect(readFileSync(join(dir, "startup.out"), "utf8")).toBe("started now\n");
  expect(c.holds("a", "192.0.2.100")).toBe(true);
  await c.daemon("a").stop(5000);

  const log = c.daemon("a").lines;
  const at = (text: string) => log.findIndex((l) => l.includes(text));
  expect(at(`startup script ${startup} now exited with status 0`)).toBeGreaterThanOrEqual(0);
  expect(at(`startup script ${startup} now exited`)).toBeLessThan(at("(VI_1) Entering BACKUP STATE from INIT"));
  expect(at(`shutdown script ${shutdown} exited with status 0`)).toBeGreaterThan(at("(VI_1) Entering STOP STATE"));
  expect(readFileSync(join(dir, "shutdown.out"), "utf8")).not.toContain("192.0.2.100");
  // Every line, the first written before the reader had even opened the FIFO; the reader ended at end of file.
  expect(readFileSync(join(dir, "fifo.out"), "utf8")).toBe(
    'INSTANCE "VI_1" BACKUP 150\nINSTANCE "VI_1" MASTER 150\nINSTANCE "VI_1" STOP 150\n',
  );
  expect(log.some((l) => /notify FIFO script \S+reader\.sh \S+notify\.fifo exited with status 0/.test(l))).toBe(true);
  expect(existsSync(fifo)).toBe(false);
}, 30_000);
