// Reading /proc/self/cmdline for the in-place restart (the restart itself: test/netns/runtime-env.root.test.ts).

import { expect, test } from "bun:test";
import { splitCmdline } from "../../src/adapters/linux/self-exec.ts";

test("cmdline splits on NUL, the trailing one ends the last argument, empty arguments stay", () => {
  expect(splitCmdline("/usr/local/sbin/vipd\0run\0-c\0/etc/vipd/config.toml\0")).toEqual([
    "/usr/local/sbin/vipd",
    "run",
    "-c",
    "/etc/vipd/config.toml",
  ]);
  expect(splitCmdline("vipd\0run\0--note\0\0")).toEqual(["vipd", "run", "--note", ""]);
  expect(splitCmdline("")).toEqual([]);
});
