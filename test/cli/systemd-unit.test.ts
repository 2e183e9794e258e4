// The systemd unit must call the commands the way the CLI takes them, with the CLI's default paths, and say what
// the daemon does for systemd (sd_notify readiness, the watchdog).

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../../src/cli/check.ts";
import { DEFAULT_SOCKET } from "../../src/cli/run.ts";

const unit = readFileSync(join(import.meta.dir, "..", "..", "packaging", "vipd.service"), "utf8");
const value = (key: string) =>
  unit
    .split("\n")
    .find((l) => l.startsWith(`${key}=`))
    ?.slice(key.length + 1);

test("the unit checks, runs and reloads /usr/sbin/vipd with the CLI's defaults", () => {
  expect(value("ExecStartPre")).toBe(`/usr/sbin/vipd check --config ${DEFAULT_CONFIG}`);
  expect(value("ExecStart")).toBe(`/usr/sbin/vipd run --config ${DEFAULT_CONFIG} --socket ${DEFAULT_SOCKET}`);
  expect(value("ExecReload")).toBe("/bin/kill -HUP $MAINPID");
  expect(value("RuntimeDirectory")).toBe(DEFAULT_SOCKET.split("/")[2]);
});

test("the unit conflicts with keepalived at the service level only", () => {
  expect(value("Conflicts")).toBe("keepalived.service");
});

test("the unit is Type=notify with a watchdog and restarts on failure", () => {
  expect(value("Type")).toBe("notify");
  expect(value("WatchdogSec")).toMatch(/^[1-9]\d*s$/);
  expect(value("Restart")).toBe("on-failure");
  expect(value("Documentation")).toBe("man:vipd(8) man:vipd.toml(5)");
});
