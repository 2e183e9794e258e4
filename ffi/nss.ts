// User and group names to ids through the C library's NSS (getpwnam_r / getgrnam_r), so that users from LDAP or
// sssd resolve as they do for every other program on the host, not only those in /etc/passwd.
import { SyscallError } from "./errno.ts";
import { libc } from "./libc.ts";
import * as group from "./structs/group.ts";
import * as passwd from "./structs/passwd.ts";

/** Room for the strings the entry points to; glibc answers ERANGE when it is too small, and we double it. */
const INITIAL_BUFFER = 4096;
const MAX_BUFFER = 1 << 20;
const ERANGE = 34;

export interface PasswdEntry {
  uid: number;
  gid: number;
}

function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}

/** Runs a *_r lookup with a growing buffer; the entry's bytes when found, null when the name does not exist. */
function lookup(call: "getpwnam_r" | "getgrnam_r", name: string, entrySize: number): Uint8Array | null {
  const entry = new Uint8Array(entrySize);
  const result = new BigUint64Array(1);
  for (let size = INITIAL_BUFFER; size <= MAX_BUFFER; size *= 2) {
    const buffer = new Uint8Array(size);
    const error = libc[call](cString(name), entry, buffer, size, result);
    if (error === ERANGE) continue;
    if (error !== 0) throw new SyscallError(call, error, name);
    return result[0] === 0n ? null : entry;
  }
  throw new SyscallError(call, ERANGE, name);
}

/** The user's uid and primary gid, or null when no such user exists. */
export function getPasswdEntry(name: string): PasswdEntry | null {
  const entry = lookup("getpwnam_r", name, passwd.SIZE);
  if (!entry) return null;
  const view = new DataView(entry.buffer);
  return { uid: view.getUint32(passwd.OFFSETS.pw_uid, true), gid: view.getUint32(passwd.OFFSETS.pw_gid, true) };
}

/** The group's gid, or null when no such group exists. */
export function getGroupId(name: string): number | null {
  const entry = lookup("getgrnam_r", name, group.SIZE);
  if (!entry) return null;
  return new DataView(entry.buffer).getUint32(group.OFFSETS.gr_gid, true);
}
