// PING_CHECK's ICMP / ICMPv6 echo over raw sockets, between two namespaces: a host that answers passes, an
// address nobody holds fails at the deadline; several echoes at once are matched to their own replies.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Lab } from "./harness.ts";

let lab: Lab;
beforeAll(async () => {
  lab = await Lab.create({ hosts: ["lb", "rs"], bridge: false });
});
afterAll(async () => {
  await lab?.destroy();
});

test("echo replies from the real server pass; an address nobody holds fails at connect_timeout", () => {
  // The veth pair needs a moment to carry traffic: wait (bounded) until the system's ping gets through both ways.
  for (const address of ["192.0.2.11", "2001:db8::b"]) {
    const ready = [1, 2, 3, 4, 5].some(() => lab.exec("lb", ["ping", "-c1", "-W1", address], 3000).code === 0);
    if (!ready) throw new Error(`the lab's link does not carry pings to ${address}`);
  }
  const fixture = join(import.meta.dir, "fixtures", "ping-probe.ts");
  const out = lab.must(
    "lb",
    [process.execPath, fixture, "192.0.2.11", "1000", "2001:db8::b", "1000", "192.0.2.99", "300", "2001:db8::99", "300"],
    20_000,
  );
  const results = Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { address: string; ok: boolean; reason: string; ms: number })
      .map((r) => [r.address, r]),
  );
  expect(results["192.0.2.11"]).toMatchObject({ ok: true, reason: "echo reply" });
  expect(results["2001:db8::b"]).toMatchObject({ ok: true, reason: "echo reply" });
  expect(results["192.0.2.99"]).toMatchObject({ ok: false, reason: "no echo reply within 300 ms" });
  expect(results["2001:db8::99"]).toMatchObject({ ok: false, reason: "no echo reply within 300 ms" });
  expect(results["192.0.2.99"]!.ms).toBeGreaterThanOrEqual(290);
  expect(results["192.0.2.11"]!.ms).toBeLessThan(1000);
});
