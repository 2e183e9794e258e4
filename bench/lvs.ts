// The load balancer's benchmark, vipd beside keepalived 2.2.7 in the same VM run (this machine's kernel has no
// IPVS; src/vm/runner.ts boots one that has): the time to install 1,000 virtual services × 10 real servers from
// start, a reload that changes one real server's weight — how long it takes, and what it touches (ipvsadm's
// table before and after; vipd also reports its netlink operations), and the stop (SIGTERM to exit; both remove
// their services). Both read the same keepalived.conf: vipd its `vipd convert`. The guest half is bench/lib/lvs-guest.ts.
//
//   bun bench/lvs.ts [--services 1000] [--servers 10] [--rounds 3] [--jit]        (≈ 4 min for 3 rounds)
//
// The two take turns --rounds times in the one boot, and the medians are compared: on this shared host a single
// install moved by a second or more from one run to the next, keepalived's as much as vipd's.
//
// --jit runs vipd with JSC's optimizing tier on too (BUN_JSC_useDFGJIT=1), which every daemon turns off
// (src/daemon/runtime-env.ts; one with virtual servers keeps the baseline JIT): what that tier would change.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertKeepalived } from "../src/convert/convert.ts";
import { runInVm, VmError } from "../src/vm/runner.ts";
import type { LvsBenchResult } from "./lib/lvs-guest.ts";
import { formatTable } from "./lib/table.ts";
import { wholeOption as option } from "./lib/options.ts";

const root = join(import.meta.dir, "..");

const SERVICES = option("services", 1000);
const SERVERS = option("servers", 10);
const ROUNDS = option("rounds", 3);
const JIT = process.argv.includes("--jit");
if (SERVICES > 250 * 100 || SERVERS > 250) throw new Error("at most 25,000 services and 250 real servers each");

/** Service i: 203.0.113.(1 + i mod 250), port 80 + ⌊i / 250⌋; real server j: 198.51.100.(1 + j):8080. */
const serviceAddress = (i: number) => ({ host: `203.0.113.${1 + (i % 250)}`, port: 80 + Math.floor(i / 250) });
const CHANGED = { service: Math.floor(SERVICES / 2), server: Math.floor(SERVERS / 2) };

function keepalivedConf(changed: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const { host, port } = serviceAddress(i);
    out.push(`virtual_server ${host} ${port} {`, "  lb_algo wrr", "  lb_kind NAT", "  protocol TCP");
    for (let j = 0; j < SERVERS; j++) {
      const weight = changed && i === CHANGED.service && j === CHANGED.server ? 2 : 1;
      out.push(`  real_server 198.51.100.${1 + j} 8080 {`, `    weight ${weight}`, "  }");
    }
    out.push("}");
  }
  return `${out.join("\n")}\n`;
}

/** ADDR:PORT as /proc/net/ip_vs writes it: hex, upper case, network order. */
function procHex(host: string, port: number): string {
  const addr = host
    .split(".")
    .map((b) => Number(b).toString(16).padStart(2, "0"))
    .join("");
  return `${addr}:${port.toString(16).padStart(4, "0")}`.toUpperCase();
}

function convert(dir: string, name: string, text: string): string {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, text);
  const converted = convertKeepalived(conf);
  if (converted.toml === null || converted.lossy)
    throw new Error(`vipd convert failed on ${name}.conf: ${JSON.stringify(converted.findings)}`);
  writeFileSync(join(dir, `${name}.toml`), converted.toml);
  return conf;
}

/** From vipd's log timestamps (the guest's clock, as the start and SIGHUP times): where its time went. */
function vipdSplit(f: LvsBenchResult["vipd"][number]): string {
  const at = (line: string | undefined) => (line ? Date.parse(line.slice(0, line.indexOf(" "))) : Number.NaN);
  const applied = f.reported.filter((l) => l.includes("changes applied"));
  const hup = f.reported.find((l) => l.includes("SIGHUP received"));
  return [
    `  start → table applied at start (its log line; runtime start, config load, desired table, diff, IPVS): ${at(applied[0]) - f.startedAt} ms`,
    `  SIGHUP sent → received: ${at(hup) - f.hupAt} ms; received → reload applied (load, prepare, dump, diff, edit): ${at(applied[1]) - at(hup)} ms`,
  ].join("\n");
}

