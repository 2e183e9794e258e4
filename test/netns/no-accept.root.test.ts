// The nf_tables no-accept adapter on the kernel: it passes the shared NoAcceptFilter contract, and on the wire a
// blocked VIP takes neither ping nor TCP from a client namespace while the host's own address still answers.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Lab } from "./harness.ts";

const CHILD = join(import.meta.dir, "fixtures", "no-accept-child.ts");
const VIP4 = "192.0.2.100";
const VIP6 = "2001:db8::100";
let lab: Lab;

/** One adapter operation inside host a, in a process of its own (the namespace is the process's). */
function filter(...args: string[]): string {
  return lab.must("a", [process.execPath, CHILD, ...args], 20_000).trim();
}

function pingFromB(address: string): boolean {
  return lab.exec("b", ["ping", "-n", "-c", "1", "-W", "1", address], 5000).code === 0;
}

/** "refused" when a's kernel answered (no listener: RST), "timeout" when the SYN was dropped. */
function tcpFromB(address: string): "refused" | "timeout" | "other" {
  const r = lab.exec("b", ["timeout", "2", "bash", "-c", `exec 3<>/dev/tcp/${address}/9`], 5000);
  if (r.code === 124) return "timeout";
  return r.stderr.includes("refused") ? "refused" : "other";
}

beforeAll(async () => {
  lab = await Lab.create({ hosts: ["a", "b"], bridge: false });
  lab.must("a", ["ip", "addr", "add", `${VIP4}/24`, "dev", "eth0"]);
  lab.must("a", ["ip", "addr", "add", `${VIP6}/64`, "dev", "eth0", "nodad"]);
}, 20_000);

afterAll(async () => {
  await lab?.destroy();
});

test("the nf_tables adapter passes the NoAcceptFilter contract", () => {
  expect(JSON.parse(filter("contract"))).toEqual([]);
  expect(lab.must("a", ["nft", "list", "tables"]).trim()).toBe("");
}, 30_000);

test("a blocked VIP takes no ping and no TCP, the host's own address still does; unblocked, it answers again", () => {
  expect([pingFromB(VIP4), pingFromB(VIP6), tcpFromB(VIP4), tcpFromB(VIP6)]).toEqual([true, true, "refused", "refused"]);
  filter("install");
  expect([pingFromB(VIP4), tcpFromB(VIP4)]).toEqual([true, "refused"]);
  filter("block", VIP4, VIP6);
  expect(lab.must("a", ["nft", "list", "set", "inet", "vipd", "vips4"])).toContain(VIP4);
  expect([pingFromB(VIP4), pingFromB(VIP6), tcpFromB(VIP4), tcpFromB(VIP6)]).toEqual([false, false, "timeout", "timeout"]);
  expect([pingFromB(lab.ipv4("a")), pingFromB(lab.ipv6("a")), tcpFromB(lab.ipv4("a"))]).toEqual([true, true, "refused"]);
  filter("unblock", VIP4, VIP6);
  expect([pingFromB(VIP4), pingFromB(VIP6), tcpFromB(VIP4)]).toEqual([true, true, "refused"]);
  filter("block", VIP4);
  filter("remove");
  expect(JSON.parse(filter("list"))).toEqual({ installed: false, blocked: [] });
  expect(pingFromB(VIP4)).toBe(true);
}, 60_000);
