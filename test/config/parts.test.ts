import { describe, expect, test } from "bun:test";
import { splitCommandLine } from "../../src/process/command-line.ts";
import { parseRoute, parseRule } from "../../src/config/routes.ts";
import { editDistance, nearest } from "../../src/config/suggest.ts";
import { parseVip } from "../../src/config/vip.ts";

describe("splitCommandLine", () => {
  test("words, quotes and escapes", () => {
    expect(splitCommandLine("/bin/check  a   b")).toEqual({ ok: true, argv: ["/bin/check", "a", "b"] });
    expect(splitCommandLine(`/bin/sh -c 'kill -0 $(cat /run/x.pid)'`)).toEqual({
      ok: true,
      argv: ["/bin/sh", "-c", "kill -0 $(cat /run/x.pid)"],
    });
    expect(splitCommandLine(`a "b \\"c\\" \\d" e\\ f ''`)).toEqual({ ok: true, argv: ["a", 'b "c" \\d', "e f", ""] });
  });

  test("what cannot be split", () => {
    expect(splitCommandLine("a 'b")).toEqual({ ok: false, reason: "has an unterminated ' quote" });
    expect(splitCommandLine('a "b')).toEqual({ ok: false, reason: 'has an unterminated " quote' });
    expect(splitCommandLine("a \\")).toEqual({ ok: false, reason: "ends with a lone backslash" });
    expect(splitCommandLine("   ")).toEqual({ ok: false, reason: "is empty" });
  });
});

describe("parseVip", () => {
  test("brd forms and IPv6 canonical text", () => {
    const vip = parseVip("192.0.2.5/24 brd -");
    expect(vip.ok && vip.vip.brd).toBe("-");
    const v6 = parseVip("2001:DB8:0:0::1/64 dev eth0 scope link");
    expect(v6.ok && [v6.vip.address, v6.vip.prefixLength, v6.vip.scope]).toEqual(["2001:db8::1", 64, "link"]);
    expect(parseVip("192.0.2.5 brd 2001:db8::1")).toEqual({
      ok: false,
      reason: 'brd must be an IPv4 address, "-" or "+", got "2001:db8::1"',
    });
    expect(parseVip({ dev: "eth0" })).toEqual({ ok: false, reason: 'address is required: a string like "192.0.2.10/24"' });
    expect(parseVip("192.0.2.5 label averyveryverylonglabel")).toEqual({
      ok: false,
      reason: 'label "averyveryverylonglabel" is longer than 15 characters',
    });
  });
});

describe("routes and rules", () => {
  test("route types and destinations", () => {
    expect(parseRoute("unreachable default")).toMatchObject({ ok: true, value: { destination: "default", type: "unreachable" } });
    expect(parseRoute("to 2001:db8::/32 via 2001:db8::1 dev eth0 metric 5 onlink")).toMatchObject({
      ok: true,
      value: { destination: "2001:db8::/32", via: "2001:db8::1", dev: "eth0" },
    });
    expect(parseRoute("198.51.100.0/24 via 192.0.2.300")).toEqual({ ok: false, reason: 'via "192.0.2.300" is not an address' });
  });

  test("rules", () => {
    expect(parseRule("from all fwmark 0x1 lookup 100 preference 10")).toEqual({
      ok: true,
      value: { raw: "from all fwmark 0x1 lookup 100 preference 10", from: "all", to: null, table: "100", priority: 10 },
    });
    expect(parseRule("from 192.0.2.0/24 table")).toEqual({ ok: false, reason: '"table" needs a value' });
  });
});

describe("suggestions", () => {
  test("edit distance and nearest", () => {
    expect(editDistance("priority", "prority")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(nearest("advert_intt", ["advert_int", "accept"])).toBe("advert_int");
    expect(nearest("xyz", ["advert_int", "accept"])).toBeNull();
  });
});
