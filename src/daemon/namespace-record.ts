// Where the daemon keeps what a start after a crash must know: one file per network namespace under /run/vipd,
// because what a record holds (base interface settings, IPVS services) is the namespace's, and daemons in other
// namespaces share /run.

import { readlinkSync } from "node:fs";

/** /run/vipd/<record>-<the network namespace's inode>. */
export function namespaceRecordPath(record: "vmac-bases" | "ipvs-services", dir = "/run/vipd"): string {
  const ns = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/net"))?.[1] ?? "unknown";
  return `${dir}/${record}-${ns}`;
}
