// The policy's side of the capability drop, over a fake adapter: what it asks to keep, and that every outcome
// (narrowed, bounding set left as it was, threads left behind, refused) is logged.
import { expect, test } from "bun:test";
import type { CapabilityDrop, CapabilityName } from "../../src/adapters/capabilities.ts";
import type { Log } from "../../src/daemon/log.ts";
import { DAEMON_CAPABILITIES, DAEMON_CAPABILITY_NAMES, dropPrivileges } from "../../src/daemon/privileges.ts";

function capturingLog(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

const NARROWED: CapabilityDrop = {
  after: { effective: 0x30e0n, permitted: 0x30e0n, inheritable: 0n, bounding: 0x30e0n, ambient: 0n },
  boundingNarrowed: true,
  threadsHoldingMore: [],
  missing: [],
};

test("the policy keeps network administration, raw sockets and what scripts as other users need; never CAP_SYS_ADMIN", () => {
  expect([...DAEMON_CAPABILITY_NAMES].sort()).toEqual(["CAP_KILL", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID"]);
  for (const { why } of DAEMON_CAPABILITIES) expect(why.length).toBeGreaterThan(10);
});

test("a drop asks for the policy's set and logs what was kept", () => {
  const { log, lines } = capturingLog();
  let asked: readonly CapabilityName[] = [];
  const result = dropPrivileges((keep) => {
    asked = keep;
    return NARROWED;
  }, log);
  expect(asked).toEqual(DAEMON_CAPABILITY_NAMES);
  expect(result).toBe(NARROWED);
  expect(lines).toEqual([
    "info capabilities: kept CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_KILL (effective 00000000000030e0, bounding 00000000000030e0)",
  ]);
});

test("capabilities never held, a bounding set left as it was and threads left behind are warned about", () => {
  const { log, lines } = capturingLog();
  dropPrivileges(() => ({ ...NARROWED, boundingNarrowed: false, threadsHoldingMore: [12, 13], missing: ["CAP_KILL"] }), log);
  expect(lines.filter((l) => l.startsWith("warn"))).toEqual([
    "warn started without CAP_KILL: what needs them will fail",
    "warn the bounding set could not be narrowed (no CAP_SETPCAP): programs run by scripts may regain capabilities",
    "warn threads 12, 13 still hold more capabilities (started before the drop)",
  ]);
});

test("a refusal is logged as an error and the daemon goes on", () => {
  const { log, lines } = capturingLog();
  const result = dropPrivileges(() => {
    throw new Error("keep only CAP_NET_ADMIN: capset failed: EPERM (errno 1)");
  }, log);
  expect(result).toBeNull();
  expect(lines).toEqual([
    "error could not drop capabilities, running with all it was given: keep only CAP_NET_ADMIN: capset failed: EPERM (errno 1)",
  ]);
});
