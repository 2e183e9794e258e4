// No key that does nothing: every key config.toml.example documents (set or commented out) is walked, set to
// another valid value, and what the daemon's consumers derive from the loaded config must change. A key the
// loader accepts and stores but nothing reads fails here by name.
//
// What the consumers derive ("usage"), each computed by the code that consumes it:
//   - prepare(): the protocol core's NodeConfig and the driver's plans (addresses, routes, rules, notify, no-accept);
//   - the Mailer: its resolved settings and which instances and groups it mails for;
//   - the IPVS reconciler: the table and timeouts it sets up, on the in-memory IPVS;
//   - the tracker set: the check each script runs;
//   - the loader's program checks: whether an insecure notify program is refused;
//   - what src/daemon/daemon.ts reads itself (handover at stop, lvs_on_stop, the metrics listener, notify FIFOs,
//     track files): listed here, and the source is checked to still read them.
// Some keys only act together with others (state clears nopreempt; hysteresis on top of quorum): such a key
// carries a context, the same extra settings in the base and the variant.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import TOML from "@iarna/toml";
import type { HostSnapshot } from "../../src/adapters/address-manager.ts";
import { formatConfigError } from "../../src/config/config-error.ts";
import { loadConfigText } from "../../src/config/load.ts";
import type { VipdConfig } from "../../src/config/schema.ts";
import { memoryLogs } from "../../src/daemon/log.ts";
import { prepare } from "../../src/daemon/plan.ts";
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
const PROGRAMS = ["/usr/bin/pgrep", "/usr/local/lib/vipd/notify.sh", "/usr/local/lib/vipd/group-notify.sh"];
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
      const parts: Path = header[2]!.split(".");
      if (header[1] === "[[") {
        const n = arrays.get(header[2]!) ?? 0;
        arrays.set(header[2]!, n + 1);
        parts.push(n);
      }
      table = parts;
      continue;
    }
    const entry = /^(?:#\s*)?([a-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!entry) continue;
    let shown: unknown;
    try {
      shown = (TOML.parse(`${entry[1]} = ${entry[2]}`) as Toml)[entry[1]!];
    } catch {
      shown = undefined; // a multi-line value: the table's parsed value is used instead
    }
    const kind = table.length >= 3 ? String(table[2]) : String(table[0]);
    const id = `${kind}.${entry[1]}`;
    if (keys.some((k) => k.id === id)) continue;
    keys.push({ table: [...table], key: entry[1]!, id, shown });
    // The keys of an inline table ({auth_type, auth_pass}, {tcp, tcpfin, udp}, ...) are walked one by one too.
    if (shown !== null && typeof shown === "object" && !Array.isArray(shown)) {
      for (const [sub, value] of Object.entries(shown))
        keys.push({ table: [...table, entry[1]!], key: sub, id: `${id}.${sub}`, shown: value });
    }
  }
  return keys;
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
  return {
    prepared: serialize(prepared.ok ? prepared.prepared : prepared.problems),
    mail: serialize([mail.settings, mail.alerting]),
    ipvs: serialize([tableLines(ipvs.services()), ipvs.timeouts()]),
    trackers: serialize(checks),
    security: serialize(load(text, insecureFs).errors.length === 0),
    daemon: serialize(daemonReads(config)),
  };
}

/** What src/daemon/daemon.ts reads of the config itself (the test below checks it still does). */
function daemonReads(config: VipdConfig): unknown {
  return {
    handover: config.global.shutdownHandover,
    lvsOnStop: config.global.lvsOnStop,
    metrics: config.metrics,
    fifos: config.instances.map((i) => i.notifyFifo),
    trackFiles: config.trackFiles.map((f) => [f.file, f.initFile]),
  };
}

const DAEMON_READS = ["global.shutdownHandover", "global.lvsOnStop", "metrics", ".notifyFifo"];

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
      "metrics.listen",
    ])
      expect(ids).toContain(id);
    expect(keys.length).toBeGreaterThan(100);
  });

  test("the daemon still reads what daemonReads() lists", () => {
    const source = readFileSync(join(import.meta.dir, "../../src/daemon/daemon.ts"), "utf8");
    for (const read of DAEMON_READS) expect(source).toContain(read);
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
