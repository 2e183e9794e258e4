import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryLogs } from "../../src/daemon/log.ts";
import type { UserLookup } from "../../src/adapters/user-lookup.ts";
import type { RunOptions, RunResult } from "../../src/process/run-command.ts";
import { TRACK_FILE_MODE, TrackerSet } from "../../src/track/tracker-set.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { instance, loadOk } from "../config/helpers.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vipd-trackers-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const result = (exitCode: number): RunResult => ({
  exitCode,
  signal: null,
  timedOut: false,
  spawnError: null,
  durationMs: 1,
  stderr: "",
  pid: 1,
});

/** A runner whose scripts exit with what `exits` says for their program, recording every run. */
function fakeRunner(exits: Record<string, number>) {
  const runs: RunOptions[] = [];
  const runner = async (options: RunOptions) => {
    runs.push(options);
    return result(exits[options.argv[0]!] ?? 0);
  };
  return { runs, runner };
}

function trackerSet(exits: Record<string, number>, lookupUser: UserLookup = () => ({ uid: 1000, gid: 1000 })) {
  const timers = new FakeTimers();
  const lines: string[] = [];
  const changes: string[] = [];
  const { runs, runner } = fakeRunner(exits);
  const set = new TrackerSet({ runner, timers, log: memoryLogs(lines)("track"), lookupUser }, (tracker, up, value) =>
    changes.push(`${tracker} ${up ? "up" : "down"}${value === undefined ? "" : ` ${value}`}`),
  );
  return { set, timers, lines, changes, runs };
}

/** Lets the fake runner's promises settle after the clock moved. */
const settle = () => Bun.sleep(0);

const script = (name: string, program: string, extra = "") => `[scripts.${name}]\nscript = "${program}"\ninterval = 1\n${extra}`;

test("scripts go down after `fall` failures, by the tracker names the core knows, and run as their own user", async () => {
  const config = loadOk(`${script("chk", "/bin/false", 'fall = 2\nuser = "www-data"')}\n${instance("VI_1", 'track_script = ["chk"]')}`);
  const t = trackerSet({ "/bin/false": 1 }, (user) => (user === "www-data" ? { uid: 33, gid: 33 } : null));
  t.set.sync(config, null);
  for (let i = 0; i < 3; i++) {
    t.timers.advance(1000);
    await settle();
  }
  expect(t.changes).toEqual(["script:chk down"]);
  expect(t.runs[0]).toMatchObject({ argv: ["/bin/false"], uid: 33, gid: 33 });
  // keepalived's wording, with the deciding run's exit status and duration; every run is a debug line.
  expect(t.lines).toContain("info track: VRRP_Script(chk) failed: now down (last run exited with status 1 after 1 ms)");
  expect(t.lines.filter((l) => l === "debug track: VRRP_Script(chk) exited with status 1 after 1 ms")).toHaveLength(3);
  t.set.stop();
});

test("a reload keeps a script whose check is unchanged (and its state), restarts a changed one, stops a removed one", async () => {
  const t = trackerSet({ "/bin/false": 1 });
  const both = loadOk(`${script("a", "/bin/false")}\n${script("b", "/bin/true")}\n${instance("VI_1", 'track_script = ["a", "b"]')}`);
  t.set.sync(both, null);
  t.timers.advance(0);
  await settle();
  expect(t.changes).toEqual(["script:a down"]);
  // Same check for a; b removed: a is neither restarted nor reported again, b never runs again.
  t.set.sync(loadOk(`${script("a", "/bin/false")}\n${instance("VI_1", 'track_script = ["a"]')}`), null);
  const runsBefore = t.runs.filter((r) => r.argv[0] === "/bin/true").length;
  for (let i = 0; i < 3; i++) {
    t.timers.advance(1000);
    await settle();
  }
  expect(t.changes).toEqual(["script:a down"]);
  expect(t.runs.filter((r) => r.argv[0] === "/bin/true").length).toBe(runsBefore);
  // A changed check is a new tracker: init_fail reports it down before its first run.
  t.set.sync(loadOk(`${script("a", "/bin/false", "init_fail = true")}\n${instance("VI_1", 'track_script = ["a"]')}`), null);
  expect(t.changes.at(-1)).toBe("script:a down");
  expect(t.changes.length).toBe(2);
  t.set.stop();
  const runs = t.runs.length;
  t.timers.advance(5000);
  await settle();
  expect(t.runs.length).toBe(runs);
});

