import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { matchesProcess, type ProcessPattern, parseStat } from "../../src/track/process-match.ts";
import { ProcessTracker, type TrackedProcess } from "../../src/track/process-tracker.ts";
import { realTimers } from "../../src/clock/timers.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { waitFor } from "../wait-for.ts";

const pattern = (over: Partial<ProcessPattern>): ProcessPattern => ({
  process: "haproxy",
  parameters: [],
  paramMatch: "none",
  fullCommand: false,
  ...over,
});

describe("matching (keepalived 2.2.7's rules)", () => {
  test("the name is compared exactly with comm, or with argv[0] under full_command", () => {
    expect(matchesProcess(pattern({}), "haproxy", null)).toBe(true);
    expect(matchesProcess(pattern({}), "haproxy-wrapper", null)).toBe(false);
    expect(matchesProcess(pattern({ process: "/usr/sbin/haproxy", fullCommand: true }), "haproxy", ["/usr/sbin/haproxy", "-f", "x"])).toBe(
      true,
    );
    expect(matchesProcess(pattern({ process: "haproxy", fullCommand: true }), "haproxy", ["/usr/sbin/haproxy"])).toBe(false);
  });

  test("param_match: exact, partial (the first N parameters), initial (the last one may be longer)", () => {
    const argv = ["/usr/sbin/haproxy", "-f", "/etc/haproxy/haproxy.cfg"];
    const p = (paramMatch: ProcessPattern["paramMatch"], parameters: string[]) =>
      matchesProcess(pattern({ process: "/usr/sbin/haproxy", fullCommand: true, paramMatch, parameters }), "haproxy", argv);
    expect([p("exact", ["-f", "/etc/haproxy/haproxy.cfg"]), p("exact", ["-f"]), p("exact", [])]).toEqual([true, false, false]);
    expect([p("partial", ["-f"]), p("partial", ["-f", "/etc/haproxy"]), p("partial", [])]).toEqual([true, false, true]);
    expect([p("initial", ["-f", "/etc/haproxy"]), p("initial", ["-x"]), p("initial", ["-f", "/etc/haproxy/haproxy.cfg", "-d"])]).toEqual([
      true,
      false,
      false,
    ]);
    // param_match with no parameters: the command must have none.
    expect(matchesProcess(pattern({ process: "/bin/x", fullCommand: true, paramMatch: "exact" }), "x", ["/bin/x"])).toBe(true);
  });

  test("/proc/PID/stat: comm with spaces and parentheses, the state and the start time", () => {
    const fields = Array.from({ length: 20 }, (_, i) => String(i)).join(" ");
    expect(parseStat(`42 (Web (Content) x) S ${fields.slice(2)}`)).toMatchObject({ comm: "Web (Content) x", state: "S" });
    expect(parseStat("garbage")).toBeNull();
  });
});

