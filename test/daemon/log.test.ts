// Log lines: ISO time outside journald, `<N>` syslog priorities under it, JSON objects with --log-format json.

import { expect, test } from "bun:test";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LogLevel, type StreamLogOptions, streamLogs, underJournald } from "../../src/daemon/log.ts";

const TIME = new Date("2026-12-03T09:40:01.250Z");

function capture(options: StreamLogOptions) {
  const written: [LogLevel, string][] = [];
  const log = streamLogs({ ...options, now: () => TIME, write: (level, line) => written.push([level, line]) })("vrrp:VI_1");
  log.debug("d");
  log.info("became MASTER");
  log.warn("dropped an advert");
  log.error("cannot add 192.0.2.10/24");
  return written;
}

test("text lines outside journald start with an ISO 8601 time; debug only when verbose", () => {
  expect(capture({})).toEqual([
    ["info", "2026-12-03T09:40:01.250Z [info] [vrrp:VI_1] became MASTER"],
    ["warn", "2026-12-03T09:40:01.250Z [warn] [vrrp:VI_1] dropped an advert"],
    ["error", "2026-12-03T09:40:01.250Z [error] [vrrp:VI_1] cannot add 192.0.2.10/24"],
  ]);
  expect(capture({ verbose: true })[0]).toEqual(["debug", "2026-12-03T09:40:01.250Z [debug] [vrrp:VI_1] d"]);
  // Callers may skip building debug lines nobody will see.
  expect(streamLogs({})("vipd").debugging).toBe(false);
  expect(streamLogs({ verbose: true })("vipd").debugging).toBe(true);
});

test("under journald each line carries its syslog priority and no timestamp", () => {
  expect(capture({ journal: true, verbose: true }).map(([, line]) => line)).toEqual([
    "<7>[debug] [vrrp:VI_1] d",
    "<6>[info] [vrrp:VI_1] became MASTER",
    "<4>[warn] [vrrp:VI_1] dropped an advert",
    "<3>[error] [vrrp:VI_1] cannot add 192.0.2.10/24",
  ]);
});

test("under journald every line of a multi-line message keeps the priority", () => {
  const written: string[] = [];
  streamLogs({ journal: true, write: (_, line) => written.push(line) })("vipd").error("internal error: boom\n    at f (x.ts:1)");
  expect(written).toEqual(["<3>[error] [vipd] internal error: boom\n<3>    at f (x.ts:1)"]);
});

test("--log-format json: one object per line with time, level, scope and message", () => {
  const lines = capture({ format: "json" }).map(([, line]) => line);
  expect(lines.map((l) => JSON.parse(l))).toEqual([
    { time: "2026-12-03T09:40:01.250Z", level: "info", scope: "vrrp:VI_1", message: "became MASTER" },
    { time: "2026-12-03T09:40:01.250Z", level: "warn", scope: "vrrp:VI_1", message: "dropped an advert" },
    { time: "2026-12-03T09:40:01.250Z", level: "error", scope: "vrrp:VI_1", message: "cannot add 192.0.2.10/24" },
  ]);
  // Under journald the priority prefix comes first (journald strips it, leaving the JSON).
  expect(capture({ format: "json", journal: true })[1]![1]).toStartWith('<4>{"time":');
});

test("a message with quotes and a newline stays one JSON line", () => {
  const written: string[] = [];
  streamLogs({ format: "json", write: (_, line) => written.push(line) })("x").info('a "b"\nc');
  expect(written).toHaveLength(1);
  expect(written[0]).not.toContain("\n");
  expect(JSON.parse(written[0]!).message).toBe('a "b"\nc');
});

test("JOURNAL_STREAM counts only when it names the stream stderr really is", () => {
  const dir = mkdtempSync(join(tmpdir(), "vipd-log-"));
  const fd = openSync(join(dir, "stderr"), "w");
  try {
    const stat = fstatSync(fd);
    expect(underJournald({ JOURNAL_STREAM: `${stat.dev}:${stat.ino}` }, fd)).toBe(true);
    expect(underJournald({ JOURNAL_STREAM: `${stat.dev}:${stat.ino + 1}` }, fd)).toBe(false);
    expect(underJournald({ JOURNAL_STREAM: "garbage" }, fd)).toBe(false);
    expect(underJournald({}, fd)).toBe(false);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the executable picks journald's format from JOURNAL_STREAM on its real stderr", () => {
  // `vipd run` on a missing file logs nothing but its errors: a subprocess of a tiny program is enough.
  const dir = mkdtempSync(join(tmpdir(), "vipd-log-"));
  try {
    const script = join(dir, "probe.ts");
    writeFileSync(
      script,
      `import { streamLogs, underJournald } from ${JSON.stringify(join(import.meta.dir, "../../src/daemon/log.ts"))};
streamLogs({ journal: underJournald(process.env) })("probe").warn("hello");\n`,
    );
    const errFile = join(dir, "err");
    const fd = openSync(errFile, "w");
    const stat = fstatSync(fd);
    const result = Bun.spawnSync([process.execPath, script], {
      stderr: fd,
      env: { ...process.env, JOURNAL_STREAM: `${stat.dev}:${stat.ino}` },
    });
    closeSync(fd);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(errFile, "utf8")).toBe("<4>[warn] [probe] hello\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the first warning opens no descriptor: the standard streams are opened when the logs are", () => {
  // Bun dups fd 2 on the first use of process.stderr and keeps it; a daemon watched for descriptor leaks (the
  // fault matrix compares /proc/PID/fd before and after) must not grow by one at its first warning.
  const dir = mkdtempSync(join(tmpdir(), "vipd-log-"));
  try {
    const script = join(dir, "probe.ts");
    writeFileSync(
      script,
      `import { readdirSync } from "node:fs";
import { streamLogs } from ${JSON.stringify(join(import.meta.dir, "../../src/daemon/log.ts"))};
const log = streamLogs()("probe");
const fds = () => readdirSync("/proc/self/fd").length;
const before = fds();
log.info("info");
log.warn("warning");
log.error("error");
console.log(JSON.stringify({ before, after: fds() }));\n`,
    );
    const result = Bun.spawnSync([process.execPath, script], { stderr: "ignore" });
    expect(result.exitCode).toBe(0);
    const counts = JSON.parse(result.stdout.toString().trim().split("\n").at(-1)!) as { before: number; after: number };
    expect(counts.after).toBe(counts.before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
