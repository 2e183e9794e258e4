import { expect, test } from "bun:test";
import { type ProbedCheck, probeKey } from "../../src/check/check-definition.ts";

const tcp = (port: number, order: "a" | "b"): ProbedCheck => {
  const timing = { delayLoopMs: 6000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 6000, alpha: false };
  const connect = {
    address: "198.51.100.21",
    family: 4 as const,
    port,
    bindAddress: null,
    bindPort: null,
    bindInterface: null,
    fwmark: null,
    timeoutMs: 5000,
  };
  // Same content, properties in another order: still the same probe.
  return order === "a"
    ? { kind: "TCP_CHECK", timing, connect }
    : {
        connect: {
          timeoutMs: 5000,
          bindPort: null,
          bindInterface: null,
          fwmark: null,
          bindAddress: null,
          port,
          family: 4,
          address: "198.51.100.21",
        },
        timing,
        kind: "TCP_CHECK",
      };
};

test("identical checks have one key whatever the property order; another port or timing is another probe", () => {
  expect(probeKey(tcp(80, "a"))).toBe(probeKey(tcp(80, "b")));
  expect(probeKey(tcp(80, "a"))).not.toBe(probeKey(tcp(81, "a")));
  const slower = tcp(80, "a");
  slower.timing.delayLoopMs = 10_000;
  expect(probeKey(slower)).not.toBe(probeKey(tcp(80, "a")));
});
