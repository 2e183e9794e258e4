// Users and groups through the C library's NSS (getpwnam_r / getgrnam_r), the way every program on the host sees them.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { getGroupId, getPasswdEntry } from "../../ffi/index.ts";
import { nssUsers } from "../../src/adapters/linux/nss-users.ts";

/** The C library's answer for a name, for comparison: getent uses the same NSS configuration. */
function passwdLine(name: string): string[] | null {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  return line ? line.split(":") : null;
}

test("getpwnam_r and getgrnam_r find root, nobody and nogroup with the ids the system files give", () => {
  expect(getPasswdEntry("root")).toEqual({ uid: 0, gid: 0 });
  const nobody = passwdLine("nobody")!;
  expect(getPasswdEntry("nobody")).toEqual({ uid: Number(nobody[2]), gid: Number(nobody[3]) });
  expect(getGroupId("root")).toBe(0);
  expect(getGroupId("nogroup")).toBe(65534);
});

test("an unknown user or group is null, not an error", () => {
  expect(getPasswdEntry("no-such-user-vipd")).toBeNull();
  expect(getGroupId("no-such-group-vipd")).toBeNull();
});

test("the users port: user, user and group, numbers as ids, unknown parts", () => {
  expect(nssUsers("nobody", null)).toEqual(getPasswdEntry("nobody"));
  expect(nssUsers("nobody", "root")).toEqual({ uid: getPasswdEntry("nobody")!.uid, gid: 0 });
  expect(nssUsers("1234", "5678")).toEqual({ uid: 1234, gid: 5678 });
  expect(nssUsers("nobody", "no-such-group-vipd")).toBeNull();
  expect(nssUsers("no-such-user-vipd", null)).toBeNull();
});
