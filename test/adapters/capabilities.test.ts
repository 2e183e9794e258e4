// The capability adapter against the kernel, as any user: what it reads is what /proc shows, and a narrowing in a
// child process (never this test process) leaves exactly the asked-for set, or nothing for a user who had none.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { capabilityMaskText } from "../../src/adapters/capabilities.ts";
import { threadCapabilities } from "../../src/adapters/linux/capabilities.ts";

function procField(name: string): string {
  const value = new RegExp(`^${name}:\\s*([0-9a-f]+)$`, "m").exec(readFileSync("/proc/thread-self/status", "utf8"))?.[1];
  if (value === undefined) throw new Error(`no ${name} in /proc/thread-self/status`);
  return value;
}

test("the five sets read through capget and prctl are the ones /proc shows for this thread", () => {
  const sets = threadCapabilities();
  expect({
    CapEff: capabilityMaskText(sets.effective),
    CapPrm: capabilityMaskText(sets.permitted),
    CapInh: capabilityMaskText(sets.inheritable),
    CapBnd: capabilityMaskText(sets.bounding),
    CapAmb: capabilityMaskText(sets.ambient),
  }).toEqual({
    CapEff: procField("CapEff"),
    CapPrm: procField("CapPrm"),
    CapInh: procField("CapInh"),
    CapBnd: procField("CapBnd"),
    CapAmb: procField("CapAmb"),
  });
  expect(sets.bounding).not.toBe(0n); // a full read, not an all-zero buffer
});

test("keepOnlyCapabilities in a child: the permitted set shrinks to what was asked and held; the child says what it got", () => {
  const child = join(import.meta.dir, "fixtures", "keep-only-capabilities.ts");
  const run = Bun.spawnSync([process.execPath, child, "CAP_NET_RAW", "CAP_KILL"], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  if (run.exitCode !== 0) throw new Error(`fixture failed (${run.exitCode}): ${run.stderr.toString()}`);
  const report = JSON.parse(run.stdout.toString()) as {
    before: string;
    effective: string;
    permitted: string;
    inheritable: string;
    ambient: string;
    missing: string[];
  };
  const asked = (1n << 13n) | (1n << 5n);
  const held = BigInt(`0x${report.before}`) & asked;
  expect(report).toMatchObject({
    effective: capabilityMaskText(held),
    permitted: capabilityMaskText(held),
    inheritable: capabilityMaskText(0n),
    ambient: capabilityMaskText(0n),
  });
  const notHeld = [
    ["CAP_NET_RAW", 13n],
    ["CAP_KILL", 5n],
  ].filter(([, cap]) => (BigInt(`0x${report.before}`) & (1n << (cap as bigint))) === 0n);
  expect(report.missing).toEqual(notHeld.map(([name]) => name as string));
});
