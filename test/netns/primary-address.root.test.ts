// The core's tie-break address and the address the VRRP socket sends from come from one rule
// (src/adapters/primary-address.ts): on the kernel, with a host-scope address listed first, they agree.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Lab } from "./harness.ts";

const CHILD = join(import.meta.dir, "fixtures", "primary-address-child.ts");
let lab: Lab;

beforeAll(async () => {
  lab = await Lab.create({ hosts: ["a", "b"], bridge: false });
  // A link (a veth pair: this kernel has no dummy) whose first IPv4 address can never leave the host, then the real
  // one, then a secondary.
  lab.must("a", ["ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1"]);
  lab.must("a", ["ip", "link", "set", "d1", "up"]);
  lab.must("a", ["ip", "addr", "add", "203.0.113.9/32", "dev", "d0", "scope", "host"]);
  lab.must("a", ["ip", "addr", "add", "203.0.113.1/24", "dev", "d0"]);
  lab.must("a", ["ip", "addr", "add", "203.0.113.2/24", "dev", "d0"]);
  lab.must("a", ["ip", "addr", "add", "fe80::d0/64", "dev", "d0", "nodad"]);
  lab.must("a", ["ip", "-6", "addr", "add", "2001:db8::d0/64", "dev", "d0", "nodad"]);
  lab.must("a", ["ip", "link", "set", "d0", "up"]);
}, 20_000);

afterAll(async () => {
  await lab?.destroy();
});

test("the core's tie-break address equals the socket's source address, IPv4 and IPv6", () => {
  const out = lab.must("a", [process.execPath, CHILD, "d0"], 30_000);
  const result = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, string | null>;
  expect(result.core4).toBe("203.0.113.1");
  expect(result.socket4).toBe(result.core4);
  expect(result.core6).toMatch(/^fe80::/);
  expect(result.socket6).toBe(result.core6);
});
