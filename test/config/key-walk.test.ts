// No key that does nothing: every key config.toml.example documents (set or commented out) is walked, set to
// another valid value, and what the daemon's consumers derive from the loaded config must change. A key the
// loader accepts and stores but nothing reads fails here by name.
//
// What the consumers derive ("usage"), each computed by the code that consumes it:
//   - prepare(): the protocol core's NodeConfig and the driver's plans (addresses, routes, rules, notify, no-accept);
//   - the Mailer: its resolved settings and which instances and groups it mails for;
//   - the IPVS reconciler: the table and timeouts it sets up, on the in-memory IPVS;
//   - the tracker set: the check each script runs, the processes it counts and how often;
//   - the health checkers: the plan HealthTable gives the checker process (every distinct check by its key);
//   - the LvsNotifier: the notify_up / notify_down / quorum_up / quorum_down scripts it runs through a fixed story;
//   - the loader's program checks: whether an insecure notify program is refused;
//   - what src/daemon/daemon.ts reads itself (handover at stop, lvs_on_stop, the metrics listener, notify FIFOs,
//     track files, the interfaces' up/down delays): listed here, and the source is checked to still read them.
// Some keys only act together with others (state clears nopreempt; hysteresis on top of quorum): such a key
// carries a context, the same extra settings in the base and the variant.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import TOML from "@iarna/toml";
import type { HostSnapshot } from "../../src/adapters/address-manager.ts";
import { formatConfigError } from "../../src/config/config-error.ts";
import { effectiveLinkDelays } from "../../src/config/link-delays.ts";
import { loadConfigText } from "../../src/config/load.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import { prepare } from "../../src/daemon/plan.ts";
import { HealthTable } from "../../src/lvs/health-table.ts";
import { LvsNotifier } from "../../src/lvs/lvs-notifier.ts";
import { ownedServicesFile } from "../../src/lvs/owned-services.ts";
import { IpvsReconciler } from "../../src/lvs/reconciler.ts";
import { Mailer } from "../../src/notify/mailer.ts";
import { TrackerSet } from "../../src/track/tracker-set.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { FakeIpvs } from "../adapters/fake-ipvs.ts";
import { tableLines } from "../adapters/ipvs-contract.ts";
import { FakeTimers } from "../clock/fake-timers.ts";
import { fakeFs, ROOT_PROGRAM } from "./helpers.ts";

const EXAMPLE = readFileSync(join(import.meta.dir, "../../config.toml.example"), "utf8");
const PROGRAMS = [
  "/usr/bin/pgrep",
  "/usr/local/lib/vipd/notify.sh",
  "/usr/local/lib/vipd/group-notify.sh",
  "/usr/local/lib/vipd/check-app.sh",
  "/usr/local/lib/vipd/startup.sh",
  "/usr/local/lib/vipd/shutdown.sh",
  "/usr/local/lib/vipd/read-notify-fifo.sh",
];
const fs = fakeFs(Object.fromEntries(PROGRAMS.map((p) => [p, ROOT_PROGRAM])), {});
/** The same with one notify program writable by its group: enable_script_security refuses it. */
const insecureFs = fakeFs(
  { ...Object.fromEntries(PROGRAMS.map((p) => [p, ROOT_PROGRAM])), [PROGRAMS[1]!]: { mode: 0o100775, uid: 0 } },
  {},
);

type Path = (string | number)[];
type Toml = Record<string, unknown>;

/** One documented key: where the example puts it, and the value shown (set, or in the comment). */
interface DocumentedKey {
  /** The table it belongs to, e.g. ["instances", "VI_PUBLIC"] or ["virtual_servers", "web", "real_servers", 0]. */
  table: Path;
  key: string;
  /** The kind of table and the key: "instances.state", "real_servers.weight". */
  id: string;
  shown: unknown;
}

