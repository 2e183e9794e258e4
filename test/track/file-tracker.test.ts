import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTracker, readTrackValue, TRACK_FILE_MAX_BYTES } from "../../src/track/file-tracker.ts";
import { waitFor } from "../wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-trackfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("reads a number; empty is 0; missing or not a number is null with the reason", () => {
  const file = join(dir, "value");
  writeFileSync(file, " 42\n");
  expect(readTrackValue(file)).toEqual({ value: 42, problem: null });
  writeFileSync(file, "-7");
  expect(readTrackValue(file).value).toBe(-7);
  writeFileSync(file, "");
  expect(readTrackValue(file)).toEqual({ value: 0, problem: null });
  writeFileSync(file, "maintenance");
  expect(readTrackValue(file)).toEqual({ value: null, problem: "holds no number" });
  expect(readTrackValue(join(dir, "nope"))).toEqual({ value: null, problem: "is missing" });
});

test("reads only the first bytes of a large file", () => {
  const file = join(dir, "big");
  writeFileSync(file, `12${" ".repeat(TRACK_FILE_MAX_BYTES)}99`);
  expect(readTrackValue(file)).toEqual({ value: 12, problem: null });
});

test("a symbolic link is refused, dangling or pointing to a real file", () => {
  const real = join(dir, "real");
  writeFileSync(real, "5\n");
  const link = join(dir, "link");
  symlinkSync(real, link);
  const dangling = join(dir, "dangling");
  symlinkSync(join(dir, "nowhere"), dangling);
  const refused = { value: null, problem: "is a symbolic link: refused (the daemon runs as root and opens no links)" };
  expect(readTrackValue(link)).toEqual(refused);
  expect(readTrackValue(dangling)).toEqual(refused);
});

test("a FIFO or a directory at the path is refused, and a FIFO never blocks the reader", () => {
  const fifo = join(dir, "fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  // In a child with a deadline: a blocking open would hang this process beyond any test timeout.
  const module = join(import.meta.dir, "../../src/track/file-tracker.ts");
  const child = Bun.spawnSync({
    cmd: [
      process.execPath,
      "-e",
      `import(${JSON.stringify(module)}).then((m) => console.log(JSON.stringify(m.readTrackValue(${JSON.stringify(fifo)}))))`,
    ],
    timeout: 5000,
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(child.exitedDueToTimeout ?? false).toBe(false);
  expect(child.stderr.toString()).toBe("");
  expect(JSON.parse(child.stdout.toString())).toEqual({ value: null, problem: "is not a regular file: refused" });
  expect(readTrackValue(dir)).toEqual({ value: null, problem: "is not a regular file: refused" });
});

test("reports the value at start and every change, also when the file is replaced by a rename", async () => {
  const file = join(dir, "weight");
  writeFileSync(file, "0\n");
  const seen: (number | null)[] = [];
  const tracker = new FileTracker({ name: "w", path: file }, (_name, value) => seen.push(value));
  tracker.start();
  try {
    expect(seen).toEqual([0]);
    writeFileSync(file, "5\n");
    expect(await waitFor(() => seen.length === 2, 3000)).toBe(true);
    // Editors write a new file and rename it over the old one.
    writeFileSync(join(dir, "weight.tmp"), "9\n");
    renameSync(join(dir, "weight.tmp"), file);
    expect(await waitFor(() => seen.at(-1) === 9, 3000)).toBe(true);
    rmSync(file);
    expect(await waitFor(() => seen.at(-1) === null, 3000)).toBe(true);
    expect(seen).toEqual([0, 5, 9, null]);
  } finally {
    tracker.stop();
  }
});
