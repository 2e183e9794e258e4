// The optional Prometheus listener ([metrics]): /metrics in the text exposition format, rendered from the same
// snapshot as `vipd status`, and /healthz. Names follow Prometheus conventions: a vipd_ prefix, base units,
// _total for counters.

import { REJECT_REASONS } from "../vrrp/reject-reason.ts";
import type { StatusSnapshot } from "./status.ts";

const STATES = ["INIT", "BACKUP", "MASTER", "FAULT", "STOP"] as const;

/** A label value as the exposition format wants it: backslash, quote and newline escaped. */
function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: "gauge" | "counter", help: string, samples: [Record<string, string>, number][]): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${label(v)}"`)
        .join(",");
      this.lines.push(`${name}${text ? `{${text}}` : ""} ${Number.isFinite(value) ? value : 0}`);
    }
  }

  toString(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

export function renderMetrics(s: StatusSnapshot): string {
  const out = new Exposition();
  const each = <T>(list: readonly T[], f: (x: T) => [Record<string, string>, number][]) => list.flatMap(f);
  out.family("vipd_build_info", "gauge", "Always 1; the version in a label.", [[{ version: s.version }, 1]]);
  out.family("vipd_uptime_seconds", "gauge", "Seconds since the daemon started.", [[{}, s.uptimeMs / 1000]]);
  out.family(
    "vipd_instance_state",
    "gauge",
    "1 for the state each instance is in, 0 for the others.",
    each(s.instances, (i) => STATES.map((state) => [{ instance: i.name, state }, i.state === state ? 1 : 0])),
  );
  out.family(
    "vipd_instance_priority",
    "gauge",
    "Effective priority: base plus tracker weights.",
    s.instances.map((i) => [{ instance: i.name }, i.priority]),
  );
  out.family(
    "vipd_instance_base_priority",
    "gauge",
    "Configured priority.",
    s.instances.map((i) => [{ instance: i.name }, i.basePriority]),
  );
  out.family(
    "vipd_instance_became_master_total",
    "counter",
    "Transitions to MASTER.",
    s.instances.map((i) => [{ instance: i.name }, i.becameMaster]),
  );
  out.family(
    "vipd_adverts_received_total",
    "counter",
    "Adverts received for the instance.",
    s.instances.map((i) => [{ instance: i.name }, i.advertsReceived]),
  );
  out.family(
    "vipd_adverts_sent_total",
    "counter",
    "Adverts sent.",
    s.instances.map((i) => [{ instance: i.name }, i.advertsSent]),
  );
  out.family(
    "vipd_adverts_dropped_total",
    "counter",
    "Adverts dropped, by reason.",
    each(s.instances, (i) => REJECT_REASONS.map((reason) => [{ instance: i.name, reason }, i.drops[reason] ?? 0])),
  );
  out.family(
    "vipd_adverts_dropped_unattributed_total",
    "counter",
    "Adverts dropped that name no instance (an unknown VRID, an IPv6 fragment after the first), by reason.",
    REJECT_REASONS.map((reason) => [{ reason }, s.unattributedDrops[reason] ?? 0]),
  );
  out.family(
    "vipd_other_masters_seen_total",
    "counter",
    "MASTER periods in which a lower-priority router advertised as MASTER too.",
    s.instances.map((i) => [{ instance: i.name }, i.otherMastersSeen]),
  );
  out.family(
    "vipd_vip_present",
    "gauge",
    "1 when the address is on its interface now.",
    each(s.instances, (i) => i.vips.map((v) => [{ instance: i.name, address: v.address }, v.present ? 1 : 0])),
  );
  out.family(
    "vipd_tracker_up",
    "gauge",
    "1 while a vrrp_script succeeds.",
    s.trackers.scripts.map((t) => [{ tracker: t.name }, t.up ? 1 : 0]),
  );
  out.family(
    "vipd_script_runs_total",
    "counter",
    "Runs of a vrrp_script.",
    s.trackers.scripts.map((t) => [{ tracker: t.name }, t.runs]),
  );
  out.family(
    "vipd_script_last_duration_seconds",
    "gauge",
    "How long the last run of a vrrp_script took.",
    s.trackers.scripts.filter((t) => t.lastDurationMs !== null).map((t) => [{ tracker: t.name }, t.lastDurationMs! / 1000]),
  );
  out.family(
    "vipd_track_file_value",
    "gauge",
    "The number a track_file holds (0 when missing).",
    s.trackers.files.map((f) => [{ tracker: f.name }, f.value ?? 0]),
  );
  out.family(
    "vipd_track_process_up",
    "gauge",
    "1 while a track_process has its quorum of running processes.",
    s.trackers.processes.map((p) => [{ tracker: p.name }, p.up ? 1 : 0]),
  );
  out.family(
    "vipd_track_process_running",
    "gauge",
    "How many running processes a track_process counted at its last scan of /proc.",
    s.trackers.processes.map((p) => [{ tracker: p.name }, p.count]),
  );
  const realServers = (s.virtualServers ?? []).flatMap((vs) =>
    vs.realServers.map((rs) => ({ labels: { virtual_server: vs.name, real_server: `${rs.address}:${rs.port ?? 0}` }, rs })),
  );
  out.family(
    "vipd_real_server_up",
    "gauge",
    "1 while every check of the real server passes.",
    realServers.map(({ labels, rs }) => [labels, rs.alive ? 1 : 0]),
  );
  out.family(
    "vipd_real_server_weight",
    "gauge",
    "The real server's weight in the IPVS table (absent: not in it).",
    realServers.filter(({ rs }) => rs.weight !== null).map(({ labels, rs }) => [labels, rs.weight!]),
  );
  const checks = realServers.flatMap(({ labels, rs }) => rs.checks.map((c) => ({ labels: { ...labels, check: c.check }, c })));
  out.family(
    "vipd_check_up",
    "gauge",
    "1 while the check passes (after its retries).",
    checks.map(({ labels, c }) => [labels, c.up ? 1 : 0]),
  );
  out.family(
    "vipd_check_last_duration_seconds",
    "gauge",
    "How long the check's last run took.",
    checks.filter(({ c }) => c.last !== null).map(({ labels, c }) => [labels, c.last!.durationMs / 1000]),
  );
  if (s.checker) {
    out.family("vipd_checker_restarts_total", "counter", "Checker processes started anew after a crash or silence.", [
      [{}, s.checker.restarts],
    ]);
    out.family("vipd_checker_probes", "gauge", "Distinct checks the checker process runs (one per target and definition).", [
      [{}, s.checker.distinctChecks],
    ]);
  }
  out.family("vipd_timer_late_total", "counter", "Timer expiries handled more than 10 ms late.", [[{}, s.timer.late]]);
  out.family("vipd_timer_max_lateness_seconds", "gauge", "The latest timer expiry so far.", [[{}, s.timer.maxLatenessMs / 1000]]);
  return out.toString();
}

export class MetricsServer {
  private server: ReturnType<typeof Bun.serve> | null = null;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly read: () => StatusSnapshot,
  ) {}

  /** Throws when the address cannot be bound (the caller logs it; the daemon runs on without metrics). */
  start(): void {
    this.server = Bun.serve({
      hostname: this.host,
      port: this.port,
      fetch: (request) => {
        const path = new URL(request.url).pathname;
        if (path === "/metrics")
          return new Response(renderMetrics(this.read()), { headers: { "content-type": "text/plain; version=0.0.4" } });
        if (path === "/healthz") return new Response("ok\n");
        return new Response("not found\n", { status: 404 });
      },
    });
  }

  stop(): void {
    this.server?.stop(true);
    this.server = null;
  }
}
