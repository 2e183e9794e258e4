// The notify FIFO's reader (notify_fifo_script): the FIFO created when missing and removed at stop, held open so
// lines written before the reader opens it are not lost, end of file at stop, SIGTERM for a reader that stays.

import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linuxFifoMaker } from "../../src/adapters/linux/fifo-maker.ts";
import { realTimers } from "../../src/clock/timers.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import { FifoReaders } from "../../src/notify/fifo-readers.ts";
import { Notifier } from "../../src/notify/notifier.ts";
import { runCommand } from "../../src/process/run-command.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vipd-fifo-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function readers(lines: string[]) {
  return new FifoReaders({ runner: runCommand, makeFifo: linuxFifoMaker, timers: realTimers, log: memoryLogs(lines)("notify") });
}

test("the FIFO is created for its reader, lines written before it reads wait for it, and at stop it sees end of file", async () => {
  const fifo = join(dir, "notify.fifo");
  const out = join(dir, "read.txt");
  const lines: string[] = [];
  const set = readers(lines);
  const opened = join(dir, "opened");
  // The reader gets the FIFO's path as its last argument ($1 here); it says when it has the FIFO open.
  const script = `exec 3< "$1"; : > ${opened}; exec cat <&3 > ${out}`;
  await set.sync([{ fifo, run: { argv: ["/bin/sh", "-c", script, "sh", fifo] } }]);
  expect(statSync(fifo).isFIFO()).toBe(true);
  expect(statSync(fifo).mode & 0o777).toBe(0o644 & ~process.umask());
  const notifier = new Notifier({
    runner: runCommand,
    log: memoryLogs(lines)("notify"),
    fifoPath: fifo,
    heldFifo: (path) => set.fd(path),
  });
  notifier.notify("INSTANCE", "VI_1", "BACKUP", 100, {});
  notifier.notify("INSTANCE", "VI_1", "MASTER", 100, {});
  // At stop the FIFO goes away: only a reader that has opened it by then reads what is left (keepalived's order).
  for (let i = 0; i < 200 && !existsSync(opened); i++) await Bun.sleep(10);
  expect(existsSync(opened)).toBe(true);
  await set.stop();
  expect(readFileSync(out, "utf8")).toBe('INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\n');
  expect(existsSync(fifo)).toBe(false); // vipd created it, vipd removes it
  expect(lines[0]).toBe(`info notify: Running notify FIFO script /bin/sh -c ${script} sh ${fifo}`);
  expect(lines.at(-1)).toMatch(/^info notify: notify FIFO script .* exited with status 0 after \d+ ms$/);
  expect(lines.filter((l) => l.startsWith("warn"))).toEqual([]);
});

test("a FIFO that was there is kept at stop; a reader that does not end at end of file is terminated", async () => {
  const fifo = join(dir, "existing.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const lines: string[] = [];
  const set = readers(lines);
  await set.sync([{ fifo, run: { argv: ["/bin/sh", "-c", "exec sleep 30", "sh", fifo] } }]);
  const started = performance.now();
  await set.stop();
  const took = performance.now() - started;
  expect(took).toBeGreaterThanOrEqual(900); // the grace after end of file
  expect(took).toBeLessThan(5000);
  expect(statSync(fifo).isFIFO()).toBe(true);
  expect(lines.at(-1)).toMatch(/notify FIFO script .* was killed by SIGTERM after \d+ ms$/);
});

test("a reload keeps an unchanged reader, replaces a changed one; a path that is not a FIFO starts nothing", async () => {
  const fifo = join(dir, "notify.fifo");
  const lines: string[] = [];
  const set = readers(lines);
  const reader = (word: string) => ({ fifo, run: { argv: ["/bin/sh", "-c", `exec cat "$1" > /dev/null # ${word}`, "sh", fifo] } });
  await set.sync([reader("one")]);
  const fd = set.fd(fifo);
  await set.sync([reader("one")]);
  expect(set.fd(fifo)).toBe(fd!);
  expect(lines.filter((l) => l.includes("Running notify FIFO script"))).toHaveLength(1);
  await set.sync([reader("two")]);
  expect(lines.filter((l) => l.includes("Running notify FIFO script"))).toHaveLength(2);
  await set.sync([]);
  expect(set.fd(fifo)).toBeUndefined();

  const plain = join(dir, "plain");
  await Bun.write(plain, "");
  await set.sync([{ fifo: plain, run: { argv: ["/bin/true"] } }]);
  expect(set.fd(plain)).toBeUndefined();
  expect(lines.at(-1)).toBe(`error notify: notify_fifo ${plain} exists and is not a FIFO: its notify_fifo_script is not started`);
});
