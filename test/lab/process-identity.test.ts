// Processes named by PID and start time (src/lab/process-identity.ts): the /proc/PID/stat parser, and checks and
// signals that never reach a process that merely got the same PID. No root needed.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { identifyProcess, isRunning, parseProcStat, signalProcess, statFields } from "../../src/lab/process-identity.ts";
import { waitFor } from "../wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-identity-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A /proc/PID/stat line as the kernel writes it (52 fields), with the given comm, state and start time. */
function statLine(pid: number, comm: string, state: string, startTicks: number): string {
  const rest = Array.from({ length: 49 }, (_, i) => (i === 22 - 4 ? String(startTicks) : String(i + 100)));
  return `${pid} (${comm}) ${state} ${rest.join(" ")}\n`;
}

describe("parseProcStat", () => {
  test("reads state (field 3) and start time (field 22)", () => {
    expect(parseProcStat(statLine(4242, "vipd", "S", 987654))).toEqual({ state: "S", startTicks: 987654 });
  });

  test("a comm holding spaces and ') (' does not shift the fields: they start after the last ')'", () => {
    expect(parseProcStat(statLine(77, "x) (y", "R", 31337))).toEqual({ state: "R", startTicks: 31337 });
    expect(parseProcStat(statLine(78, ") S 1 2 3 (", "Z", 5))).toEqual({ state: "Z", startTicks: 5 });
    expect(statFields(statLine(79, "a b) (c d", "D", 1))?.[0]).toBe("D");
  });

  test("malformed text is null, never a wrong number", () => {
    expect(parseProcStat("")).toBeNull();
    expect(parseProcStat("12 (truncated) S 1 2 3")).toBeNull();
    expect(parseProcStat("12 no-parentheses S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22")).toBeNull();
    expect(parseProcStat(statLine(12, "x", "S", 1).replace(" 1 ", " one "))).toBeNull();
  });
});

describe("real processes", () => {
  test("this process: identified, running; the same PID with another start time is not", () => {
    const me = identifyProcess(process.pid);
    expect(me).not.toBeNull();
    expect(isRunning(me!)).toBe(true);
    expect(isRunning({ pid: me!.pid, startTicks: me!.startTicks + 1 })).toBe(false);
    expect(identifyProcess(0)).toBeNull();
    expect(identifyProcess(Number.NaN)).toBeNull();
  });

  test("a program whose name holds ') (' is parsed from the kernel's own stat line", async () => {
    const program = join(dir, "a) (b");
    symlinkSync("/bin/sleep", program);
    const child = Bun.spawn([program, "30"], { stdout: "ignore", stderr: "ignore" });
    try {
      expect(await waitFor(() => readFileSync(`/proc/${child.pid}/comm`, "utf8").trim() === "a) (b", 2000)).toBe(true);
      const id = identifyProcess(child.pid);
      expect(id?.pid).toBe(child.pid);
      // Started after this process did (start times count clock ticks from boot).
      expect(id!.startTicks).toBeGreaterThanOrEqual(identifyProcess(process.pid)!.startTicks);
      expect(isRunning(id!)).toBe(true);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  });

  test("signals reach only the process identified; after it exits it is no longer running", async () => {
    const child = Bun.spawn(["sleep", "30"], { stdout: "ignore", stderr: "ignore" });
    const id = identifyProcess(child.pid)!;
    expect(id).not.toBeNull();
    // Same PID, another start time: a different process as far as we know; nothing is sent.
    expect(signalProcess({ pid: id.pid, startTicks: id.startTicks + 1 }, "SIGKILL")).toBe(false);
    expect(isRunning(id)).toBe(true);
    expect(signalProcess(id, "SIGKILL")).toBe(true);
    await child.exited;
    expect(isRunning(id)).toBe(false);
    expect(signalProcess(id, "SIGKILL")).toBe(false);
  });
});