const dir = mkdtempSync(join(tmpdir(), "vipd-bench-lvs-"));
try {
  convert(dir, "big", keepalivedConf(false));
  convert(dir, "reload", keepalivedConf(true));
  const binary = join(dir, "vipd");
  const build = Bun.spawnSync([process.execPath, join(root, "build.ts"), "--outfile", binary], { stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build.ts failed: ${build.stderr.toString()}`);
  const { host, port } = serviceAddress(CHANGED.service);
  const args = [
    binary,
    dir,
    SERVICES,
    SERVERS,
    procHex(host, port),
    procHex(`198.51.100.${1 + CHANGED.server}`, 8080),
    JIT ? "dfg" : "default",
    ROUNDS,
  ];
  console.log(
    `booting the VM: ${SERVICES} services × ${SERVERS} real servers, keepalived and vipd taking turns ${ROUNDS} times${JIT ? " (DFG tier on)" : ""}…`,
  );
  const run = await runInVm({
    command: `modprobe ip_vs && node_modules/.bin/bun bench/lib/lvs-guest.ts ${args.join(" ")}`,
    cwd: root,
    timeoutMs: 1_800_000,
  });
  if (run.exitCode !== 0) throw new Error(`the guest exited ${run.exitCode}:\n${run.stderr}\n${run.stdout}`);
  const result = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as LvsBenchResult;
  type Figures = LvsBenchResult["vipd"][number];
  const applied = (f: Figures) => f.reported.filter((l) => l.includes("changes applied"));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const row = (name: string, runs: Figures[]) => {
    const last = runs.at(-1)!;
    return [
      name,
      `${median(runs.map((f) => f.installMs))} ms (${runs.map((f) => f.installMs).join(" / ")})`,
      `${median(runs.map((f) => f.installCpu.userMs))} + ${median(runs.map((f) => f.installCpu.systemMs))} ms`,
      `${median(runs.map((f) => f.reloadMs))} ms (${runs.map((f) => f.reloadMs).join(" / ")})`,
      `${median(runs.map((f) => f.stopMs))} ms (${runs.map((f) => f.stopMs).join(" / ")}); ${Math.max(...runs.map((f) => f.servicesLeft))} left`,
      `${last.removed.length} / ${last.added.length}`,
      applied(last)
        .at(-1)
        ?.replace(/^.*IPVS: /, "") ?? "-",
    ];
  };
  console.log(`\nIPVS under emulation (qemu TCG, ≈ 12× slower than this host), ${SERVICES} services × ${SERVERS} real servers, NAT, wrr\n`);
  console.log(
    formatTable(
      [
        "daemon",
        `install, start → whole table: median (rounds in order)`,
        "CPU by then: user + system (medians)",
        `reload, SIGHUP → new weight: median (rounds)`,
        "stop, SIGTERM → exit: median (rounds); services left (most)",
        "reload: ipvsadm lines removed / added (last round)",
        "reload: daemon's report",
      ],
      [row("keepalived 2.2.7", result.keepalived), row("vipd", result.vipd)],
    ),
  );
  for (const [name, runs] of [
    ["keepalived", result.keepalived],
    ["vipd", result.vipd],
  ] as const) {
    const f = runs.at(-1)!;
    console.log(
      `\n${name}'s reload changed (last round):\n${[...f.removed.map((l) => `  - ${l}`), ...f.added.map((l) => `  + ${l}`)].join("\n")}`,
    );
  }
  const touchedOnlyOne = (f: Figures) => f.removed.length === 1 && f.added.length === 1;
  const everyRound = (runs: Figures[], ok: (f: Figures) => boolean) => (runs.every(ok) ? "yes" : "NO");
  console.log(
    `\nevery round's reload touched only the changed real server: keepalived ${everyRound(result.keepalived, touchedOnlyOne)}, vipd ${everyRound(
      result.vipd,
      (f) => touchedOnlyOne(f) && applied(f).at(-1)?.includes("1 of 1") === true,
    )} (vipd: 1 netlink operation)`,
  );
  console.log(`\nvipd's own log, where its time went:\n${result.vipd.map((f, i) => `round ${i + 1}:\n${vipdSplit(f)}`).join("\n")}`);
  const { startMs, checkMs } = result.vipdPhases;
  console.log(
    `vipd's fixed costs, each its own process under the daemon's runtime settings (median of 3):\n` +
      `  vipd --version (runtime start, program load): ${startMs} ms\n` +
      `  vipd check --offline of the big file (start + read, parse, validate, prepare): ${checkMs} ms`,
  );
  console.log(`(VM: boot ${Math.round(run.bootMs)} ms, whole run ${Math.round(run.totalMs)} ms)`);
} catch (e) {
  console.error(e instanceof VmError ? e.message : e);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