/** Every `key = value` line of the example, commented out or not, under its table header; first of each id. */
function documentedKeys(text: string): DocumentedKey[] {
  const keys: DocumentedKey[] = [];
  const arrays = new Map<string, number>();
  let table: Path = [];
  for (const line of text.split("\n")) {
    const header = /^\s*(\[\[?)([^\]]+)\]\]?/.exec(line);
    if (header) {
      table = tablePath(header[2]!, header[1] === "[[", arrays);
      continue;
    }
    const entry = /^(#\s*)?([a-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!entry) continue;
    const [, commented, name, text] = entry;
    let shown: unknown;
    try {
      shown = (TOML.parse(`${name} = ${text}`) as Toml)[name!];
    } catch {
      // Prose in a comment ("# full_command = true. Required."), or a set multi-line value: the table's parsed
      // value is used instead.
      if (commented) continue;
      shown = undefined;
    }
    // "instances", "real_servers", "real_servers.TCP_CHECK", "real_servers.HTTP_GET.url": each check kind apart.
    const kind =
      table.length >= 3
        ? table
            .slice(2)
            .filter((p) => typeof p === "string")
            .join(".")
        : String(table[0]);
    const id = `${kind}.${name}`;
    if (keys.some((k) => k.id === id)) continue;
    keys.push({ table: [...table], key: name!, id, shown });
    // The keys of an inline table ({auth_type, auth_pass}, {tcp, tcpfin, udp}, ...) are walked one by one too.
    if (shown !== null && typeof shown === "object" && !Array.isArray(shown)) {
      for (const [sub, value] of Object.entries(shown)) keys.push({ table: [...table, name!], key: sub, id: `${id}.${sub}`, shown: value });
    }
  }
  return keys;
}

/**
 * The path of a table header: an array of tables ([[NAME]]) adds the new element's index, and a header under one
 * ([[virtual_servers.web.real_servers.TCP_CHECK]]) names its latest element, as TOML reads it.
 */
function tablePath(name: string, isArray: boolean, arrays: Map<string, number>): Path {
  const names = name.split(".");
  const path: Path = [];
  names.forEach((part, i) => {
    path.push(part);
    const prefix = names.slice(0, i + 1).join(".");
    if (i === names.length - 1 && isArray) {
      const n = arrays.get(prefix) ?? 0;
      arrays.set(prefix, n + 1);
      // A new element starts its own arrays of tables afresh.
      for (const nested of [...arrays.keys()]) if (nested.startsWith(`${prefix}.`)) arrays.delete(nested);
      path.push(n);
    } else if (arrays.has(prefix)) path.push(arrays.get(prefix)! - 1);
  });
  return path;
}

interface Variant {
  /** The other value; absent: a boolean flipped, a number plus one. */
  value?: unknown;
  /** Settings, as [table path, key, value], set in both the base and the variant. */
  context?: [Path, string, unknown][];
  /** The host the config runs on: "no-eth1" lacks the second interface. */
  host?: "no-eth1";
}

const V6_INSTANCE: [Path, string, unknown] = [
  ["instances", "VI_V6"],
  "",
  { interface: "eth0", virtual_router_id: 60, virtual_ipaddress: ["2001:db8::60/64"] },
];

/** DR forwards to the virtual port: the example's real and sorry servers name another. */
const DR_PORTS: [Path, string, unknown][] = [
  [["virtual_servers", "web", "real_servers", 0], "port", 80],
  [["virtual_servers", "web", "real_servers", 1], "port", 80],
  [["virtual_servers", "web"], "sorry_server", { address: "198.51.100.99", port: 80, inhibit: true }],
];
/** Quorum (3, the total weight) plus hysteresis is never reached: the sorry server serves. */
const NO_QUORUM: [Path, string, unknown][] = [
  [["virtual_servers", "web"], "quorum", 3],
  [["virtual_servers", "web"], "hysteresis", 1],
];

