import { expect, test } from "bun:test";
import { splitCommandLine } from "../../src/process/command-line.ts";

test("splits on blanks and groups quoted words, as keepalived users write script lines", () => {
  expect(splitCommandLine("/path/fault.sh VG_1")).toEqual({ ok: true, argv: ["/path/fault.sh", "VG_1"] });
  expect(splitCommandLine(`  /bin/echo "two words" 'and more'  x`)).toEqual({
    ok: true,
    argv: ["/bin/echo", "two words", "and more", "x"],
  });
  expect(splitCommandLine(`/bin/echo ""`)).toEqual({ ok: true, argv: ["/bin/echo", ""] });
  expect(splitCommandLine(`/bin/echo a"b c"d`)).toEqual({ ok: true, argv: ["/bin/echo", "ab cd"] });
});

test("rejects an unterminated quote and an empty line", () => {
  expect(splitCommandLine(`/bin/echo "oops`)).toEqual({ ok: false, reason: 'has an unterminated " quote' });
  expect(splitCommandLine("   ")).toEqual({ ok: false, reason: "is empty" });
});
