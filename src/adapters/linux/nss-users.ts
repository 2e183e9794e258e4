// UserLookup through the C library's NSS (ffi/nss.ts). A number is taken as an id, as keepalived does.
import { getGroupId, getPasswdEntry } from "../../../ffi/index.ts";
import type { Ids, UserLookup } from "../user-lookup.ts";

const NUMBER = /^\d+$/;

export const nssUsers: UserLookup = (user: string, group: string | null): Ids | null => {
  const entry = NUMBER.test(user) ? { uid: Number(user), gid: Number(user) } : getPasswdEntry(user);
  if (!entry) return null;
  if (group === null) return entry;
  const gid = NUMBER.test(group) ? Number(group) : getGroupId(group);
  return gid === null ? null : { uid: entry.uid, gid };
};
