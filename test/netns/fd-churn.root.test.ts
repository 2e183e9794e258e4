// Every adapter closes cleanly: opened and closed 1,000 times in a lab host, the process's descriptor count
// (/proc/self/fd) comes back to where it started. A leaked socket or reader registration would stay as +1,000.
// One agent per adapter, in parallel: closing a packet socket waits for an RCU grace period (≈14 ms each here),
// so the AF_PACKET adapters need ≈14 s for 1,000 closes, most of it in the kernel.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Agent, type Json } from "./agent-client.ts";
import { Lab } from "./harness.ts";

const ADAPTERS = ["vrrp4", "vrrp6", "netlink", "monitor", "announcer"] as const;
let lab: Lab;
const results = new Map<string, Json>();

beforeAll(async () => {
  lab = await Lab.create({ hosts: ["a", "b"], bridge: true });
  const agents = await Promise.all(ADAPTERS.map(() => Agent.start(lab, "a")));
  try {
    await Promise.all(
      ADAPTERS.map(async (what, i) => {
        results.set(what, await agents[i]!.call("churn", { what, ifname: "eth0", count: 1000, settleMs: 40_000 }, 60_000));
      }),
    );
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
  }
}, 70_000);

afterAll(async () => {
  await lab?.destroy();
});

test.each(ADAPTERS)("%s: open/close ×1,000 leaves the fd count unchanged", (what) => {
  const r = results.get(what)!;
  console.log(`${what}: 1,000 open/close in ${r.loopMs.toFixed(0)} ms, descriptors settled ${r.settledMs.toFixed(0)} ms later`);
  expect(r.after).toBe(r.before);
});