describe("ProcessTracker over a /proc tree", () => {
  let root = "";
  afterEach(() => root && rmSync(root, { recursive: true, force: true }));

  function proc(pid: number, comm: string, state = "S", cmdline = comm) {
    mkdirSync(join(root, String(pid)), { recursive: true });
    const tail = Array.from({ length: 19 }, (_, i) => (i === 18 ? String(1000 + pid) : "0")).join(" ");
    writeFileSync(join(root, String(pid), "stat"), `${pid} (${comm}) ${state} ${tail}\n`);
    writeFileSync(join(root, String(pid), "cmdline"), `${cmdline.split(" ").join("\0")}\0`);
  }
  const gone = (pid: number) => rmSync(join(root, String(pid)), { recursive: true, force: true });

  function tracker(spec: Partial<TrackedProcess>) {
    root = mkdtempSync(join(tmpdir(), "vipd-proc-"));
    const timers = new FakeTimers();
    const changes: string[] = [];
    const full: TrackedProcess = {
      name: "web",
      ...pattern({}),
      quorum: 1,
      quorumMax: null,
      forkDelayMs: 0,
      terminateDelayMs: 0,
      ...spec,
    };
    const t = new ProcessTracker(
      [full],
      1000,
      timers,
      (name, up, count) => changes.push(`${timers.now()} ${name} ${up ? "up" : "down"} ${count}`),
      root,
    );
    return { timers, changes, t };
  }

  test("the first scan reports at once; later changes at the next scan; zombies do not count", () => {
    const { timers, changes, t } = tracker({});
    proc(100, "haproxy");
    proc(101, "haproxy", "Z");
    t.start();
    gone(100);
    timers.advance(1000);
    proc(102, "haproxy");
    timers.advance(1000);
    t.stop();
    expect(changes).toEqual(["0 web up 1", "1000 web down 0", "2000 web up 1"]);
  });

  test("quorum and quorum_max: up only while the count is within [quorum, quorum_max]", () => {
    const { timers, changes, t } = tracker({ quorum: 2, quorumMax: 3 });
    proc(100, "haproxy");
    t.start();
    proc(101, "haproxy");
    timers.advance(1000);
    proc(102, "haproxy");
    proc(103, "haproxy");
    timers.advance(1000);
    t.stop();
    expect(changes).toEqual(["0 web down 1", "1000 web up 2", "2000 web down 4"]);
  });

  test("terminate_delay: a restart within the delay is not seen; a longer absence is, after the delay", () => {
    const { timers, changes, t } = tracker({ terminateDelayMs: 2500, forkDelayMs: 0 });
    proc(100, "haproxy");
    t.start();
    gone(100);
    timers.advance(1000); // counted 0: down pending until 3500
    proc(101, "haproxy");
    timers.advance(1000); // back: the pending change is cancelled
    gone(101);
    timers.advance(1000); // 3000: pending until 5500
    timers.advance(2499);
    expect(changes).toEqual(["0 web up 1"]);
    timers.advance(1);
    t.stop();
    expect(changes).toEqual(["0 web up 1", "5500 web down 0"]);
  });

  test("full_command reads argv, once per process", () => {
    const { timers, changes, t } = tracker({ process: "/usr/sbin/haproxy", fullCommand: true, paramMatch: "partial", parameters: ["-f"] });
    proc(100, "haproxy", "S", "/usr/sbin/haproxy -f /etc/h.cfg");
    proc(101, "haproxy", "S", "/usr/sbin/haproxy -v");
    t.start();
    // The command line is not read again for a known process (keepalived does not follow cmdline changes either).
    writeFileSync(join(root, "100", "cmdline"), "other\0");
    timers.advance(1000);
    t.stop();
    expect(changes).toEqual(["0 web up 1"]);
  });
});

describe("ProcessTracker on this machine's /proc", () => {
  test("a process started and killed is counted, then not (real timers, bounded waits)", async () => {
    // A copy of sleep under a name nothing else runs, so other processes on the machine do not count.
    const dir = mkdtempSync(join(tmpdir(), "vipd-track-"));
    const name = `vt${process.pid % 100000}slp`;
    const binary = join(dir, name);
    writeFileSync(binary, readFileSync("/bin/sleep"));
    chmodSync(binary, 0o755);
    const changes: string[] = [];
    const spec: TrackedProcess = {
      name: "p",
      ...pattern({ process: name }),
      quorum: 1,
      quorumMax: null,
      forkDelayMs: 0,
      terminateDelayMs: 0,
    };
    const t = new ProcessTracker([spec], 50, realTimers, (_n, up, count) => changes.push(`${up ? "up" : "down"} ${count}`));
    const child = Bun.spawn([binary, "30"]);
    try {
      t.start();
      expect(await waitFor(() => changes.includes("up 1"), 2000)).toBe(true);
      child.kill("SIGKILL");
      await child.exited;
      expect(await waitFor(() => changes.includes("down 0"), 2000)).toBe(true);
      expect(changes).toEqual(["up 1", "down 0"]);
    } finally {
      t.stop();
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
