import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { identifyProcess, isRunning } from "../../src/lab/process-identity.ts";
import { runCommand } from "../../src/process/run-command.ts";
import { waitFor } from "../wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("reports exit codes without a shell", async () => {
  expect((await runCommand({ argv: ["/bin/true"] })).exitCode).toBe(0);
  expect((await runCommand({ argv: ["/bin/false"] })).exitCode).toBe(1);
  // No shell: the metacharacters reach the program as words.
  const echo = await runCommand({ argv: ["/bin/sh", "-c", 'test "$0" = ";"', ";"] });
  expect(echo.exitCode).toBe(0);
});

test("a program that does not exist is a failure, not an exception", async () => {
  const result = await runCommand({ argv: ["/nonexistent/script.sh"] });
  expect(result.exitCode).toBeNull();
  expect(result.spawnError).toBe("ENOENT");
});

test("a timeout kills the script and every process it started", async () => {
  const pidFile = join(dir, "child.pid");
  const started = performance.now();
  const result = await runCommand({ argv: ["/bin/sh", "-c", `sleep 30 & echo $! > ${pidFile}; sleep 30`], timeoutMs: 150 });
  expect(result.timedOut).toBe(true);
  expect(result.signal).toBe("SIGKILL");
  expect(performance.now() - started).toBeLessThan(5000);
  // A killed grandchild may linger as a zombie until init reaps it: that is not running.
  const grandchild = identifyProcess(Number(readFileSync(pidFile, "utf8")));
  expect(await waitFor(() => grandchild === null || !isRunning(grandchild), 2000)).toBe(true);
});

test("runs as another user when asked", async () => {
  const result = await runCommand({ argv: ["/bin/sh", "-c", 'test "$(id -u):$(id -g)" = "65534:65534"'], uid: 65534, gid: 65534 });
  expect(result.exitCode).toBe(0);
});

test("keeps the start of stderr for the log", async () => {
  const result = await runCommand({ argv: ["/bin/sh", "-c", "echo broken >&2; exit 3"] });
  expect([result.exitCode, result.stderr.trim()]).toEqual([3, "broken"]);
});

test("a script whose child keeps its stderr open leaks no descriptor: 30 runs, the fd count stays flat", async () => {
  const fds = () => readdirSync("/proc/self/fd").length;
  const children: number[] = [];
  const run = async () => {
    const pidFile = join(dir, `bg-${children.length}.pid`);
    // The background sleep inherits stderr and outlives the script.
    const result = await runCommand({ argv: ["/bin/sh", "-c", `echo last words >&2; sleep 30 & echo $! > ${pidFile}; exit 0`] });
    children.push(Number(readFileSync(pidFile, "utf8")));
    return result;
  };
  try {
    const first = await run();
    expect(first.exitCode).toBe(0);
    expect(first.stderr.trim()).toBe("last words");
    await Bun.sleep(20);
    const before = fds();
    for (let i = 0; i < 30; i++) await run();
    await Bun.sleep(20);
    expect(fds() - before).toBeLessThanOrEqual(2);
  } finally {
    for (const pid of children) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
});

test("keeps only the first KiB of a chatty stderr, and the script never blocks on a full pipe", async () => {
  // 200 KB: more than a pipe holds, so a reader that stopped reading would leave the script hung.
  const result = await runCommand({ argv: ["/bin/sh", "-c", "head -c 200000 /dev/zero | tr '\\0' e >&2; exit 4"], timeoutMs: 10_000 });
  expect([result.exitCode, result.timedOut, result.stderr.length]).toEqual([4, false, 1024]);
  expect(result.stderr).toBe("e".repeat(1024));
});

test("reports the signal that ended a script", async () => {
  const result = await runCommand({ argv: ["/bin/sh", "-c", "kill -USR1 $$"] });
  expect([result.exitCode, result.signal, result.timedOut, result.spawnError]).toEqual([null, "SIGUSR1", false, null]);
});

test("aborting ends the script's whole process group: SIGTERM, then SIGKILL for one that ignores it", async () => {
  const pidFile = join(dir, "abort-child.pid");
  const abort = new AbortController();
  const running = runCommand({ argv: ["/bin/sh", "-c", `sleep 30 & echo $! > ${pidFile}; sleep 30`], signal: abort.signal });
  expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", 5000)).toBe(true);
  abort.abort();
  const result = await running;
  expect([result.signal, result.timedOut]).toEqual(["SIGTERM", false]);
  const grandchild = identifyProcess(Number(readFileSync(pidFile, "utf8")));
  expect(await waitFor(() => grandchild === null || !isRunning(grandchild), 2000)).toBe(true);

  const stubborn = new AbortController();
  const ignoring = runCommand({ argv: ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"], signal: stubborn.signal });
  await Bun.sleep(100);
  stubborn.abort();
  expect((await ignoring).signal).toBe("SIGKILL");
});
