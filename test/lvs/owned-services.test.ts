// The record of vipd's IPVS services: a file under /run that a restart reads back.

import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Log } from "../../src/daemon/log.ts";
import { ownedServicesFile } from "../../src/lvs/owned-services.ts";

const dir = mkdtempSync(join(tmpdir(), "vipd-owned-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(m),
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}

test("saved names are loaded back; no file is an empty record, said nowhere", () => {
  const log = memoryLog();
  const record = ownedServicesFile(join(dir, "run/vipd/ipvs-services"), log);
  expect(record.load()).toEqual([]);
  record.save(["tcp 192.0.2.10 80", "fwmark 4 ipv6"]);
  expect(readFileSync(join(dir, "run/vipd/ipvs-services"), "utf8")).toBe("tcp 192.0.2.10 80\nfwmark 4 ipv6\n");
  expect(ownedServicesFile(join(dir, "run/vipd/ipvs-services"), log).load()).toEqual(["tcp 192.0.2.10 80", "fwmark 4 ipv6"]);
  expect(log.lines).toEqual([]);
});

test("a record that cannot be read or written is logged, never thrown", () => {
  const log = memoryLog();
  mkdirSync(join(dir, "a-directory"));
  const record = ownedServicesFile(join(dir, "a-directory"), log);
  expect(record.load()).toEqual([]);
  record.save(["tcp 192.0.2.10 80"]);
  expect(log.lines.map((l) => l.replace(dir, "DIR"))).toEqual([
    "warn IPVS: cannot read the record of vipd's services DIR/a-directory (EISDIR); starting without it",
    "error IPVS: cannot record vipd's services in DIR/a-directory (EISDIR)",
  ]);
});
