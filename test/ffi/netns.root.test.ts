// setns(2) through ffi/netns.ts: a process spawned inside inNetworkNamespace() runs in that namespace, and the
// calling thread is back in its own afterwards, also when the work throws. The namespace is this test's own
// (per-run name, deleted in afterAll).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { inNetworkNamespace } from "../../ffi/index.ts";

const NS = `vf${process.pid}-ns`;
let created = false;

beforeAll(() => {
  // Fails loudly (never skips) without root: creating a namespace needs it.
  if (process.getuid?.() !== 0) throw new Error("the setns test needs root (it creates a network namespace)");
  const r = Bun.spawnSync(["ip", "netns", "add", NS], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`ip netns add ${NS} failed: ${r.stderr.toString()}`);
  created = true;
});

afterAll(() => {
  if (created) Bun.spawnSync(["ip", "netns", "del", NS]);
});

const namespaceOf = (path: string) => statSync(path).ino;

test("a process spawned inside runs in the namespace; the thread returns to its own, also after a throw", async () => {
  const own = namespaceOf("/proc/thread-self/ns/net");
  const target = namespaceOf(`/run/netns/${NS}`);
  expect(target).not.toBe(own);
  const child = inNetworkNamespace(`/run/netns/${NS}`, () => Bun.spawn(["sleep", "5"]));
  try {
    expect(namespaceOf(`/proc/${child.pid}/ns/net`)).toBe(target);
    expect(namespaceOf("/proc/thread-self/ns/net")).toBe(own);
  } finally {
    child.kill();
    await child.exited;
  }
  expect(() =>
    inNetworkNamespace(`/run/netns/${NS}`, () => {
      throw new Error("work failed");
    }),
  ).toThrow("work failed");
  expect(namespaceOf("/proc/thread-self/ns/net")).toBe(own);
  expect(() => inNetworkNamespace(`/run/netns/${NS}-missing`, () => 1)).toThrow(/ENOENT/);
  expect(namespaceOf("/proc/thread-self/ns/net")).toBe(own);
});
