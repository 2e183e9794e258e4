// User and group names to ids, from /etc/passwd and /etc/group (there is no getpwnam in Node's API).

import { readFileSync } from "node:fs";

export interface Ids {
  uid: number;
  gid: number;
}

function readDatabase(path: string): string[][] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(":"));
  } catch {
    return [];
  }
}

/** `user` or `user group` (keepalived's script_user form); null when the user or group does not exist. */
export function lookupIds(user: string, group: string | null = null, files = { passwd: "/etc/passwd", group: "/etc/group" }): Ids | null {
  const entry = readDatabase(files.passwd).find((fields) => fields[0] === user || fields[2] === user);
  if (!entry) return null;
  const uid = Number(entry[2]);
  let gid = Number(entry[3]);
  if (group !== null) {
    const groupEntry = readDatabase(files.group).find((fields) => fields[0] === group || fields[2] === group);
    if (!groupEntry) return null;
    gid = Number(groupEntry[2]);
  }
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
}
