// The daemon's config loader: a reload reuses the virtual servers whose text did not change (the same section
// objects), and gives exactly what a fresh load of the file gives, warnings and errors on today's lines included.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigLoader } from "../../src/config/config-loader.ts";
import { type LoadResult, loadConfigFile } from "../../src/config/load.ts";
import type { VipdConfig } from "../../src/config/schema.ts";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vipd-loader-"));
  file = join(dir, "config.toml");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function server(name: string, address: string, weights: number[], extra = ""): string {
  const real = weights.map((w, i) => `[[virtual_servers."${name}".real_servers]]\naddress = "198.51.100.${i + 1}"\nweight = ${w}\n`);
  return `[virtual_servers."${name}"]\naddress = "${address}"\nport = 80\nprotocol = "tcp"\n${extra}\n${real.join("\n")}\n`;
}

const REST = `[global]\nrouter_id = "lb1"\n\n[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\nvirtual_ipaddress = ["192.0.2.100/24"]\n\n`;
/** "80" is a name JavaScript lists first among an object's keys: the order must still be a fresh load's. */
const BASE = [
  REST,
  server("web", "192.0.2.10", [1, 1]),
  server("80", "192.0.2.11", [2, 3], "quorum = 2\nhysteresis = 2"),
  server("api", "192.0.2.12", [1]),
];

function loadWith(loader: ConfigLoader, text: string): LoadResult {
  writeFileSync(file, text);
  return loader.load(file);
}

function config(result: LoadResult): VipdConfig {
  if (!result.ok) throw new Error(`not loaded: ${JSON.stringify(result.errors)}`);
  return result.config;
}

/** The loader's result equals a fresh load of the same file. */
function expectFresh(result: LoadResult): void {
  expect(result).toEqual(loadConfigFile(file));
}

const sections = (c: VipdConfig) => new Map(c.virtualServers.map((vs) => [vs.name, vs]));

