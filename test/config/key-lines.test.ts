import { describe, expect, test } from "bun:test";
import { scanKeyLines } from "../../src/config/key-lines.ts";
import { formatKeyPath } from "../../src/config/key-path.ts";

describe("formatKeyPath", () => {
  test("bare keys, quoted keys, indices", () => {
    expect(formatKeyPath(["instances", "VI_1", "virtual_ipaddress", 2])).toBe("instances.VI_1.virtual_ipaddress[2]");
    expect(formatKeyPath(["instances", "odd name", "priority"])).toBe('instances."odd name".priority');
    expect(formatKeyPath(["a.b"])).toBe('"a.b"');
  });
});

describe("scanKeyLines", () => {
  const text = `# comment [not.a.table]
[global]
router_id = "x # not a comment ] = {"   # trailing
vrrp.version = 2

[instances.VI_1]
interface = "eth0"
virtual_ipaddress = [
  "192.0.2.10/24",   # first
  # a comment line inside the array
  { address = "192.0.2.11", dev = "eth1" },

  """multi
line""",
  '192.0.2.13',
]
authentication = { auth_type = "PASS", auth_pass = 'p]}' }

[instances."odd name"]
priority = 5

[[things]]
a = 1
[[things]]
a = 2
[things.sub]
b = [[1, 2],
  [3]]
c = """
one
two"""
d = 1
`;
  const lines = scanKeyLines(text);
  const at = (...path: (string | number)[]) => lines.lineOf(path);

  test("tables, dotted keys and values", () => {
    expect(at("global")).toBe(2);
    expect(at("global", "router_id")).toBe(3);
    expect(at("global", "vrrp")).toBe(4);
    expect(at("global", "vrrp", "version")).toBe(4);
    expect(at("instances")).toBe(6);
    expect(at("instances", "VI_1")).toBe(6);
    expect(at("instances", "VI_1", "interface")).toBe(7);
  });

  test("array elements on their own lines, comments and blank lines between", () => {
    expect(at("instances", "VI_1", "virtual_ipaddress")).toBe(8);
    expect(at("instances", "VI_1", "virtual_ipaddress", 0)).toBe(9);
    expect(at("instances", "VI_1", "virtual_ipaddress", 1)).toBe(11);
    expect(at("instances", "VI_1", "virtual_ipaddress", 1, "dev")).toBe(11);
    expect(at("instances", "VI_1", "virtual_ipaddress", 2)).toBe(13);
    expect(at("instances", "VI_1", "virtual_ipaddress", 3)).toBe(15);
  });

  test("inline tables and strings holding brackets", () => {
    expect(at("instances", "VI_1", "authentication", "auth_pass")).toBe(17);
    expect(at("instances", "odd name")).toBe(19);
    expect(at("instances", "odd name", "priority")).toBe(20);
  });

  test("arrays of tables count their elements", () => {
    expect(at("things", 0, "a")).toBe(23);
    expect(at("things", 1, "a")).toBe(25);
    expect(at("things", 1, "sub")).toBe(26);
    expect(at("things", 1, "sub", "b", 1, 0)).toBe(28);
    expect(at("things", 1, "sub", "c")).toBe(29);
    expect(at("things", 1, "sub", "d")).toBe(32);
  });

  test("unknown paths fall back to the nearest ancestor, then line 1", () => {
    expect(at("instances", "VI_1", "priority")).toBe(6);
    expect(at("instances", "VI_1", "virtual_ipaddress", 9)).toBe(8);
    expect(at("nothing", "here")).toBe(1);
  });

  test("read as far as asked: any order of questions gets the lines a whole scan finds", () => {
    const paths: (string | number)[][] = [
      ["things", 1, "sub", "d"],
      ["global", "router_id"],
      ["nothing", "here"],
      ["instances", "VI_1", "virtual_ipaddress", 1, "dev"],
      ["instances", "odd name", "priority"],
      ["things", 0, "a"],
    ];
    const whole = scanKeyLines(text);
    whole.lineOf(["not", "written"]);
    const expected = paths.map((p) => whole.lineOf(p));
    expect(expected).toEqual([32, 3, 1, 11, 20, 23]);
    for (const order of [paths, [...paths].reverse()]) {
      const lazy = scanKeyLines(text);
      expect(order.map((p) => lazy.lineOf(p))).toEqual(order === paths ? expected : [...expected].reverse());
    }
    expect(scanKeyLines(text).has(["instances", "VI_1", "interface"])).toBe(true);
    expect(scanKeyLines(text).has(["instances", "VI_1", "priority"])).toBe(false);
  });

  test("CRLF line ends", () => {
    const crlf = scanKeyLines("[global]\r\nrouter_id = 'a'\r\n\r\n[instances.A]\r\npriority = 1\r\n");
    expect(crlf.lineOf(["instances", "A", "priority"])).toBe(5);
  });
});

// Not a speed test (speed is for bench/): the bounds are 10–100× what a linear scan takes here, and far below what
// the old quadratic-to-cubic scan took (3.1 s at 700 levels, never finishing at 20,000), so only a regression fails.
describe("hostile nesting: loading stays linear (a reload must never stall the daemon)", () => {
  const nested = (depth: number) => `x = ${"[".repeat(depth)}1${"]".repeat(depth)}\n[global]\nrouter_id = "after"\n`;

  test("700 levels (once 3.1 s) and 20,000 levels are scanned at once, lines still right after them", () => {
    for (const depth of [700, 20_000]) {
      const started = performance.now();
      const lines = scanKeyLines(nested(depth));
      // The scan is lazy: the first question reads the text.
      expect(lines.lineOf(["global", "router_id"])).toBe(3);
      const took = performance.now() - started;
      expect(took).toBeLessThan(1000);
      // Deep elements are not recorded: they point at their nearest recorded ancestor, on line 1.
      expect(lines.lineOf(["x", ...Array<number>(depth).fill(0)])).toBe(1);
    }
  });

  test("a 1 MB file of keys and nested inline tables is scanned at once", () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `k${i} = { a = [1, 2, { b = "${"v".repeat(40)}" }] }`);
    const text = `[t]\n${rows.join("\n")}\n`;
    expect(text.length).toBeGreaterThan(700_000);
    const started = performance.now();
    const lines = scanKeyLines(text);
    expect(lines.lineOf(["t", "k11999", "a", 2, "b"])).toBe(12_001);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
