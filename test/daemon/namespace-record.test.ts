// A record per network namespace: daemons in two namespaces share /run, never a record.

import { expect, test } from "bun:test";
import { statSync } from "node:fs";
import { namespaceRecordPath } from "../../src/daemon/namespace-record.ts";

test("the IPVS and VMAC records are named by this process's network namespace (its inode)", () => {
  const inode = statSync("/proc/self/ns/net").ino;
  expect(namespaceRecordPath("ipvs-services")).toBe(`/run/vipd/ipvs-services-${inode}`);
  expect(namespaceRecordPath("vmac-bases", "/tmp/x")).toBe(`/tmp/x/vmac-bases-${inode}`);
});