describe("ConfigLoader", () => {
  test("a reload reads again only the virtual server whose text changed", () => {
    const loader = new ConfigLoader();
    const first = config(loadWith(loader, BASE.join("")));
    const changed = [BASE[0], BASE[1], BASE[2], server("api", "192.0.2.12", [5])].join("");
    const second = loadWith(loader, changed);
    expectFresh(second);
    const before = sections(first);
    const after = sections(config(second));
    expect(after.get("web")).toBe(before.get("web")!);
    expect(after.get("80")).toBe(before.get("80")!);
    expect(after.get("api")).not.toBe(before.get("api")!);
    expect(after.get("api")!.realServers[0]!.weight).toBe(5);
  });

  test("a reused virtual server's warnings come again, on the lines where they are now", () => {
    const loader = new ConfigLoader();
    const first = loadWith(loader, BASE.join(""));
    expect(first.warnings.map((w) => w.keyPath)).toEqual(["virtual_servers.80.hysteresis"]);
    // Comments and blank lines above change no meaning: everything is reused, every line moves by three.
    const second = loadWith(loader, `# one\n# two\n\n${BASE.join("")}`);
    expectFresh(second);
    expect(sections(config(second)).get("80")).toBe(sections(config(first)).get("80")!);
    expect(second.warnings.map((w) => w.line)).toEqual(first.warnings.map((w) => w.line + 3));
  });

  test("a change outside the virtual servers reads them all again", () => {
    const loader = new ConfigLoader();
    const first = config(loadWith(loader, BASE.join("")));
    const second = loadWith(loader, BASE.join("").replace('router_id = "lb1"', 'router_id = "lb2"'));
    expectFresh(second);
    for (const [name, vs] of sections(config(second))) expect(vs).not.toBe(sections(first).get(name)!);
  });

  test("virtual servers added, removed and moved come in a fresh load's order", () => {
    const loader = new ConfigLoader();
    loadWith(loader, BASE.join(""));
    const second = loadWith(loader, [BASE[0], BASE[3], server("new", "192.0.2.13", [1]), BASE[1]].join(""));
    expectFresh(second);
    expect(config(second).virtualServers.map((vs) => vs.name)).toEqual(["api", "new", "web"]);
  });

  test("a broken reload reports as a fresh load does; the next one still reuses the last accepted file", () => {
    const loader = new ConfigLoader();
    const first = config(loadWith(loader, BASE.join("")));
    const broken = loadWith(loader, [BASE[0], BASE[1], server("80", "192.0.2.11", [2, 3], "quorum = = 2"), BASE[3]].join(""));
    expect(broken.ok).toBe(false);
    expectFresh(broken);
    const invalid = loadWith(loader, [BASE[0], BASE[1], BASE[2], server("api", "192.0.2.12", [1], 'lb_algo = "nope"')].join(""));
    expect(invalid.ok).toBe(false);
    expectFresh(invalid);
    const third = loadWith(loader, [BASE[0], BASE[1], BASE[2], server("api", "192.0.2.12", [7])].join(""));
    expectFresh(third);
    expect(sections(config(third)).get("web")).toBe(sections(first).get("web")!);
  });

  test("real servers written as rows (vipd convert's form) are reused and reported on their own lines too", () => {
    const rows = (name: string, address: string, weights: (number | string)[]) =>
      `[virtual_servers."${name}"]\naddress = "${address}"\nport = 80\nprotocol = "tcp"\nreal_servers = [\n${weights
        .map((w, i) => `  { address = "198.51.100.${i + 1}", weight = ${w} },\n`)
        .join("")}]\n\n`;
    const loader = new ConfigLoader();
    const first = config(loadWith(loader, [REST, rows("web", "192.0.2.10", [1, 1]), rows("api", "192.0.2.12", [1, 2])].join("")));
    const second = loadWith(loader, [REST, rows("web", "192.0.2.10", [1, 1]), rows("api", "192.0.2.12", [1, 4])].join(""));
    expectFresh(second);
    expect(sections(config(second)).get("web")).toBe(sections(first).get("web")!);
    expect(sections(config(second)).get("api")!.realServers[1]!.weight).toBe(4);
    const wrong = loadWith(loader, [REST, rows("web", "192.0.2.10", [1, 1]), rows("api", "192.0.2.12", [1, '"x"'])].join(""));
    expectFresh(wrong);
    expect(wrong.ok ? [] : wrong.errors.map((e) => [e.line, e.keyPath])).toEqual([[24, "virtual_servers.api.real_servers[1].weight"]]);
  });

  test("a first load, read a piece at a time, gives what the whole file parsed gives", () => {
    const first = loadWith(new ConfigLoader(), BASE.join(""));
    expectFresh(first);
    expect(config(first).virtualServers.map((vs) => [vs.name, vs.realServers.map((rs) => rs.weight)])).toEqual([
      ["80", [2, 3]],
      ["web", [1, 1]],
      ["api", [1]],
    ]);
  });

  test("a syntax error in a virtual server at a first load is placed on the file's line, not its piece's", () => {
    const text = [BASE[0], BASE[1], server("80", "192.0.2.11", [2, 3], "quorum = = 2"), BASE[3]].join("");
    const broken = loadWith(new ConfigLoader(), text);
    expectFresh(broken);
    const line = text.split("\n").indexOf("quorum = = 2") + 1;
    expect(broken.ok ? [] : broken.errors.map((e) => e.line)).toEqual([line]);
  });

  test("a file that cannot be cut is loaded whole, every time", () => {
    const loader = new ConfigLoader();
    const text = `${BASE.join("")}\n[global.x]\n`.replace('router_id = "lb1"', 'router_id = """lb1"""');
    const first = loadWith(loader, text);
    const second = loadWith(loader, text);
    expectFresh(second);
    expect(second.ok).toBe(first.ok);
    if (first.ok && second.ok) expect(second.config.virtualServers[0]).not.toBe(first.config.virtualServers[0]!);
  });
});
