// `vipd status` as a client: a clear sentence when no daemon answers (no runtime error text), names printed without
// their control characters, ages written for people.

import { expect, test } from "bun:test";
import { join } from "node:path";
import { age, printable } from "../../src/cli/status.ts";
import { selfCommand } from "../../src/process/self-command.ts";

test("no daemon on the socket: one sentence and exit 1", () => {
  const socket = join("/tmp", `vipd-none-${process.pid}.sock`);
  const r = Bun.spawnSync([...selfCommand(), "status", "--socket", socket], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  expect(r.exitCode).toBe(1);
  expect(r.stderr.toString()).toBe(`vipd status: no vipd answers on ${socket}; is it running (systemctl status vipd)?\n`);
});

test("names lose their control characters (a name cannot move the cursor or set colours); ages read as people say them", () => {
  expect(printable("VI_1\u001b[31mred\u0007")).toBe("VI_1?[31mred?");
  expect(printable("eth0")).toBe("eth0");
  expect([age(400), age(12_400), age(600_000), age(10_800_000)]).toEqual(["0 s", "12 s", "10 min", "3 h"]);
});
