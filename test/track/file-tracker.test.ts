import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTracker, readTrackValue } from "../../src/track/file-tracker.ts";
import { waitFor } from "../wait-for.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-trackfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("reads a number; empty is 0; missing or not a number is null", () => {
  const file = join(dir, "value");
  writeFileSync(file, " 42\n");
  expect(readTrackValue(file)).toBe(42);
  writeFileSync(file, "-7");
  expect(readTrackValue(file)).toBe(-7);
  writeFileSync(file, "");
  expect(readTrackValue(file)).toBe(0);
  writeFileSync(file, "maintenance");
  expect(readTrackValue(file)).toBeNull();
  expect(readTrackValue(join(dir, "nope"))).toBeNull();
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
