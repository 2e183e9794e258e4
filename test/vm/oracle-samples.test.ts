// The oracle's preparation of the samples, without the VM: checkers and non-LVS blocks go, nested blocks with them,
// and what is left converts with nothing lost (no checker left for vipd convert to report).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oracleSamples, stripForOracle } from "./oracle-samples.ts";

const scratch = mkdtempSync(join(tmpdir(), "vipd-oracle-samples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("checker blocks (nested ones too), VRRP blocks and global_defs but its LVS settings are removed; the LVS part stays as written", () => {
  const text = [
    "global_defs {",
    "  router_id x",
    "  notification_email {",
    "    lvs_timeouts@example.com",
    "  }",
    "  lvs_timeouts tcp 1000",
    "}",
    "vrrp_instance VI_1 {",
    "  virtual_ipaddress {",
    "    192.0.2.1",
    "  }",
    "}",
    "virtual_server 192.0.2.1 80 {",
    "  lb_algo rr",
    "  real_server 198.51.100.2 80 {",
    "    weight 2",
    "    HTTP_GET {",
    "      url { path / } ! a comment with a { brace",
    "      connect_timeout 3",
    "    }",
    "  }",
    "}",
  ].join("\n");
  expect(stripForOracle(text)).toBe(
    [
      "global_defs {",
      "  lvs_timeouts tcp 1000",
      "}",
      "virtual_server 192.0.2.1 80 {",
      "  lb_algo rr",
      "  real_server 198.51.100.2 80 {",
      "    weight 2",
      "  }",
      "}",
    ].join("\n"),
  );
});

test("unbalanced braces are an error, not a silent cut", () => {
  expect(() => stripForOracle("TCP_CHECK {\n  connect_timeout 3\n")).toThrow("unbalanced");
});

test("every corpus sample with a virtual_server is prepared, and converts without losing anything", () => {
  const samples = oracleSamples(scratch);
  expect(samples.length).toBe(17);
  for (const s of samples) {
    const code = s.keepalived.replace(/[!#].*$/gm, "");
    expect({ name: s.name, checker: /_CHECK|_GET/.test(code) }).toEqual({ name: s.name, checker: false });
    expect(s.toml).toContain("[virtual_servers.");
    expect({ name: s.name, checkerWarning: s.toml.includes("health checker not converted") }).toEqual({
      name: s.name,
      checkerWarning: false,
    });
  }
});