/** What cannot be derived from the shown value, and the contexts some keys need to act. */
const VARIANTS: Record<string, Variant> = {
  "global.router_id": { value: "lb-b" },
  "global.script_user": { value: "vipd_other" },
  "global.vrrp_mcast_group4": { value: "224.0.0.19" },
  "global.vrrp_mcast_group6": { value: "ff02::13", context: [V6_INSTANCE] },
  "global.gna_interval": { value: 1, context: [V6_INSTANCE] },
  "global.notification_email": { value: ["ops@example.com"] },
  "global.notification_email_from": { value: "other@lb-a.example.com" },
  "global.smtp_server": { value: "192.0.2.26" },
  "global.smtp_helo_name": { value: "other.example.com" },
  "global.dynamic_interfaces": { host: "no-eth1" },
  "global.lvs_on_stop": { value: "keep" },
  "global.lvs_timeouts": { value: { tcp: 901, tcpfin: 120, udp: 300 } },
  "metrics.listen": { value: "192.0.2.1:9651" },
  "scripts.script": { value: "/usr/bin/pgrep -x nginx" },
  // Grouped instances' tracking weights count only with sync_group_tracking_weight (keepalived zeroes them).
  "scripts.weight": { value: 10, context: [[["sync_groups", "LB"], "sync_group_tracking_weight", true]] },
  "scripts.user": { value: "nobody" },
  "track_files.file": { value: "/run/vipd/other" },
  "track_files.weight": { value: 5, context: [[["sync_groups", "LB"], "sync_group_tracking_weight", true]] },
  "sync_groups.group": { value: ["VI_PUBLIC"] },
  "sync_groups.notify_master": { value: "/usr/local/lib/vipd/group-notify.sh OTHER" },
  "sync_groups.notify_backup": { value: "/usr/local/lib/vipd/group-notify.sh BACKUP" },
  "sync_groups.notify_fault": { value: "/usr/local/lib/vipd/group-notify.sh FAULT" },
  "sync_groups.notify_stop": { value: "/usr/local/lib/vipd/group-notify.sh STOP" },
  "sync_groups.sync_group_tracking_weight": { context: [[["scripts", "chk_haproxy"], "weight", 10]] },
  "sync_groups.notify": { value: "/usr/local/lib/vipd/group-notify.sh" },
  "instances.state": { value: "BACKUP", context: [[["instances", "VI_PUBLIC"], "nopreempt", true]] },
  "instances.interface": { value: "eth1", context: [[["instances", "VI_INTERNAL"], "virtual_router_id", 53]] },
  "instances.version": { value: 3 },
  "instances.nopreempt": { context: [[["instances", "VI_PUBLIC"], "state", "BACKUP"]] },
  // The lifecycle scripts: set (the example shows them commented out), their timeouts acting with them.
  "global.startup_script": { value: "/usr/local/lib/vipd/startup.sh" },
  "global.startup_script_timeout": { value: 20, context: [[["global"], "startup_script", "/usr/local/lib/vipd/startup.sh"]] },
  "global.shutdown_script": { value: { command: "/usr/local/lib/vipd/shutdown.sh", user: "vipd_script" } },
  "global.shutdown_script.command": {
    value: "/usr/local/lib/vipd/startup.sh",
    context: [[["global"], "shutdown_script", { command: "/usr/local/lib/vipd/shutdown.sh", user: "vipd_script" }]],
  },
  "global.shutdown_script.user": {
    value: "nobody",
    context: [[["global"], "shutdown_script", { command: "/usr/local/lib/vipd/shutdown.sh", user: "vipd_script" }]],
  },
  "global.shutdown_script_timeout": { value: 20, context: [[["global"], "shutdown_script", "/usr/local/lib/vipd/shutdown.sh"]] },
  "instances.notify_fifo_script": {
    value: "/usr/local/lib/vipd/read-notify-fifo.sh",
    context: [[["instances", "VI_PUBLIC"], "notify_fifo", "/run/vipd/notify.fifo"]],
  },
  // The example shows use_vmac's "on" value, commented out: the walk turns it on.
  "instances.use_vmac": { value: true },
  "instances.vmac_xmit_base": { context: [[["instances", "VI_PUBLIC"], "use_vmac", true]] },
  "instances.unicast_peer": { value: ["203.0.113.4"] },
  "instances.preempt_delay": { value: 5, context: [[["instances", "VI_PUBLIC"], "state", "BACKUP"]] },
  "instances.unicast_src_ip": { value: "203.0.113.9" },
  "instances.authentication": { value: { auth_type: "PASS", auth_pass: "other" } },
  "instances.authentication.auth_pass": { value: "other" },
  // auth_type has one value vipd accepts (PASS; AH is refused), so there is nothing to vary: the key is required.
  "instances.authentication.auth_type": { value: null },
  "instances.notify_backup.command": { value: "/usr/local/lib/vipd/notify.sh other VI_PUBLIC" },
  "instances.notify_backup.user": { value: "nobody" },
  "instances.virtual_ipaddress": { value: ["203.0.113.11/24"] },
  "instances.virtual_ipaddress_excluded": { value: ["2001:db8:10::11/64"] },
  "instances.virtual_routes": { value: ["198.51.100.0/25 via 203.0.113.1 dev eth0"] },
  "instances.virtual_rules": { value: ["from 203.0.113.11/32 table 100 priority 101"] },
  "instances.track_interface": { value: ["eth1 weight 10"] },
  "instances.track_script": { value: [] },
  "instances.track_file": { value: [] },
  "instances.notify_master": { value: "/usr/local/lib/vipd/notify.sh other VI_PUBLIC" },
  "instances.notify_backup": { value: "/usr/local/lib/vipd/notify.sh other VI_PUBLIC" },
  "instances.notify_fault": { value: "/usr/local/lib/vipd/notify.sh fault VI_PUBLIC" },
  "instances.notify_stop": { value: "/usr/local/lib/vipd/notify.sh stop VI_PUBLIC" },
  "instances.notify": { value: "/usr/local/lib/vipd/notify.sh" },
  "instances.notify_fifo": { value: "/run/vipd/other.fifo" },
  "virtual_servers.address": { value: "203.0.113.11" },
  "virtual_servers.protocol": { value: "udp" },
  "virtual_servers.lb_algo": { value: "rr" },
  "virtual_servers.lb_flags": { value: ["flag-1"] },
  "virtual_servers.lb_kind": { value: "DR", context: DR_PORTS },
  "virtual_servers.persistence_granularity": { value: "255.255.0.0" },
  "virtual_servers.persistence_engine": { value: "sip", context: [[["virtual_servers", "web"], "protocol", "udp"]] },
  "virtual_servers.ops": { context: [[["virtual_servers", "web"], "protocol", "udp"]] },
  // quorum is lowered to the real servers' total weight (3), so it acts through the hysteresis above it.
  "virtual_servers.quorum": { value: 3, context: [[["virtual_servers", "web"], "hysteresis", 1]] },
  "virtual_servers.hysteresis": { value: 1, context: [[["virtual_servers", "web"], "quorum", 3]] },
  "virtual_servers.weight": { value: 4 },
  // Without checkers a real server is never down: inhibiting acts while the sorry server serves (no quorum).
  "virtual_servers.inhibit_on_failure": { context: NO_QUORUM },
  "real_servers.inhibit_on_failure": { context: NO_QUORUM },
  "virtual_servers.sorry_server.address": { value: "198.51.100.98" },
  "virtual_servers.sorry_server": { value: { address: "198.51.100.98", port: 8080, inhibit: true } },
  "virtual_servers.group": { value: "web_vips_2", context: [[["virtual_server_groups", "web_vips_2"], "members", ["203.0.113.30 443"]]] },
  "real_servers.address": { value: "198.51.100.23" },
  "real_servers.lb_kind": { value: "DR", context: DR_PORTS },
  "virtual_server_groups.members": { value: ["203.0.113.20-22 443", "fwmark 3"] },
  "global.garp_group": { value: [{ interfaces: ["eth1"], garp_interval: 0.01 }] },
  // Below the 2 s (down_timer_adverts − 1 advert intervals) the delays are kept under.
  "global.interface_up_down_delays": { value: { eth1: { down: 1, up: 0.5 } } },
  "global.interface_up_down_delays.eth1": { value: { down: 1, up: 0 } },
  "track_processes.process": { value: "nginx" },
  "track_processes.parameters": { value: ["-c", "/etc/haproxy/other.cfg"] },
  "track_processes.param_match": {
    value: "partial",
    context: [[["track_processes", "haproxy"], "parameters", ["-f", "/etc/haproxy/haproxy.cfg"]]],
  },
  "track_processes.weight": { context: [[["sync_groups", "LB"], "sync_group_tracking_weight", true]] },
  "instances.track_process": { value: [] },
  "instances.unicast_ttl": { value: 254, context: [[["instances", "VI_PUBLIC"], "unicast_peer", ["203.0.113.3"]]] },
  "virtual_servers.quorum_up": { value: "/usr/local/lib/vipd/notify.sh quorum other" },
  "virtual_servers.quorum_down": { value: "/usr/local/lib/vipd/notify.sh quorum other" },
  // At stop, omega runs quorum_down (the example leaves it out) and the live real servers' notify_down.
  "virtual_servers.omega": { context: [[["virtual_servers", "web"], "quorum_down", "/usr/local/lib/vipd/notify.sh quorum down"]] },
  "virtual_servers.virtualhost": { value: "other.example.com" },
  "real_servers.virtualhost": { value: "other.example.com" },
  "real_servers.notify_up": { value: "/usr/local/lib/vipd/notify.sh rs-up other" },
  "real_servers.notify_down": { value: "/usr/local/lib/vipd/notify.sh rs-down other" },
  "real_servers.notify_down.command": { value: "/usr/local/lib/vipd/notify.sh rs-down other" },
  "real_servers.notify_down.user": {
    value: "vipd_script",
    context: [[["virtual_servers", "web", "real_servers", 0], "notify_down", { command: "/usr/local/lib/vipd/notify.sh rs-down x" }]],
  },
  "real_servers.TCP_CHECK.connect_ip": { value: "198.51.100.23" },
  "real_servers.TCP_CHECK.bindto": { value: "198.51.100.2" },
  "real_servers.TCP_CHECK.bind_if": { value: "eth2" },
  "real_servers.TCP_CHECK.fwmark": { value: 8 },
  "real_servers.HTTP_GET.http_protocol": { value: "1.0C" },
  "real_servers.HTTP_GET.url.path": { value: "/other" },
  "real_servers.HTTP_GET.url.status_code": { value: [200] },
  "real_servers.SSL_GET.url.path": { value: "/other" },
  "real_servers.HTTP_GET.url.digest": { value: "0123456789abcdef0123456789abcdef" },
  "real_servers.HTTP_GET.url.regex": { value: "fine" },
  "real_servers.HTTP_GET.url.regex_options": { value: ["dotall"] },
  "real_servers.HTTP_GET.url.virtualhost": { value: "other.example.com" },
  "real_servers.SMTP_CHECK.helo_name": { value: "other.example.com" },
  "real_servers.DNS_CHECK.type": { value: "AAAA" },
  "real_servers.DNS_CHECK.name": { value: "example.org" },
  "real_servers.UDP_CHECK.payload": { value: "00" },
  "real_servers.UDP_CHECK.reply_data": { value: "00" },
  "real_servers.MISC_CHECK.misc_path": { value: "/usr/local/lib/vipd/check-app.sh 198.51.100.22" },
  "real_servers.MISC_CHECK.user": { value: "vipd_script" },
  "real_servers.FILE_CHECK.track_file": { value: "other", context: [[["track_files", "other"], "file", "/run/vipd/other"]] },
  // reverse goes with a weight written beside it.
  "real_servers.FILE_CHECK.reverse": { context: [[["virtual_servers", "web", "real_servers", 0, "FILE_CHECK", 0], "weight", 2]] },
};

