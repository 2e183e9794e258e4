// `vipd run`'s restart in place under its runtime settings (src/daemon/runtime-restart.ts), for real: a process
// that restarts itself (same PID) with what the file calls for — the baseline JIT off without virtual servers.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "vipd-runtime-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probe = join(import.meta.dir, "fixtures", "runtime-restart-probe.ts");

function restarted(
  name: string,
  text: string,
  env: Record<string, string> = {},
): { pid: number; spawned: number; env: Record<string, string | null> } {
  const config = join(dir, name);
  writeFileSync(config, text);
  const proc = Bun.spawnSync([process.execPath, probe, config], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    timeout: 30_000,
  });
  if (proc.exitCode !== 0) throw new Error(`the probe exited ${proc.exitCode}: ${proc.stderr.toString()}`);
  return { ...JSON.parse(proc.stdout.toString()), spawned: proc.pid };
}

test("without virtual servers the process restarts in place with the baseline JIT off", () => {
  const r = restarted("vrrp.toml", '[instances.VI_1]\ninterface = "eth0"\n');
  expect(r.pid).toBe(r.spawned);
  expect(r.env).toEqual({
    BUN_GC_TIMER_INTERVAL: "60000",
    BUN_JSC_useDFGJIT: "0",
    BUN_JSC_useBaselineJIT: "0",
    VIPD_RUNTIME_ADDED: "BUN_GC_TIMER_INTERVAL,BUN_JSC_useDFGJIT,BUN_JSC_useBaselineJIT",
  });
});

test("with virtual servers it keeps the baseline JIT; started as the systemd unit starts it, it does not restart", () => {
  const lb = '[virtual_servers."203.0.113.1:80"]\naddress = "203.0.113.1"\nport = 80\n';
  expect(restarted("lb.toml", lb).env).toEqual({
    BUN_GC_TIMER_INTERVAL: "60000",
    BUN_JSC_useDFGJIT: "0",
    BUN_JSC_useBaselineJIT: null,
    VIPD_RUNTIME_ADDED: "BUN_GC_TIMER_INTERVAL,BUN_JSC_useDFGJIT",
  });
  // The unit's environment, marked as given (VIPD_RUNTIME_ADDED): nothing is missing, so nothing changes.
  const unit = { BUN_GC_TIMER_INTERVAL: "60000", BUN_JSC_useDFGJIT: "0", VIPD_RUNTIME_ADDED: "BUN_GC_TIMER_INTERVAL,BUN_JSC_useDFGJIT" };
  expect(restarted("lb.toml", lb, unit).env).toEqual({ ...unit, BUN_JSC_useBaselineJIT: null });
});

test("an unreadable file counts as one without virtual servers (the daemon's own read then says why)", () => {
  const proc = Bun.spawnSync([process.execPath, probe, join(dir, "missing.toml")], {
    env: { PATH: process.env.PATH ?? "/bin" },
    timeout: 30_000,
  });
  expect(proc.exitCode).toBe(0);
  expect(JSON.parse(proc.stdout.toString()).env.BUN_JSC_useBaselineJIT).toBe("0");
});
