// The checkers' own TCP transport (src/adapters/linux/stream-exchange.ts: placed sockets, one shared epoll tick)
// against real sockets in a namespace of this test: it must tell each outcome apart — connected, refused, no
// connection by the deadline, no reply by the deadline, a complete reply, a reply reset half way — close a
// connect-only exchange as keepalived does, and leave no descriptor or watched exchange behind. The fixture runs inside the namespace and reports what it saw.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Lab } from "./harness.ts";

let lab: Lab;
beforeAll(async () => {
  lab = await Lab.create({ hosts: ["client", "other"] });
});
afterAll(async () => {
  await lab?.destroy();
});

interface Outcome {
  end: string;
  error: string;
  bytes: number;
  ms: number;
}

test("each outcome is told apart, within its deadline, and nothing is left open", () => {
  // On the lab's link, answered by nobody: the SYN waits for an ARP reply that never comes.
  const silent = "192.0.2.200";
  const fixture = join(import.meta.dir, "fixtures", "stream-exchange-outcomes.ts");
  const out = lab.must("client", [process.execPath, fixture, silent], 30_000);
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, Outcome> & {
    concurrent: Outcome[];
    connectOnly: { ends: string[]; serverSaw: string[] };
    left: { inFlight: number; fdsBefore: number; fdsAfter: number };
  };
  expect(r.connected).toMatchObject({ end: "done", error: "", bytes: 0 });
  expect(r.refused).toMatchObject({ end: "error", error: "ECONNREFUSED" });
  expect(r.connectTimeout).toMatchObject({ end: "timeout", error: "", bytes: 0 });
  expect(r.replyTimeout).toMatchObject({ end: "timeout", error: "", bytes: 0 });
  for (const timedOut of [r.connectTimeout!, r.replyTimeout!]) {
    expect(timedOut.ms).toBeGreaterThanOrEqual(299);
    expect(timedOut.ms).toBeLessThan(600);
  }
  expect(r.replyComplete).toMatchObject({ end: "closed", error: "", bytes: 53 });
  // The first 30 bytes arrive, then the reset: an error, not a reply that merely ended.
  expect(r.resetMidway).toMatchObject({ end: "error", error: "ECONNRESET", bytes: 30 });
  const ends = r.concurrent.map((o, i) => `${i % 2 ? "complete" : "hung"}:${o.end}:${o.bytes}`);
  expect(ends).toEqual(r.concurrent.map((_, i) => (i % 2 ? "complete:closed:53" : "hung:timeout:0")));
  // TCP_CHECK's connection ends with an ordinary close (a FIN), as keepalived's: the server hears an end.
  expect(r.connectOnly).toEqual({ ends: ["done", "done", "done", "done", "done"], serverSaw: ["end", "end", "end", "end", "end"] });
  expect(r.left.inFlight).toBe(0);
  expect(r.left.fdsAfter).toBe(r.left.fdsBefore);
}, 60_000);
