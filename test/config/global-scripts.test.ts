// startup_script / shutdown_script (+ _timeout) and notify_fifo_script in the config: read, checked across
// sections, and their programs checked like every other program.

import { expect, test } from "bun:test";
import { errorsOf, fakeStat, FILE, instance, loadOk, ROOT_PROGRAM, warningsOf } from "./helpers.ts";

const F = FILE;

test("startup_script and shutdown_script: strings or {command, user, group}, timeouts 1..1000 s, 10 by default", () => {
  const config = loadOk(`[global]
startup_script = "/usr/local/bin/prepare --all"
startup_script_timeout = 30
shutdown_script = { command = "/usr/local/bin/cleanup", user = "nobody", group = "nogroup" }
${instance("VI_1")}`);
  const g = config.global;
  expect(g.startupScript).toEqual({ raw: "/usr/local/bin/prepare --all", argv: ["/usr/local/bin/prepare", "--all"], runAs: null });
  expect(g.shutdownScript).toEqual({
    raw: "/usr/local/bin/cleanup",
    argv: ["/usr/local/bin/cleanup"],
    runAs: { user: "nobody", group: "nogroup" },
  });
  expect([g.startupScriptTimeoutMs, g.shutdownScriptTimeoutMs]).toEqual([30_000, 10_000]);
  expect(loadOk(instance("VI_1")).global).toMatchObject({ startupScript: null, shutdownScript: null });
});

test("a timeout out of range is an error; one without its script does nothing and says so", () => {
  expect(errorsOf(`[global]\nstartup_script = "/bin/true"\nstartup_script_timeout = 0\n${instance("VI_1")}`)).toEqual([
    `${F}:3: global.startup_script_timeout: must be an integer from 1 to 1000, got 0`,
  ]);
  expect(warningsOf(`[global]\nshutdown_script_timeout = 5\n${instance("VI_1")}`)).toContain(
    `${F}:2: global.shutdown_script_timeout: does nothing without shutdown_script`,
  );
});

test("notify_fifo_script needs notify_fifo, and instances sharing a FIFO name one reader", () => {
  const fifo = (script: string) => `notify_fifo = "/run/vipd/notify.fifo"\nnotify_fifo_script = "${script}"\n`;
  expect(loadOk(instance("VI_1", fifo("/bin/cat"))).instances[0]!.notifyFifoScript?.argv).toEqual(["/bin/cat"]);
  expect(errorsOf(instance("VI_1", 'notify_fifo_script = "/bin/cat"\n'))).toEqual([
    `${F}:5: instances.VI_1.notify_fifo_script: needs notify_fifo: the program is started to read that FIFO`,
  ]);
  const shared = `${instance("VI_1", fifo("/bin/cat"))}${instance("VI_2", fifo("/bin/cat -u"), 52)}`;
  expect(errorsOf(shared)).toEqual([
    `${F}:12: instances.VI_2.notify_fifo_script: differs from instance VI_1's for the same notify_fifo /run/vipd/notify.fifo: one FIFO has one reader`,
  ]);
});

test("the programs are checked like every other: present and executable", () => {
  const stat = fakeStat({ "/usr/local/bin/ok": ROOT_PROGRAM });
  const text = `[global]
startup_script = "/usr/local/bin/missing-start"
shutdown_script = "/usr/local/bin/ok"
${instance("VI_1", 'notify_fifo = "/run/f"\nnotify_fifo_script = "/usr/local/bin/missing-reader"\n')}`;
  expect(errorsOf(text, { stat })).toEqual([
    `${F}:2: global.startup_script: program /usr/local/bin/missing-start does not exist`,
    `${F}:9: instances.VI_1.notify_fifo_script: program /usr/local/bin/missing-reader does not exist`,
  ]);
});
