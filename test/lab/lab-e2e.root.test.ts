// `vipd lab` end to end, as a user runs it: the compiled executable (built here from build.ts, so the routers
// run by re-executing it), as root. One full default run, one run interrupted with SIGINT, and non-root refused.
// Needs root, iproute2, tcpdump and ping; fails loudly without them (never skips).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { namespacesWithPrefix } from "../../src/lab/netns-lab.ts";
import { labPrefix } from "../../src/lab/plan.ts";
import { identifyProcess, isRunning, type ProcessIdentity } from "../../src/lab/process-identity.ts";

const root = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "vipd-lab-test-"));
const binary = join(dir, "vipd");

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error("the lab tests need root (the lab creates network namespaces)");
  for (const tool of ["ip", "tcpdump", "ping"])
    if (!Bun.which(tool)) throw new Error(`the lab tests need ${tool} (scripts/install-deps.sh)`);
  const build = Bun.spawnSync([process.execPath, join(root, "build.ts"), "--outfile", binary], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build.ts failed: ${build.stderr.toString()}`);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Leftovers of the lab run by `pid`: its namespaces and its temp directory. */
function leftovers(pid: number): string[] {
  const prefix = labPrefix(pid);
  return [...namespacesWithPrefix(`${prefix}-`), ...readdirSync(tmpdir()).filter((n) => n.startsWith(`${prefix}-`))];
}

test("vipd lab: election, four scenarios and a summary, all as expected; nothing left behind", async () => {
  // NO_COLOR unset on purpose: output to a pipe must be plain by itself.
  const env = { ...process.env };
  delete env.NO_COLOR;
  const proc = Bun.spawn([binary, "lab"], { stdout: "pipe", stderr: "pipe", env });
  const timer = setTimeout(() => proc.kill("SIGINT"), 45_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) console.error(stdout, stderr);
  expect(code).toBe(0);
  expect(stdout).toContain(`network namespaces ${labPrefix(proc.pid)}-*`);
  expect(stdout).toMatch(/election\n {2}r1 MASTER, r2 BACKUP, r3 BACKUP/);
  for (const heading of ["1. hard failure", "2. graceful stop", "3. master returns", "4. health check fails"]) {
    expect(stdout).toContain(`\n${heading}`);
  }
  expect(stdout.match(/verdict: {2}PASS/g)?.length).toBe(4);
  const summary = stdout.slice(stdout.indexOf("\nsummary\n"));
  expect(summary).toMatch(/scenario +expected +outage +lost +verdict/);
  expect(summary.match(/PASS/g)?.length).toBe(4);
  expect(summary).toContain("all 4 scenarios behaved as expected");
  expect(stdout).not.toContain("\u001b[");
  expect(leftovers(proc.pid)).toEqual([]);
}, 60_000);

test("vipd lab --vmac: the client's neighbour entry is the virtual MAC before and after the failover", async () => {
  const proc = Bun.spawn([binary, "lab", "--vmac", "--routers", "2"], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGINT"), 45_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) console.error(stdout, stderr);
  expect(stdout).toContain("use_vmac: every router answers for the VIP from the virtual router MAC 00:00:5e:00:01:33");
  expect(stdout).toContain("client's neighbour entry for 192.0.2.100 now: 00:00:5e:00:01:33 (the virtual router MAC)");
  expect(stdout).toContain("client's neighbour entry for 192.0.2.100 after the failover: 00:00:5e:00:01:33 (the virtual router MAC)");
  // The scenarios' timing verdicts are the default run's to prove (above); here the run must only get through them
  // (exit 1 is a verdict that failed on a loaded machine, never an error).
  expect(stdout).toMatch(/\n(all 4|\d of 4) scenarios behaved as expected/);
  expect(stderr).not.toContain("vipd lab:");
  expect([0, 1]).toContain(code);
  expect(leftovers(proc.pid)).toEqual([]);
}, 60_000);

test("SIGINT in the middle: the lab stops its processes, removes its namespaces and exits 130", async () => {
  const proc = Bun.spawn([binary, "lab"], { stdout: "pipe", stderr: "pipe" });
  const prefix = labPrefix(proc.pid);
  let stdout = "";
  const reader = (async () => {
    for await (const chunk of proc.stdout) stdout += new TextDecoder().decode(chunk);
  })();
  // Wait (bounded) until the lab is in its first scenario.
  for (let i = 0; i < 300 && !stdout.includes("\n1. hard failure"); i++) await Bun.sleep(50);
  expect(stdout).toContain("\n1. hard failure");
  const namespaces = namespacesWithPrefix(`${prefix}-`);
  expect(namespaces.length).toBe(5); // bridge, three routers, client
  // Identified now (PID and start time): after the run, a reused PID must not count as a survivor.
  const processes = namespaces
    .flatMap((ns) => Bun.spawnSync(["ip", "netns", "pids", ns]).stdout.toString().split("\n").filter(Boolean).map(Number))
    .map(identifyProcess)
    .filter((id): id is ProcessIdentity => id !== null);
  expect(processes.length).toBeGreaterThanOrEqual(5); // three daemons, tcpdump, ping
  proc.kill("SIGINT");
  const exited = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => "timeout" as const)]);
  if (exited === "timeout") proc.kill("SIGKILL");
  await reader;
  expect(exited).toBe(130);
  expect(await new Response(proc.stderr).text()).toContain("SIGINT: stopping the lab's processes and removing its namespaces");
  expect(leftovers(proc.pid)).toEqual([]);
  expect(processes.filter(isRunning)).toEqual([]);
}, 30_000);

test("not root: one clear sentence, exit 1, nothing created", () => {
  const setpriv = Bun.which("setpriv");
  if (!setpriv) throw new Error("this test needs setpriv (util-linux)");
  chmodSync(dir, 0o755);
  const r = Bun.spawnSync([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", binary, "lab"], { stdout: "pipe", stderr: "pipe" });
  expect(r.exitCode).toBe(1);
  expect(r.stderr.toString()).toContain("vipd lab must run as root");
  expect(r.stdout.toString()).toBe("");
  expect(leftovers(r.pid)).toEqual([]);
});
