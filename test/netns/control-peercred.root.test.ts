// The control socket checks who is asking before it changes state. A real daemon's socket is loosened to 0666 (as
// a careless chmod or a wrong directory would), then `vipd handover` is run as the unprivileged user nobody: the
// daemon refuses it by the connection's credentials (SO_PEERCRED), says so at the client, logs uid and pid, and the
// VIP stays; nobody may still read the status. The same command as root moves the VIP.

import { afterEach, expect, test } from "bun:test";
import { chmodSync, statSync } from "node:fs";
import { instanceToml, VipdCluster, vipdBinary } from "./vipd-cluster.ts";

const VIP = "192.0.2.100";
const NOBODY = 65534;
// v3 at 0.1 s: a takeover, had one started, would be over well within this.
const SETTLE_MS = 1000;

let cluster: VipdCluster | null = null;
afterEach(async () => {
  await cluster?.destroy();
  cluster = null;
});

/** Runs the compiled vipd with `args`, as `uid` (setpriv drops the user, its group and every supplementary one). */
async function vipdAs(uid: number, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const drop = uid === 0 ? [] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--"];
  const proc = Bun.spawn([...drop, vipdBinary(), ...args], { stdout: "pipe", stderr: "pipe" });
  const code = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => null)]);
  if (code === null) {
    proc.kill("SIGKILL");
    throw new Error(`vipd ${args.join(" ")} as uid ${uid} did not finish in 10 s`);
  }
  return { code, stdout: await new Response(proc.stdout).text(), stderr: await new Response(proc.stderr).text() };
}

test("a loosened socket (0666): nobody's handover is refused and logged, the VIP stays; nobody reads status; root's handover moves it", async () => {
  if (process.getuid?.() !== 0) throw new Error("this test must run as root: it starts vipd and runs a client as nobody");
  if (Bun.which("setpriv") === null) throw new Error("setpriv (util-linux) is needed to run the client as nobody");
  vipdBinary();
  const c = await VipdCluster.create(["a", "b"], false);
  cluster = c;
  c.writeConfig("a", instanceToml({ priority: 150 }));
  c.writeConfig("b", instanceToml({ priority: 100 }));
  await c.start("a");
  await c.waitState("a", "MASTER", 3000);
  await c.start("b");
  await c.waitState("b", "BACKUP", 3000);

  const socket = c.socketPath("a");
  expect(statSync(socket).mode & 0o777).toBe(0o600);
  // The mistake this guards against: the socket, and the way to it, open to everyone.
  chmodSync(socket, 0o666);
  chmodSync(c.lab.dir, 0o711);

  const refused = await vipdAs(NOBODY, ["handover", "VI_1", "-s", socket]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^vipd handover needs root: uid 65534 \(pid \d+\) may not change state; only root may\n$/);
  const clientPid = /\(pid (\d+)\)/.exec(refused.stderr)![1];
  const logged = c.daemon("a").lines.find((l) => l.includes("refused 'handover'"));
  expect(logged).toContain(`refused 'handover' from uid 65534 pid ${clientPid}: `);
  const undo = await vipdAs(NOBODY, ["handover", "VI_1", "--undo", "-s", socket]);
  expect(undo.code).toBe(1);
  expect(undo.stderr).toStartWith("vipd handover needs root: uid 65534");
  expect(c.daemon("a").lines.some((l) => l.includes("refused 'handover --undo' from uid 65534 pid"))).toBe(true);

  // Nothing moved.
  await Bun.sleep(SETTLE_MS);
  const held = (await c.status("a")).instances[0]!;
  expect({ state: held.state, held: held.held }).toEqual({ state: "MASTER", held: false });
  expect(await c.state("b")).toBe("BACKUP");
  expect(c.holders(VIP)).toEqual(["a"]);
  expect(c.daemon("a").lines.some((l) => l.includes("handover requested"))).toBe(false);

  // Reading is for whoever can connect.
  const status = await vipdAs(NOBODY, ["status", "-s", socket]);
  expect(status.code, status.stderr).toBe(0);
  expect(status.stdout).toContain("VI_1");
  expect(status.stdout).toContain("MASTER");

  // Root is obeyed: a hands over to b and stays BACKUP.
  const accepted = await vipdAs(0, ["handover", "VI_1", "-s", socket]);
  expect(accepted.code, accepted.stderr).toBe(0);
  await c.waitState("b", "MASTER", 3000);
  await c.waitState("a", "BACKUP", 3000);
  expect((await c.status("a")).instances[0]!.held).toBe(true);
  expect(c.holders(VIP)).toEqual(["b"]);
}, 60_000);