test("track files: init_file writes the value when missing, the number is reported, a missing file counts as 0 with a warning", async () => {
  const file = join(dir, "weight");
  const missing = join(dir, "absent");
  const config = loadOk(
    `[track_files.w]\nfile = "${file}"\nweight = 1\ninit_file = 7\n[track_files.m]\nfile = "${missing}"\nweight = 1\n${instance("VI_1", 'track_file = ["w", "m"]')}`,
  );
  const t = trackerSet({});
  t.set.sync(config, null);
  await Bun.sleep(20);
  t.timers.advance(0);
  expect(readFileSync(file, "utf8")).toBe("7\n");
  expect(t.changes).toContain("file:w up 7");
  expect(t.changes).toContain("file:m up 0");
  expect(t.lines.join("\n")).toContain(`track file m: ${missing} is missing; counting it as 0`);
  // Created by vipd with its own mode, whatever the umask.
  expect(statSync(file).mode & 0o777).toBe(TRACK_FILE_MODE);
  writeFileSync(file, "3\n");
  t.set.stop();
});

test("init_file never writes through a symbolic link: a dangling one is not followed to create its target", async () => {
  const target = join(dir, "victim");
  const dangling = join(dir, "dangling");
  symlinkSync(target, dangling);
  const precious = join(dir, "precious");
  writeFileSync(precious, "keep me\n");
  const linked = join(dir, "linked");
  symlinkSync(precious, linked);
  const config = loadOk(
    `[track_files.d]\nfile = "${dangling}"\nweight = 1\ninit_file = 7\n` +
      `[track_files.l]\nfile = "${linked}"\nweight = 1\ninit_file = { value = 5, overwrite = true }\n${instance("VI_1", 'track_file = ["d", "l"]')}`,
  );
  const t = trackerSet({});
  t.set.sync(config, null);
  t.set.stop();
  expect(existsSync(target)).toBe(false);
  expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
  expect(readFileSync(precious, "utf8")).toBe("keep me\n");
  const log = t.lines.join("\n");
  expect(log).toContain(`track file l: not initialised: ${linked} is a symbolic link: refused`);
  // Reading refuses the links too, each with its reason, and counts them as 0.
  expect(log).toContain(`track file d: ${dangling} is a symbolic link: refused`);
  expect(log).toContain(`track file l: ${linked} is a symbolic link: refused`);
  expect(t.changes).toEqual(expect.arrayContaining(["file:d up 0", "file:l up 0"]));
});

test("init_file with overwrite rewrites a regular file in place and refuses a FIFO without blocking", async () => {
  const file = join(dir, "weight");
  writeFileSync(file, "123456789\n");
  const fifo = join(dir, "fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const config = loadOk(
    `[track_files.w]\nfile = "${file}"\nweight = 1\ninit_file = { value = 5, overwrite = true }\n` +
      `[track_files.f]\nfile = "${fifo}"\nweight = 1\ninit_file = { value = 5, overwrite = true }\n${instance("VI_1", 'track_file = ["w", "f"]')}`,
  );
  const t = trackerSet({});
  t.set.sync(config, null);
  t.set.stop();
  expect(readFileSync(file, "utf8")).toBe("5\n");
  // No reader: the non-blocking open is refused by the kernel (ENXIO) rather than waiting for one.
  expect(t.lines.join("\n")).toContain(`track file f: not initialised: ${fifo} cannot be opened: ENXIO`);
  expect(t.lines.join("\n")).toContain(`track file f: ${fifo} is not a regular file: refused`);
});