function clone(value: Toml): Toml {
  return TOML.parse(TOML.stringify(value as TOML.JsonMap)) as Toml;
}

function tableAt(root: Toml, path: Path): Toml {
  let at: unknown = root;
  for (const part of path) {
    const here = at as Record<string | number, unknown>;
    here[part] ??= {};
    at = here[part];
  }
  return at as Toml;
}

function set(root: Toml, table: Path, key: string, value: unknown): void {
  if (key === "") Object.assign(tableAt(root, table), value as Toml);
  else tableAt(root, table)[key] = value;
}

function load(root: Toml, files = fs): { config: VipdConfig | null; errors: string[] } {
  const result = loadConfigText(TOML.stringify(root as TOML.JsonMap), "variant.toml", files);
  return result.ok ? { config: result.config, errors: [] } : { config: null, errors: result.errors.map(formatConfigError) };
}

const ETH = (ifindex: number, name: string) => ({
  ifindex,
  name,
  mac: new Uint8Array([2, 0, 0, 0, 0, ifindex]),
  mtu: 1500,
  up: true,
  carrier: true,
});
const ADDRESS = (ifindex: number, text: string, prefixlen: number) => ({
  family: text.includes(":") ? (6 as const) : (4 as const),
  ifindex,
  address: parseIp(text)!,
  prefixlen,
  scope: 0,
  label: "",
  flags: 0,
});
function host(kind: Variant["host"]): HostSnapshot {
  const all: HostSnapshot = {
    links: [ETH(2, "eth0"), ETH(3, "eth1")],
    addresses: [ADDRESS(2, "203.0.113.2", 24), ADDRESS(2, "fe80::2", 64), ADDRESS(3, "198.51.100.2", 24), ADDRESS(3, "fe80::3", 64)],
  };
  return kind === "no-eth1" ? { links: all.links.slice(0, 1), addresses: all.addresses.filter((a) => a.ifindex === 2) } : all;
}

