// track_process between compiled vipd daemons: the MASTER tracks a process (weight 0: FAULT without it); when the
// process dies the backup takes over, when it runs again the MASTER preempts back.

import { afterEach, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

let cluster: VipdCluster | null = null;
const children: ReturnType<typeof Bun.spawn>[] = [];
let dir = "";
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await cluster?.destroy();
  cluster = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a tracked process dying puts the MASTER in FAULT and the backup takes over; its return brings it back", async () => {
  vipdBinary();
  // A copy of sleep under a name nothing else on the machine runs.
  dir = mkdtempSync(join(tmpdir(), "vipd-tp-"));
  const name = `vt${process.pid % 100000}web`;
  const binary = join(dir, name);
  writeFileSync(binary, readFileSync("/bin/sleep"));
  chmodSync(binary, 0o755);
  children.push(Bun.spawn([binary, "120"]));

  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  const tracked = [`[track_processes.web]`, `process = "${name}"`, "weight = 0", ""].join("\n");
  c.writeConfig(
    "a",
    `[global]\ntrack_process_interval = 0.1\n${tracked}\n${instanceToml({ priority: 150, extra: ['track_process = ["web"]'] })}`,
  );
  c.writeConfig("b", instanceToml({ priority: 100 }));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);

  children[0]!.kill("SIGKILL");
  await c.waitState("a", "FAULT", 2000);
  await c.waitState("b", "MASTER", 2000);
  expect((await c.status("a")).instances[0]!.fault).toBe("tracker process:web is down");

  children.push(Bun.spawn([binary, "120"]));
  await c.waitState("a", "MASTER", 3000);
  await c.waitState("b", "BACKUP", 2000);
}, 60_000);
