// Real-server rows read apart from Bun's TOML parser (src/config/real-server-rows.ts): what is taken is what the
// parser reads, what is not exactly that form is left to it, and a load through the daemon's loader (which takes
// them) equals a load of the whole file by the parser, errors and their lines included.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigLoader } from "../../src/config/config-loader.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { takeRealServerRows } from "../../src/config/real-server-rows.ts";

const HEADER = '[virtual_servers."web"]\naddress = "192.0.2.10"\nport = 80\nprotocol = "tcp"\n';
const row = (address: string, port: number | string, weight: number | string, end = ",") =>
  `  { address = "${address}", port = ${port}, weight = ${weight} }${end}\n`;
const block = (rows: string[], close = "]\n") => `real_servers = [\n${rows.join("")}${close}`;
const STANDARD = block([row("198.51.100.1", 8080, 1), row("198.51.100.2", 8080, 3), row("198.51.100.3", 0, 0)]);

describe("takeRealServerRows", () => {
  test("takes vipd convert's rows as the parser reads them, and leaves every other line where it was", () => {
    const piece = `${HEADER}${STANDARD}lb_algo = "wrr"\n`;
    const taken = takeRealServerRows(piece);
    expect(taken).not.toBeNull();
    const parsed = Bun.TOML.parse(piece) as { virtual_servers: { web: Record<string, unknown> } };
    expect(taken!.rows).toEqual(parsed.virtual_servers.web.real_servers as Record<string, unknown>[]);
    expect(taken!.text.split("\n").length).toBe(piece.split("\n").length);
    expect(taken!.text.split("\n").indexOf('lb_algo = "wrr"')).toBe(piece.split("\n").indexOf('lb_algo = "wrr"'));
    const rest = Bun.TOML.parse(taken!.text) as { virtual_servers: { web: Record<string, unknown> } };
    expect({ ...rest.virtual_servers.web, real_servers: taken!.rows } as Record<string, unknown>).toEqual(parsed.virtual_servers.web);
  });

  test("takes a last row without a comma, tabs before a row, and a closing bracket at the text's end", () => {
    for (const piece of [
      `${HEADER}${block([row("198.51.100.1", 80, 1), row("198.51.100.2", 80, 1, "")])}`,
      `${HEADER}${block([`\t${row("198.51.100.1", 80, 1).trimStart()}`])}`,
      `${HEADER}${block([row("198.51.100.1", 80, 1)], "]")}`,
      `${HEADER}${block([row("2001:db8::7", 0, 0)])}`,
    ]) {
      const taken = takeRealServerRows(piece);
      expect(taken?.rows).toEqual(
        (Bun.TOML.parse(piece) as { virtual_servers: { web: { real_servers: unknown } } }).virtual_servers.web.real_servers as never,
      );
    }
  });

  const left: [string, string][] = [
    ["a comment after a row", `${HEADER}real_servers = [\n  { address = "198.51.100.1", port = 80, weight = 1 }, # db\n]\n`],
    ["two rows without a comma between", `${HEADER}${block([row("198.51.100.1", 80, 1, ""), row("198.51.100.2", 80, 1)])}`],
    ["an escape in the address", `${HEADER}${block([row("198.51.100.\\u0031", 80, 1)])}`],
    ["a control character inside the string (the parser's to refuse)", `${HEADER}${block([row("198.51.100.1\u0001", 80, 1)])}`],
    ["a leading zero", `${HEADER}${block([row("198.51.100.1", "080", 1)])}`],
    ["a sign", `${HEADER}${block([row("198.51.100.1", "+80", 1)])}`],
    ["underscores", `${HEADER}${block([row("198.51.100.1", "8_080", 1)])}`],
    ["16 digits", `${HEADER}${block([row("198.51.100.1", 80, "1000000000000000")])}`],
    ["another key", `${HEADER}real_servers = [\n  { address = "198.51.100.1", port = 80, weight = 1, inhibit_on_failure = true },\n]\n`],
    ["keys in another order", `${HEADER}real_servers = [\n  { port = 80, address = "198.51.100.1", weight = 1 },\n]\n`],
    ["other spacing", `${HEADER}real_servers = [\n  {address = "198.51.100.1", port = 80, weight = 1},\n]\n`],
    ["a string weight", `${HEADER}${block([row("198.51.100.1", 80, '"1"')])}`],
    ["carriage returns", `${HEADER}${block([row("198.51.100.1", 80, 1)])}`.replaceAll("\n", "\r\n")],
    ["no closing bracket", `${HEADER}real_servers = [\n${row("198.51.100.1", 80, 1)}lb_algo = "rr"\n`],
    ["no rows", `${HEADER}real_servers = [\n]\n`],
    ["the block under another table's header", `${HEADER}[virtual_servers."web".sorry_server]\naddress = "192.0.2.99"\n${STANDARD}`],
    ["the key on the text's first line", STANDARD],
  ];
  for (const [what, piece] of left) {
    test(`leaves the text to the parser: ${what}`, () => {
      expect(takeRealServerRows(piece)).toBeNull();
    });
  }
});

describe("a load that takes rows equals the parser's load of the whole file", () => {
  const dir = mkdtempSync(join(tmpdir(), "vipd-rows-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const REST = '[global]\nrouter_id = "lb1"\n\n';
  const other = `[virtual_servers."api"]\naddress = "192.0.2.12"\nport = 443\nprotocol = "tcp"\n${block([row("198.51.100.9", 443, 2)])}\n`;
  const files: [string, string][] = [
    ["rows", `${HEADER}${STANDARD}lb_algo = "wrr"\n`],
    [
      "rows and a real server written as a table later",
      `${HEADER}${STANDARD}\n[[virtual_servers."web".real_servers]]\naddress = "198.51.100.5"\n`,
    ],
    ["the key twice", `${HEADER}${STANDARD}real_servers = []\n`],
    ["a port out of range", `${HEADER}${block([row("198.51.100.1", 80, 1), row("198.51.100.2", 70000, 1)])}`],
    ["a weight out of range", `${HEADER}${block([row("198.51.100.1", 80, 1), row("198.51.100.2", 80, 999999999)])}`],
    ["an address that is not one", `${HEADER}${block([row("198.51.100.1", 80, 1), row("198.51.100.300", 80, 1)])}`],
    ["the same real server twice", `${HEADER}${block([row("198.51.100.1", 80, 1), row("198.51.100.1", 80, 2)])}`],
    ["a real server of the other family", `${HEADER}${block([row("2001:db8::1", 80, 1)])}`],
    ["two rows without a comma between", `${HEADER}${block([row("198.51.100.1", 80, 1, ""), row("198.51.100.2", 80, 1)])}`],
    ["the block under another table's header", `${HEADER}[virtual_servers."web".sorry_server]\naddress = "192.0.2.99"\n${STANDARD}`],
    ["a leading zero", `${HEADER}${block([row("198.51.100.1", "080", 1)])}`],
  ];
  for (const [what, piece] of files) {
    test(what, () => {
      const file = join(dir, `${what.replaceAll(" ", "-")}.toml`);
      writeFileSync(file, `${REST}${other}${piece}\n${other.replaceAll('"api"', '"api2"').replace("192.0.2.12", "192.0.2.13")}`);
      const loaded = new ConfigLoader().load(file);
      expect(loaded).toEqual(loadConfigFile(file));
      if (what === "rows") {
        expect(loaded.ok && loaded.config.virtualServers.map((vs) => vs.realServers.length)).toEqual([1, 3, 1]);
      }
    });
  }
});
