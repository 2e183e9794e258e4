// Whether nf_tables (or any module) can be in the kernel, read from /sys/module and modules.builtin alone: the
// no-accept filter skips removing a crashed run's table only when the module is known to be absent.

import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moduleMayBePresent } from "../../src/adapters/linux/kernel-module.ts";

let root: string;
let roots: { sysModule: string; modules: string };
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "vipd-modules-"));
  roots = { sysModule: join(root, "sys"), modules: join(root, "lib") };
  mkdirSync(roots.sysModule);
  mkdirSync(roots.modules);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test("loaded: /sys/module has it", () => {
  mkdirSync(join(roots.sysModule, "nf_tables"));
  writeFileSync(join(roots.modules, "modules.builtin"), "kernel/net/ipv4/tcp_cubic.ko\n");
  expect(moduleMayBePresent("nf_tables", roots)).toBe(true);
});

test("built in: listed in modules.builtin, even without a /sys entry", () => {
  writeFileSync(join(roots.modules, "modules.builtin"), "kernel/net/netfilter/nf_tables.ko\nkernel/net/ipv4/tcp_cubic.ko\n");
  expect(moduleMayBePresent("nf_tables", roots)).toBe(true);
});

test("a module neither loaded nor built in is absent; a similar name does not count", () => {
  writeFileSync(join(roots.modules, "modules.builtin"), "kernel/net/netfilter/nf_tables_set.ko\nkernel/net/ipv4/tcp_cubic.ko\n");
  expect(moduleMayBePresent("nf_tables", roots)).toBe(false);
});

test("without modules.builtin nothing says it is absent", () => {
  expect(moduleMayBePresent("nf_tables", roots)).toBe(true);
});
