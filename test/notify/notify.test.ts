import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notifyCommands, notifyFifoLine } from "../../src/notify/notify-plan.ts";
import { Notifier } from "../../src/notify/notifier.ts";
import { SerialQueue } from "../../src/notify/serial-queue.ts";
import { runCommand } from "../../src/process/run-command.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-notify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("keepalived's conventions: notify_<state> as written, then notify with INSTANCE|GROUP name STATE priority", () => {
  const scripts = {
    notify_master: { line: `/etc/vipd/master.sh "arg one"`, runAs: { uid: 33, gid: 33 } },
    notify_backup: { line: "/etc/vipd/backup.sh" },
    notify: { line: "/etc/vipd/all.sh x" },
  };
  expect(notifyCommands(scripts, "INSTANCE", "VI_1", "MASTER", 100)).toEqual([
    { argv: ["/etc/vipd/master.sh", "arg one"], runAs: { uid: 33, gid: 33 } },
    { argv: ["/etc/vipd/all.sh", "x", "INSTANCE", "VI_1", "MASTER", "100"] },
  ]);
  expect(notifyCommands(scripts, "GROUP", "G1", "FAULT", 0)).toEqual([{ argv: ["/etc/vipd/all.sh", "x", "GROUP", "G1", "FAULT", "0"] }]);
  expect(notifyCommands({}, "INSTANCE", "VI_1", "STOP", 0)).toEqual([]);
});

test("notify_fifo line format", () => {
  expect(notifyFifoLine("INSTANCE", "VI_1", "MASTER", 100)).toBe('INSTANCE "VI_1" MASTER 100\n');
});

test("a queue keeps one key's jobs in order while other keys run alongside", async () => {
  const queue = new SerialQueue();
  const order: string[] = [];
  queue.enqueue("a", async () => {
    await Bun.sleep(50);
    order.push("a1");
  });
  queue.enqueue("a", async () => {
    order.push("a2");
  });
  queue.enqueue("b", async () => {
    order.push("b1");
  });
  await queue.idle();
  expect(order).toEqual(["b1", "a1", "a2"]);
});

test("a slow MASTER script finishes before the BACKUP script starts (keepalived would interleave them)", async () => {
  const log = join(dir, "order.log");
  const script = join(dir, "notify.sh");
  writeFileSync(script, `#!/bin/sh\n[ "$3" = MASTER ] && sleep 0.2\necho "$1 $2 $3 $4" >> ${log}\n`);
  chmodSync(script, 0o755);
  const warnings: string[] = [];
  const infos: string[] = [];
  const notifier = new Notifier({
    runner: runCommand,
    log: { info: (m) => infos.push(m), warn: (m) => warnings.push(m), debug: () => {} },
  });
  notifier.notify("INSTANCE", "VI_1", "MASTER", 100, { notify: { line: script } });
  notifier.notify("INSTANCE", "VI_1", "BACKUP", 100, { notify: { line: script } });
  await notifier.idle();
  expect(readFileSync(log, "utf8")).toBe("INSTANCE VI_1 MASTER 100\nINSTANCE VI_1 BACKUP 100\n");
  expect(warnings).toEqual([]);
  // Each run is logged when it starts and when it ends, with its exit status and how long it took.
  const durations = infos.map((l) => /after (\d+) ms$/.exec(l)?.[1]).filter((d) => d !== undefined);
  expect(infos.map((l) => l.replace(/after \d+ ms$/, "after N ms"))).toEqual([
    `(VI_1) Running notify script ${script} INSTANCE VI_1 MASTER 100`,
    `(VI_1) notify script ${script} INSTANCE VI_1 MASTER 100 exited with status 0 after N ms`,
    `(VI_1) Running notify script ${script} INSTANCE VI_1 BACKUP 100`,
    `(VI_1) notify script ${script} INSTANCE VI_1 BACKUP 100 exited with status 0 after N ms`,
  ]);
  expect(Number(durations[0])).toBeGreaterThanOrEqual(200); // the MASTER run slept 0.2 s
});

test("a failing script is logged and does not stop the next one", async () => {
  const warnings: string[] = [];
  const notifier = new Notifier({ runner: runCommand, log: { info: () => {}, warn: (m) => warnings.push(m), debug: () => {} } });
  const marker = join(dir, "after-failure");
  notifier.notify("INSTANCE", "VI_2", "MASTER", 100, {
    notify_master: { line: "/nonexistent/x.sh" },
    notify: { line: `/bin/sh -c 'touch ${marker}'` },
  });
  await notifier.idle();
  expect(warnings.length).toBe(1);
  expect(warnings[0]).toBe("(VI_2) notify script /nonexistent/x.sh could not start (ENOENT)");
  expect(readFileSync(marker, "utf8")).toBe("");
});

