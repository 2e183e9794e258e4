import { expect, test } from "bun:test";
import { decideAccess, refusalLine } from "../../src/daemon/control-access.ts";

const peer = (uid: number) => ({ pid: 4242, uid, gid: uid });

test("status is for whoever can connect, even when the peer's credentials are unknown", () => {
  expect(decideAccess("status", peer(65534), 0)).toEqual({ allowed: true });
  expect(decideAccess("status", null, 0)).toEqual({ allowed: true });
});

test("handover and its undo: root and the daemon's own user may, anyone else is refused with uid and pid", () => {
  for (const command of ["handover", "handover --undo"] as const) {
    expect(decideAccess(command, peer(0), 0)).toEqual({ allowed: true });
    expect(decideAccess(command, peer(0), 998)).toEqual({ allowed: true });
    expect(decideAccess(command, peer(998), 998)).toEqual({ allowed: true });
    expect(decideAccess(command, peer(1000), 0)).toEqual({
      allowed: false,
      reason: "uid 1000 (pid 4242) may not change state; only root may",
    });
    expect(decideAccess(command, peer(1000), 998)).toEqual({
      allowed: false,
      reason: "uid 1000 (pid 4242) may not change state; only root or uid 998 (the daemon's user) may",
    });
  }
});

test("a peer whose credentials could not be read may not change state", () => {
  const decision = decideAccess("handover", null, 0);
  expect(decision).toEqual({ allowed: false, reason: "the daemon could not tell who sent it; only root may change state" });
});

test("the log line names the command, the uid and the pid", () => {
  const decision = decideAccess("handover --undo", peer(65534), 0);
  if (decision.allowed) throw new Error("uid 65534 was let through");
  expect(refusalLine("handover --undo", peer(65534), decision.reason)).toBe(
    "control socket: refused 'handover --undo' from uid 65534 pid 4242: uid 65534 (pid 4242) may not change state; only root may",
  );
  expect(refusalLine("handover", null, "x")).toBe("control socket: refused 'handover' from an unknown peer: x");
});
