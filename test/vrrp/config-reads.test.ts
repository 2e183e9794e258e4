// The core's half of "no key that does nothing" (test/config/key-walk.test.ts is the config's half): every field
// of InstanceConfig, garp's included, is read by the protocol core while it runs through elections, adverts from
// lower and higher masters, trackers, refreshes and shutdown. A field handed to the core that it never reads fails
// here by name.
import { expect, test } from "bun:test";
import { AUTH_PASS } from "../../src/vrrp/constants.ts";
import { passwordAuthData } from "../../src/vrrp/advert.ts";
import { DEFAULT_GARP, type InstanceConfig } from "../../src/vrrp/instance-config.ts";
import { Harness } from "./harness.ts";
import { instance, ip } from "./fixtures.ts";

/** `target` with every property read recorded as a path ("garp.masterRepeat"); nested plain objects too. */
function recording<T extends object>(target: T, reads: Set<string>, prefix = ""): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      const value = Reflect.get(t, key, receiver);
      if (typeof key !== "string") return value;
      const path = `${prefix}${key}`;
      reads.add(path);
      const plain = value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array);
      return plain ? recording(value as object, reads, `${path}.`) : value;
    },
  });
}

function fields(config: InstanceConfig): string[] {
  return Object.entries(config).flatMap(([key, value]) =>
    value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array)
      ? Object.keys(value).map((k) => `${key}.${k}`)
      : [key],
  );
}

/** One life of an instance: elected, answers a lower master, refreshes, yields to a higher one, preempts, stops. */
function life(config: InstanceConfig, reads: Set<string>): void {
  const h = new Harness([recording(config, reads)]);
  const password = config.authType === AUTH_PASS ? "secret" : undefined;
  const src = "192.0.2.9";
  h.startup();
  h.receive({ src, priority: 150, password });
  h.advanceBy(1000);
  h.receive({ src, priority: 150, password });
  h.advanceBy(10_000);
  h.receive({ src, priority: 50, password });
  h.advanceBy(config.garp.lowerPrioDelayMs + config.garp.masterRefreshMs + 1000);
  h.tracker("chk", false);
  h.tracker("chk", true);
  h.receive({ src, priority: 200, password });
  h.receive({ src, priority: 50, password });
  h.advanceBy(20_000);
  h.shutdown();
}

test("the core reads every field of InstanceConfig", () => {
  const reads = new Set<string>();
  const garp = { ...DEFAULT_GARP, masterRefreshMs: 2000, masterRefreshRepeat: 2 };
  const trackers = [{ name: "chk", kind: "status" as const, weight: -10, reverse: false }];
  const v2 = instance({ version: 2, authType: AUTH_PASS, authData: passwordAuthData("secret"), garp, trackers, preemptDelayMs: 500 });
  const v3 = instance({ version: 3, checksumAsV2: true, skipCheckAdvertAddresses: true, garp, trackers });
  const unicast = instance({ version: 3, unicastPeers: [ip("192.0.2.9")], garp, trackers });
  for (const config of [v2, v3, unicast]) life(config, reads);
  const unread = fields(v2).filter((f) => !reads.has(f));
  expect(unread).toEqual([]);
});