/** Ids that differ per user and group, as a user database would give them. */
const users = (user: string, group: string | null = null) => ({
  uid: 1000 + user.length * 7 + user.charCodeAt(0),
  gid: 2000 + (group ?? user).length,
});

function serialize(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return [...v].join(".");
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v].sort();
    return v;
  });
}

/** What the daemon's consumers derive from a config (see the top of the file). */
function usage(config: VipdConfig, files: Variant["host"], text: Toml): Record<string, string> {
  const prepared = prepare(config, host(files), users);
  const mailer = new Mailer({
    transport: { prepare: () => {}, send: async () => {} } as never,
    log: { info: () => {}, warn: () => {}, debug: () => {} },
    timers: new FakeTimers(),
    identity: { hostName: "host", userName: "user" },
  });
  mailer.configure(config);
  const mail = mailer as unknown as { settings: unknown; alerting: Set<string> };
  const ipvs = new FakeIpvs();
  const dir = mkdtempSync(join(tmpdir(), "vipd-key-walk-"));
  try {
    new IpvsReconciler(ipvs, memoryLogs([])("ipvs"), ownedServicesFile(join(dir, "owned"), memoryLogs([])("ipvs"))).apply(config);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const trackers = new TrackerSet(
    {
      runner: () => Promise.reject(new Error("not run")) as never,
      timers: new FakeTimers(),
      log: memoryLogs([])("track"),
      lookupUser: users,
    },
    () => {},
  );
  const checks = config.scripts.map((s) =>
    (trackers as unknown as { scriptCheck: (s: unknown, ids: unknown) => unknown }).scriptCheck(s, null),
  );
  const health = new HealthTable();
  health.configure(config, prepared.ok ? prepared.prepared.checkIds : new Map());
  return {
    prepared: serialize(prepared.ok ? prepared.prepared : prepared.problems),
    mail: serialize([mail.settings, mail.alerting]),
    ipvs: serialize([tableLines(ipvs.services()), ipvs.timeouts()]),
    trackers: serialize(checks),
    processes: serialize(processTracking(trackers, config)),
    checker: serialize(health.plan()),
    fileChecks: serialize(health.fileChecks()),
    checkLogging: serialize(health.plan().map((c) => health.get(c.key)?.logAllFailures)),
    lvsScripts: serialize(lvsScripts(config)),
    security: serialize(load(text, insecureFs).errors.length === 0),
    daemon: serialize(daemonReads(config)),
    loadBalancer: serialize(loadBalancerReads(config)),
  };
}

/** What the tracker set's one process tracker counts, and how often it scans (it scans /proc once here). */
function processTracking(trackers: TrackerSet, config: VipdConfig): unknown {
  const set = trackers as unknown as {
    syncProcesses: (config: VipdConfig) => void;
    processes: { states: { spec: unknown }[]; intervalMs: number; stop: () => void } | null;
  };
  set.syncProcesses(config);
  const tracker = set.processes;
  if (tracker === null) return null;
  tracker.stop();
  return { specs: tracker.states.map((s) => s.spec), intervalMs: tracker.intervalMs };
}

/**
 * The scripts LvsNotifier runs through a fixed story: at start no real server is alive and the quorum is lost,
 * then all come up, all go down, all come up again, then vipd stops.
 */
function lvsScripts(config: VipdConfig): string[] {
  const ran: string[] = [];
  const notifier = new LvsNotifier(
    (command, what) => ran.push(`${what}: ${serialize(command)}`),
    (mail) => ran.push(`mail ${mail.kind} ${mail.vs.name} ${mail.kind === "quorum" ? mail.body : mail.rs.address}`),
  );
  for (const alive of [false, true, false, true]) {
    notifier.update(
      config.virtualServers,
      (_vs, _i, rs) => ({ alive, weight: alive ? rs.weight : 0 }),
      () => alive,
    );
  }
  notifier.stop();
  return ran;
}

/** What src/daemon/daemon.ts reads of the config itself (the test below checks it still does). */
function daemonReads(config: VipdConfig): unknown {
  return {
    handover: config.global.shutdownHandover,
    lvsOnStop: config.global.lvsOnStop,
    metrics: config.metrics,
    fifos: config.instances.map((i) => i.notifyFifo),
    trackFiles: config.trackFiles.map((f) => [f.file, f.initFile]),
    linkDelays: effectiveLinkDelays(config.global.interfaceUpDownDelays, config.instances),
  };
}

/** What src/lvs/load-balancer.ts reads of the config itself (checked below to still read it). */
function loadBalancerReads(config: VipdConfig): unknown {
  return {
    servers: config.virtualServers.map((vs) => ({ haSuspend: vs.haSuspend, mail: vs.realServers.map((rs) => rs.smtpAlert) })),
    logAllFailures: config.global.checkerLogAllFailures,
  };
}

const LOAD_BALANCER_READS = ["vs.haSuspend", "rs?.smtpAlert", "global.checkerLogAllFailures"];

const DAEMON_READS = [
  "global.shutdownHandover",
  "global.lvsOnStop",
  "metrics",
  ".notifyFifo",
  "effectiveLinkDelays(config.global.interfaceUpDownDelays, config.instances)",
];

function variantValue(k: DocumentedKey, current: unknown): unknown {
  const v = VARIANTS[k.id];
  if (v && "value" in v) return v.value;
  if (typeof current === "boolean") return !current;
  if (typeof current === "number") return current + 1;
  throw new Error(`${k.id}: no variant for ${JSON.stringify(current)}; add one to VARIANTS`);
}

const example = TOML.parse(EXAMPLE) as Toml;
const keys = documentedKeys(EXAMPLE);

describe("every key of config.toml.example changes what vipd does", () => {
  test("the walk finds the example's keys (tables, commented-out keys, arrays of tables)", () => {
    const ids = keys.map((k) => k.id);
    for (const id of [
      "global.router_id",
      "global.vrrp_strict",
      "instances.accept",
      "instances.strict_mode",
      "real_servers.weight",
      "real_servers.TCP_CHECK.connect_port",
      "real_servers.SSL_GET.connect_port",
      "real_servers.HTTP_GET.url.path",
      "track_processes.full_command",
      "metrics.listen",
    ])
      expect(ids).toContain(id);
    expect(keys.length).toBeGreaterThan(100);
  });

  test("the daemon still reads what daemonReads() lists", () => {
    const source = readFileSync(join(import.meta.dir, "../../src/daemon/daemon.ts"), "utf8");
    for (const read of DAEMON_READS) expect(source).toContain(read);
    const loadBalancer = readFileSync(join(import.meta.dir, "../../src/lvs/load-balancer.ts"), "utf8");
    for (const read of LOAD_BALANCER_READS) expect(loadBalancer).toContain(read);
    const trackers = readFileSync(join(import.meta.dir, "../../src/track/tracker-set.ts"), "utf8");
    expect(trackers).toContain("file.initFile");
    expect(trackers).toContain("path: file.file");
  });

  test.each(keys.map((k) => [k.id, k] as const))("%s", (_id, k) => {
    const v = VARIANTS[k.id] ?? {};
    if (v.value === null) {
      // A key with a single accepted value: proving it required is all there is.
      const without = clone(example);
      delete tableAt(without, k.table)[k.key];
      expect(load(without).errors.some((e) => e.includes(k.key))).toBe(true);
      return;
    }
    const base = clone(example);
    for (const [table, key, value] of v.context ?? []) set(base, table, key, value);
    const current = key(k.table, k.key, base, k.shown);
    const variant = clone(base);
    set(variant, k.table, k.key, variantValue(k, current));
    const a = load(base);
    const b = load(variant);
    expect({ base: a.errors, variant: b.errors }).toEqual({ base: [], variant: [] });
    const before = usage(a.config!, v.host, base);
    const after = usage(b.config!, v.host, variant);
    const changed = Object.keys(before).filter((part) => before[part] !== after[part]);
    if (changed.length === 0) throw new Error(`${k.id}: parsed, but setting it changes nothing vipd does`);
  });
});

/** The key's value in the base: as set there, else as the example shows it (a commented-out default). */
function key(table: Path, name: string, base: Toml, shown: unknown): unknown {
  const here = tableAt(clone(base), table)[name];
  return here !== undefined ? here : shown;
}
