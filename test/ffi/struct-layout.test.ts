// Checks every struct SIZE/offset, every constant in ffi/constants.ts and every errno in ffi/errno.ts against the
// real system headers: a C program generated from the TS tables is compiled with the system compiler and its
// output compared. A wrong offset would otherwise only show up as a kernel silently misreading a struct.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as constants from "../../ffi/constants.ts";
import { ERRNO } from "../../ffi/errno.ts";
import * as structs from "../../ffi/structs/index.ts";
import { IPPROTO_VRRP } from "../../src/vrrp/constants.ts";

interface Layout {
  C_TYPE: string;
  SIZE: number;
  OFFSETS: Readonly<Record<string, number>>;
}

const layouts: Layout[] = Object.values(structs).filter((m): m is typeof m & Layout => "C_TYPE" in m);

const HEADERS = [
  "stdio.h",
  "stddef.h",
  "errno.h",
  "poll.h",
  "sys/epoll.h",
  "sys/socket.h",
  "sys/un.h",
  "sys/uio.h",
  "sys/ioctl.h",
  "netinet/in.h",
  "net/if.h",
  // after net/if.h: the UAPI compat guards then add only what glibc lacks (IFF_LOWER_UP)
  "linux/if.h",
  "net/if_arp.h",
  "net/ethernet.h",
  "netpacket/packet.h",
  "linux/netlink.h",
  "linux/rtnetlink.h",
  "linux/fib_rules.h",
  "linux/ip.h",
  "linux/genetlink.h",
  "linux/ip_vs.h",
  "linux/netfilter.h",
  "linux/netfilter/nfnetlink.h",
  "linux/netfilter/nf_tables.h",
  "linux/filter.h",
  "time.h",
  "sys/timerfd.h",
  "sched.h",
  "pwd.h",
  "grp.h",
  "sys/prctl.h",
  "linux/capability.h",
];

function numericConstants(): [string, number][] {
  const entries: [string, unknown][] = Object.entries(constants);
  return entries.filter((e): e is [string, number] => typeof e[1] === "number");
}

/** The values the TS side claims, keyed like the C program's output lines. */
function expected(): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of layouts) {
    out.set(l.C_TYPE, l.SIZE);
    for (const [field, offset] of Object.entries(l.OFFSETS)) out.set(`${l.C_TYPE}.${field}`, offset);
  }
  for (const [name, value] of numericConstants()) out.set(`const ${name}`, value);
  for (const [name, value] of Object.entries(ERRNO)) out.set(`errno ${name}`, value);
  return out;
}

function cProgram(): string {
  const lines = ["#define _GNU_SOURCE", ...HEADERS.map((h) => `#include <${h}>`), "int main(void) {"];
  for (const l of layouts) {
    lines.push(`  printf("%s %zu\\n", "${l.C_TYPE}", sizeof(${l.C_TYPE}));`);
    for (const field of Object.keys(l.OFFSETS)) {
      lines.push(`  printf("%s %zu\\n", "${l.C_TYPE}.${field}", offsetof(${l.C_TYPE}, ${field}));`);
    }
  }
  for (const [name] of numericConstants()) lines.push(`  printf("%s %lld\\n", "const ${name}", (long long)(${name}));`);
  for (const name of Object.keys(ERRNO)) lines.push(`  printf("%s %lld\\n", "errno ${name}", (long long)(${name}));`);
  lines.push("  return 0;", "}", "");
  return lines.join("\n");
}

const INSTALL_HINT = "install a C compiler and the libc headers: apt-get install -y gcc libc6-dev linux-libc-dev";
const workDir = mkdtempSync(join(tmpdir(), "vipd-ffi-layout-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

let cached: Map<string, number> | undefined;

/** Compiles and runs the probe once; any failure (no compiler, missing header) throws with the install hint. */
function fromHeaders(): Map<string, number> {
  if (cached) return cached;
  const cc = Bun.which("cc") ?? Bun.which("gcc");
  if (!cc) throw new Error(`no C compiler (cc/gcc) on PATH; the struct layout check cannot run: ${INSTALL_HINT}`);
  const src = join(workDir, "prog.c");
  const bin = join(workDir, "prog");
  writeFileSync(src, cProgram());
  const build = Bun.spawnSync([cc, "-o", bin, src], { stderr: "pipe", stdout: "pipe", timeout: 60_000 });
  if (build.exitCode !== 0) {
    throw new Error(`compiling the layout probe failed (${INSTALL_HINT}):\n${build.stderr.toString()}`);
  }
  const run = Bun.spawnSync([bin], { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
  if (run.exitCode !== 0) throw new Error(`layout probe exited ${run.exitCode}: ${run.stderr.toString()}`);
  const values = new Map<string, number>();
  for (const line of run.stdout.toString().trim().split("\n")) {
    const cut = line.lastIndexOf(" ");
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  cached = values;
  return values;
}

function mismatches(prefix: (key: string) => boolean): string[] {
  const actual = fromHeaders();
  const wrong: string[] = [];
  for (const [key, value] of expected()) {
    if (!prefix(key)) continue;
    const real = actual.get(key);
    if (real !== value) wrong.push(`${key}: ffi says ${value}, headers say ${real}`);
  }
  return wrong;
}

describe("ffi layouts match the system headers", () => {
  test("a C compiler is available (required, never skipped)", () => {
    expect(fromHeaders().size).toBeGreaterThan(0);
  });

  test("the probe covers every struct module", () => {
    // index.ts is the registry; a struct module missing from it would silently escape the check.
    const files = new Bun.Glob("*.ts").scanSync(join(import.meta.dir, "../../ffi/structs"));
    const modules = [...files].filter((f) => f !== "index.ts" && f !== "bytes.ts");
    expect(layouts.length).toBe(modules.length);
  });

  test.each(layouts.map((l) => [l.C_TYPE, l] as const))("%s: size and field offsets", (cType, _layout) => {
    expect(mismatches((k) => k === cType || k.startsWith(`${cType}.`))).toEqual([]);
  });

  test("constants.ts values", () => {
    expect(numericConstants().length).toBeGreaterThan(100);
    expect(mismatches((k) => k.startsWith("const "))).toEqual([]);
  });

  test("errno table", () => {
    expect(mismatches((k) => k.startsWith("errno "))).toEqual([]);
  });

  test("IPPROTO_VRRP is the IANA number (no header defines it, so it lives in src/vrrp/constants.ts)", () => {
    expect(IPPROTO_VRRP).toBe(112);
  });
});