test("notify_fifo receives one line per change; a FIFO without a reader never blocks", async () => {
  const file = join(dir, "fifo.txt");
  writeFileSync(file, "");
  const notifier = new Notifier({ runner: runCommand, log: { info: () => {}, warn: () => {}, debug: () => {} }, fifoPath: file });
  notifier.notify("INSTANCE", "VI_1", "MASTER", 100, {});
  notifier.notify("GROUP", "G1", "MASTER", 100, {});
  expect(readFileSync(file, "utf8")).toBe('INSTANCE "VI_1" MASTER 100\nGROUP "G1" MASTER 100\n');
  const fifo = join(dir, "real.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const debug: string[] = [];
  const blocking = new Notifier({
    runner: runCommand,
    log: { info: () => {}, warn: () => {}, debug: (m) => debug.push(m) },
    fifoPath: fifo,
  });
  blocking.notify("INSTANCE", "VI_1", "BACKUP", 90, {});
  expect(debug).toEqual([`notify_fifo ${fifo}: ENXIO`]);
});

test("notify_fifo never writes through a symbolic link, nor to a device: refused with a warning", () => {
  const precious = join(dir, "precious");
  writeFileSync(precious, "keep me\n");
  const linked = join(dir, "linked.fifo");
  symlinkSync(precious, linked);
  const dangling = join(dir, "dangling.fifo");
  const target = join(dir, "victim");
  symlinkSync(target, dangling);
  const warnings: string[] = [];
  const log = { info: () => {}, warn: (m: string) => warnings.push(m), debug: () => {} };
  for (const fifoPath of [linked, dangling, "/dev/null"]) {
    new Notifier({ runner: runCommand, log, fifoPath }).notify("INSTANCE", "VI_1", "MASTER", 100, {});
  }
  expect(readFileSync(precious, "utf8")).toBe("keep me\n");
  expect(existsSync(target)).toBe(false);
  expect(warnings).toEqual([
    `notify_fifo ${linked} is a symbolic link: refused (the daemon runs as root and opens no links)`,
    `notify_fifo ${dangling} is a symbolic link: refused (the daemon runs as root and opens no links)`,
    "notify_fifo /dev/null is neither a FIFO nor a regular file: refused",
  ]);
});

test("notify_fifo writes to a FIFO that has a reader", async () => {
  const fifo = join(dir, "read.fifo");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  const reader = Bun.spawn(["timeout", "5", "head", "-n", "1", fifo], { stdout: "pipe" });
  try {
    const notifier = new Notifier({ runner: runCommand, log: { info: () => {}, warn: () => {}, debug: () => {} }, fifoPath: fifo });
    // The reader opens the FIFO when it gets to it: retry (bounded) until the open stops failing with ENXIO.
    for (let i = 0; i < 100 && reader.exitCode === null; i++) {
      notifier.notify("INSTANCE", "VI_1", "MASTER", 100, {});
      await Bun.sleep(20);
    }
    expect(await new Response(reader.stdout).text()).toBe('INSTANCE "VI_1" MASTER 100\n');
  } finally {
    reader.kill();
  }
});

test("a notify_fifo that cannot be opened for another reason than a missing reader is a warning", () => {
  const warnings: string[] = [];
  const notifier = new Notifier({
    runner: runCommand,
    log: { info: () => {}, warn: (m) => warnings.push(m), debug: () => {} },
    fifoPath: dir,
  });
  notifier.notify("INSTANCE", "VI_1", "MASTER", 100, {});
  expect(warnings).toEqual([`notify_fifo ${dir} not written: EISDIR`]);
});

test("each instance or group can have its own FIFO", () => {
  const one = join(dir, "one.txt");
  const two = join(dir, "two.txt");
  writeFileSync(one, "");
  writeFileSync(two, "");
  const notifier = new Notifier({
    runner: runCommand,
    log: { info: () => {}, warn: () => {}, debug: () => {} },
    fifoFor: (kind, name) => (kind === "INSTANCE" && name === "VI_1" ? one : kind === "GROUP" ? two : undefined),
  });
  notifier.notify("INSTANCE", "VI_1", "MASTER", 100, {});
  notifier.notify("INSTANCE", "VI_9", "MASTER", 100, {});
  notifier.notify("GROUP", "G1", "BACKUP", 0, {});
  expect(readFileSync(one, "utf8")).toBe('INSTANCE "VI_1" MASTER 100\n');
  expect(readFileSync(two, "utf8")).toBe('GROUP "G1" BACKUP 0\n');
});

test("a command's own user wins over the daemon-wide one; others run as the daemon-wide user", async () => {
  const ran: { argv: readonly string[]; uid?: number; gid?: number }[] = [];
  const runner = async (options: { argv: readonly string[]; uid?: number; gid?: number }) => {
    ran.push({ argv: options.argv, uid: options.uid, gid: options.gid });
    return { exitCode: 0, signal: null, timedOut: false, spawnError: null, durationMs: 0, stderr: "", pid: 1 };
  };
  const notifier = new Notifier({ runner, log: { info: () => {}, warn: () => {}, debug: () => {} }, uid: 999, gid: 998 });
  notifier.notify("INSTANCE", "VI_1", "MASTER", 100, {
    notify_master: { line: "/bin/true own", runAs: { uid: 33, gid: 34 } },
    notify: { line: "/bin/true any" },
  });
  await notifier.idle();
  expect(ran).toEqual([
    { argv: ["/bin/true", "own"], uid: 33, gid: 34 },
    { argv: ["/bin/true", "any", "INSTANCE", "VI_1", "MASTER", "100"], uid: 999, gid: 998 },
  ]);
});
