// `vipd lab --lb`: the load-balancing lab. Two directors run vipd (this executable) for a VIP with VRRP and a NAT
// virtual service in their IPVS tables, in front of two real servers (lb-network.ts); a client opens new
// connections to the VIP. The lab shows the virtual service and its real servers, which real server answers each
// connection, then kills the master director and shows the backup serving the client's new connections.
// This kernel must have IPVS: `vipd lab --lb` runs it in the test VM otherwise (lb-lab-vm.ts). CI runs it in the VM
// through test/vm/guest/director-pair.ts.

import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECK_BOUND_MS, type Director, directorConfig, LbNetwork, SORRY, VIP } from "./lb-network.ts";
import { labPrefix } from "./plan.ts";
import { bold, type Style } from "./report.ts";
import { selfCommand } from "./routers.ts";

export interface LbLabIo {
  out(text: string): void;
  err(text: string): void;
  style: Style;
}

const FETCHES = 4;

function run(argv: string[], timeout = 30_000): { ok: boolean; out: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout });
  return { ok: r.exitCode === 0, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

async function waitFor<T>(what: string, ms: number, probe: () => T | null | false): Promise<T> {
  const deadline = performance.now() + ms;
  for (let i = 0; i < 1000 && performance.now() < deadline; i++) {
    const value = probe();
    if (value !== null && value !== false) return value;
    await Bun.sleep(200);
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

/** What must hold before anything is created; each problem is one sentence for the user. */
export function lbPreflight(uid: number | undefined = process.getuid?.()): string[] {
  if (uid !== 0) return ["vipd lab --lb must run as root: it creates network namespaces and IPVS services (try: sudo vipd lab --lb)"];
  const tools: [string, string][] = [
    ["ip", "iproute2"],
    ["ipvsadm", "ipvsadm"],
    ["curl", "curl"],
    ["busybox", "busybox"],
  ];
  return tools
    .filter(([tool]) => !Bun.which(tool))
    .map(([tool, pkg]) => `vipd lab --lb needs \`${tool}\`, which is not on PATH (apt-get install ${pkg}, or scripts/install-deps.sh)`);
}

/** What the lab saw; test/vm/guest/director-pair.ts checks it in CI. */
export interface LbLabResult {
  /** Where the VIP was once d1 had taken it, and each director's IPVS table then (ipvsadm -Ln). */
  vipBefore: Record<Director, boolean>;
  tableBefore: Record<Director, string>;
  /**
   * Health checks: r1's web server stopped (the service loses its quorum of 2: the sorry server serves), then
   * started again. How long until d1's table changed each time, d1's table then, and what the client got.
   */
  checks: { removedMs: number; tableDown: string; whileDown: string[]; restoredMs: number; tableRestored: string };
  /** The real server that answered each new connection, before and after d1's death ("(failed)" when none). */
  before: string[];
  after: string[];
  /** The connections d2's IPVS holds (ActiveConn + InActConn) before d1's death and after the fetches through d2. */
  d2ConnsBefore: number;
  d2ConnsAfter: number;
  vipAfter: { d2: boolean };
  /** From the kill to the first page served through d2. */
  failoverMs: number;
  /** d2's vipd stopped with SIGTERM: its exit status (null: it did not end within 30 s) and its table after. */
  d2Exit: number | null;
  tableAfterStop: string;
  logs: Record<Director, string>;
}

export async function runLbLab(io: LbLabIo): Promise<number> {
  const problems = lbPreflight();
  if (problems.length > 0) {
    for (const p of problems) io.err(p);
    return 1;
  }
  try {
    const r = await lbLab(io);
    const served = (answers: string[]) => answers.every((a) => a === "r1" || a === "r2");
    const checked = r.checks.whileDown.every((a) => a === "sorry");
    const passed = checked && served(r.before) && served(r.after) && r.vipAfter.d2 && r.d2ConnsAfter >= r.after.length && r.d2Exit === 0;
    io.out(bold(io.style, passed ? "PASS: the backup director served every new connection" : "FAIL"));
    return passed ? 0 : 1;
  } catch (e) {
    io.err(`vipd lab --lb: ${(e as Error).message}`);
    io.out(bold(io.style, "FAIL"));
    return 1;
  }
}

async function exitWithin(proc: Bun.Subprocess, ms: number): Promise<number | null> {
  // A timer that is cleared: a pending sleep would keep the process alive until it ran out.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  const outcome = await Promise.race([proc.exited, late]);
  clearTimeout(timer);
  return outcome === "late" ? null : outcome;
}

/**
 * The lab's run, narrated on `io`; throws when a step does not happen in time. Everything made is removed. The
 * directors run `vipd` (default: this executable).
 */
export async function lbLab(io: LbLabIo, vipd: string[] = selfCommand()): Promise<LbLabResult> {
  const net = new LbNetwork(`${labPrefix(process.pid)}-lb`);
  const dir = mkdtempSync(join(tmpdir(), "vipd-lab-lb-"));
  const processes: Bun.Subprocess[] = [];
  const inNs = (host: Parameters<LbNetwork["ns"]>[0], argv: string[]) => ["ip", "netns", "exec", net.ns(host), ...argv];
  const fetchPage = (): string | null => {
    const r = run(inNs("c", ["curl", "-s", "--max-time", "3", `http://${VIP}/`]), 10_000);
    return r.ok ? r.out.trim() : null;
  };
  const hasVip = (d: Director) => run(["ip", "-n", net.ns(d), "-4", "addr", "show", "dev", "eth0"]).out.includes(`inet ${VIP}/24`);
  const table = (d: Director) => run(inNs(d, ["ipvsadm", "-Ln"])).out;
  /**
   * Connections d2's IPVS holds for the VIP's service: ActiveConn + InActConn of its real servers (entries stay for
   * TIME_WAIT after a page; ipvsadm's --stats counters are summed only every 2 s).
   */
  const d2Conns = () =>
    table("d2")
      .split("\n")
      .filter((l) => /^\s+-> \d/.test(l))
      .reduce((sum, l) => {
        const w = l.trim().split(/\s+/);
        return sum + Number(w[4]) + Number(w[5]);
      }, 0);
  const indent = (text: string) =>
    text
      .trimEnd()
      .split("\n")
      .filter((l) => !l.startsWith("IP Virtual Server"))
      .map((l) => `    ${l}`)
      .join("\n");
  const logOf = (d: Director) => {
    try {
      return readFileSync(join(dir, `${d}.log`), "utf8");
    } catch {
      return "(no log)";
    }
  };
  const startVipd = (d: Director, priority: number) => {
    const config = join(dir, `${d}.toml`);
    writeFileSync(config, directorConfig(d, priority));
    const log = openSync(join(dir, `${d}.log`), "w");
    // A private /run/vipd (tmpfs in the mount namespace `ip netns exec` makes): the directors' IPVS records never
    // meet each other's, nor the host's own vipd's.
    const command = [...vipd, "run", "-c", config].map((a) => `'${a}'`).join(" ");
    const proc = Bun.spawn(inNs(d, ["sh", "-c", `mount -t tmpfs tmpfs /run/vipd && exec ${command}`]), {
      stdin: "ignore",
      stdout: log,
      stderr: log,
    });
    processes.push(proc);
    return proc;
  };

  const started = performance.now();
  const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  io.out(bold(io.style, "vipd lab --lb: two IPVS directors running vipd (VRRP + a NAT virtual service), two real servers, a client"));
  // Ctrl-C: nothing is left behind (our processes by PID, our namespaces), then the usual exit status.
  const onSignal = (signal: NodeJS.Signals) => {
    io.err(`\n${signal}: stopping the lab's processes and removing its namespaces`);
    for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    net.destroy();
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    net.build();
    mkdirSync("/run/vipd", { recursive: true });
    const httpd = (r: "r1" | "r2", port: number, text: string) => {
      const root = join(dir, `www-${r}-${port}`);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, "index.html"), `${text}\n`);
      const proc = Bun.spawn(inNs(r, ["busybox", "httpd", "-f", "-p", String(port), "-h", root]), {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
      });
      processes.push(proc);
      return proc;
    };
    let r1Web = httpd("r1", 80, "r1");
    httpd("r2", 80, "r2");
    httpd("r2", SORRY.port, "sorry");
    io.out(`[${seconds()}] network: client 192.0.2.100 → VIP ${VIP} (d1 192.0.2.11 / d2 192.0.2.12) → r1 198.51.100.21, r2 198.51.100.22`);
    const d1 = startVipd("d1", 150);
    const d2 = startVipd("d2", 100);
    await waitFor("d1 to take the VIP", 60_000, () => hasVip("d1"));
    await waitFor(
      "both directors' IPVS tables",
      30_000,
      () => table("d1").includes("198.51.100.22:80") && table("d2").includes("198.51.100.22:80"),
    );
    const vipBefore = { d1: hasVip("d1"), d2: hasVip("d2") };
    const tableBefore = { d1: table("d1"), d2: table("d2") };
    io.out(`[${seconds()}] d1 is MASTER (priority 150) and holds ${VIP}; its virtual service and real servers:`);
    io.out(indent(tableBefore.d1));
    io.out(`[${seconds()}] d2 is BACKUP (priority 100) with the same virtual service in its own IPVS table, idle`);
    const before = Array.from({ length: FETCHES }, () => fetchPage() ?? "(failed)");
    const d2ConnsBefore = d2Conns();
    io.out(`[${seconds()}] client, ${FETCHES} new connections to ${VIP}:80 → ${before.join(" ")} (round robin through d1)`);

    // Health checks: HTTP_GET every second, one retry. r1's web server stops: the service keeps 1 of its quorum of
    // 2, so keepalived's rule puts the sorry server in; r1 comes back: the real servers return.
    r1Web.kill("SIGKILL");
    await r1Web.exited;
    let mark = performance.now();
    io.out(`[${seconds()}] r1's web server stopped; d1's HTTP_GET checks (every 1 s, 1 retry) notice:`);
    const tableDown = await waitFor("d1's checks to take r1 out", 10 * CHECK_BOUND_MS, () => {
      const t = table("d1");
      return !t.includes("198.51.100.21:80") && t.includes(`${SORRY.address}:${SORRY.port}`) ? t : null;
    });
    const removedMs = Math.round(performance.now() - mark);
    io.out(indent(tableDown));
    const whileDown = Array.from({ length: 2 }, () => fetchPage() ?? "(failed)");
    io.out(
      `[${seconds()}] after ${removedMs} ms (bound ${CHECK_BOUND_MS} ms): quorum lost, the sorry server answers → ${whileDown.join(" ")}`,
    );
    r1Web = httpd("r1", 80, "r1");
    mark = performance.now();
    const tableRestored = await waitFor("d1's checks to bring r1 back", 10 * CHECK_BOUND_MS, () => {
      const t = table("d1");
      return t.includes("198.51.100.21:80") && !t.includes(`${SORRY.address}:${SORRY.port}`) ? t : null;
    });
    const restoredMs = Math.round(performance.now() - mark);
    io.out(`[${seconds()}] r1's web server is back: after ${restoredMs} ms r1 and r2 serve again`);
    const checks = { removedMs, tableDown, whileDown, restoredMs, tableRestored };

    const killedAt = performance.now();
    d1.kill("SIGKILL");
    net.unplug("d1");
    io.out(`[${seconds()}] d1 dies: vipd killed (SIGKILL), its links down`);
    const first = await waitFor("a page through d2", 60_000, fetchPage);
    const failoverMs = Math.round(performance.now() - killedAt);
    io.out(
      `[${seconds()}] d2 took the VIP: the client's first new connection was served ${failoverMs} ms after the kill (Master_Down_Interval at advert_int 1 s: 3.6 s)`,
    );
    const after = [first, ...Array.from({ length: FETCHES - 1 }, () => fetchPage() ?? "(failed)")];
    const d2ConnsAfter = d2Conns();
    const vipAfter = { d2: hasVip("d2") };
    io.out(`[${seconds()}] client, ${FETCHES} new connections → ${after.join(" ")}, through d2:`);
    io.out(indent(table("d2")));

    d2.kill("SIGTERM");
    const d2Exit = await exitWithin(d2, 30_000);
    const tableAfterStop = run(inNs("d2", ["ipvsadm", "-Sn"])).out;
    io.out(
      `[${seconds()}] d2's vipd stopped (exit ${d2Exit ?? "none within 30 s"}): ${tableAfterStop === "" ? "its IPVS service removed" : "its IPVS table still holds services"}`,
    );
    return {
      vipBefore,
      tableBefore,
      checks,
      before,
      after,
      d2ConnsBefore,
      d2ConnsAfter,
      vipAfter,
      failoverMs,
      d2Exit,
      tableAfterStop,
      logs: { d1: logOf("d1"), d2: logOf("d2") },
    };
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- d1's log\n${logOf("d1")}\n--- d2's log\n${logOf("d2")}`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(processes.map((p) => p.exited)), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    net.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
