// The cut of a config file into each virtual server's text and the rest (what a reload compares): the pieces
// parse to exactly the whole file, and whatever could make a line-based cut wrong refuses to cut.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseToml } from "../../src/config/toml-parse.ts";
import { cutVirtualServers } from "../../src/config/virtual-server-chunks.ts";

/** vipd convert's output for keepalived's own samples. */
const CONVERTED = join(import.meta.dir, "../convert/golden");

/** The pieces parsed together, as the loader parses them. */
function reassembled(text: string): unknown {
  const cut = cutVirtualServers(text);
  if (cut === null) throw new Error("the text was not cut");
  return parseToml([cut.rest, ...cut.servers.values()].join("\n"));
}

const INTERLEAVED = `# a comment before anything
[global]
router_id = "lb1" # trailing comment

[[virtual_servers."192.0.2.10:80".real_servers]]
address = "198.51.100.1"

[virtual_servers.web2]
address = "192.0.2.11"
port = 80

[instances.VI_1]
interface = "eth0"
virtual_ipaddress = ["192.0.2.100/24"]

  [ virtual_servers . "192.0.2.10:80" ]
address = "192.0.2.10"
port = 80

[[virtual_servers.web2.real_servers]]
address = "198.51.100.2"
[virtual_servers.web2.real_servers.TCP_CHECK]
connect_timeout = 3
`;

describe("cutting a config into virtual servers", () => {
  test("each virtual server's text is gathered from wherever its headers are; the pieces parse to the whole file", () => {
    const cut = cutVirtualServers(INTERLEAVED)!;
    expect([...cut.servers.keys()]).toEqual(["192.0.2.10:80", "web2"]);
    expect(cut.servers.get("web2")).toContain("connect_timeout = 3");
    expect(cut.servers.get("web2")).not.toContain("VI_1");
    expect(cut.rest).toContain("[instances.VI_1]");
    expect(cut.rest).not.toContain("198.51.100");
    expect(reassembled(INTERLEAVED)).toEqual(parseToml(INTERLEAVED));
  });

  test("every keepalived sample as vipd convert writes it, and config.toml.example: cut (or refused), never changed in meaning", () => {
    const texts = readdirSync(CONVERTED)
      .filter((f) => f.endsWith(".toml"))
      .map((f) => readFileSync(join(CONVERTED, f), "utf8"));
    expect(texts.length).toBeGreaterThan(20);
    texts.push(readFileSync(join(import.meta.dir, "../../config.toml.example"), "utf8"));
    let cut = 0;
    for (const text of texts) {
      if (cutVirtualServers(text) === null) continue;
      cut++;
      expect(reassembled(text)).toEqual(parseToml(text));
    }
    // Most of them are cut: the reload's fast path is the common case, not an exception.
    expect(cut).toBeGreaterThan(texts.length / 2);
  });

  test("a file without virtual servers is all rest", () => {
    const text = `[global]\nrouter_id = "a"\n`;
    expect(cutVirtualServers(text)).toEqual({ rest: text, servers: new Map() });
  });

  const refused: [string, string][] = [
    ["a multi-line string", `[global]\nnotification_email_from = """\n[virtual_servers.x]\n"""\n`],
    ["a multi-line literal string", `[global]\nrouter_id = '''\nx'''\n`],
    ["a key before the first header", `virtual_servers.web.port = 80\n[global]\n`],
    ["a bare [virtual_servers] header", `[virtual_servers]\nweb.port = 80\n`],
    ["a nested array on its own line", `[virtual_servers.web]\nports = [\n  [80, 81],\n]\n`],
    ["a header that reads as an array of a number", `[virtual_servers.web]\nx = [\n[80]\n]\n`],
    ["a header that reads as an array of a string", `[virtual_servers.web]\nx = [\n["global"]\n]\n`],
    ["a quoted key with an escape", `[virtual_servers."w\\u0065b"]\nport = 80\n`],
  ];
  for (const [what, text] of refused) {
    test(`refused: ${what}`, () => {
      expect(cutVirtualServers(text)).toBeNull();
    });
  }
});
