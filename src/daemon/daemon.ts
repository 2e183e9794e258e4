// `vipd run`: loads the config, opens the Linux adapters, builds the core and the driver, starts trackers,
// the status socket and the signal handlers. Everything that can be wrong with the config or the host is
// reported before anything is changed on the host.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AddressManager, LinkEvent, LinkMonitor, LinkMonitorFactory } from "../adapters/address-manager.ts";
import type { NeighbourAnnouncer } from "../adapters/neighbour-announcer.ts";
import type { VrrpTransportFactory } from "../adapters/vrrp-transport.ts";
import type { AlarmFactory } from "../clock/alarm.ts";
import { realTimers, type Timers } from "../clock/timers.ts";
import { formatConfigError } from "../config/config-error.ts";
import { loadConfigFile } from "../config/load.ts";
import type { VipdConfig } from "../config/schema.ts";
import { toCore, trackerName } from "../config/to-core.ts";
import { Notifier } from "../notify/notifier.ts";
import type { NotifyScripts } from "../notify/notify-plan.ts";
import { runCommand, type CommandRunner, type RunResult } from "../process/run-command.ts";
import { lookupIds, type Ids } from "../process/users.ts";
import { FileTracker } from "../track/file-tracker.ts";
import { type ScriptCheck, ScriptTracker } from "../track/script-tracker.ts";
import { formatIp, type IpFamily, sameAddress } from "../vrrp/ip-address.ts";
import { type NodeConfig, VrrpNode } from "../vrrp/node.ts";
import { Driver, type InstancePlan } from "./driver.ts";
import type { Log, LogFactory } from "./log.ts";
import { buildPlans, notifyScripts } from "./plan.ts";
import { snapshot, StatusServer } from "./status.ts";

export interface DaemonOptions {
  configPath: string;
  socketPath: string;
  /** Override global.shutdown_handover. */
  handover?: boolean;
}

export interface HostAdapters {
  addresses: AddressManager;
  links: LinkMonitorFactory;
  transports: VrrpTransportFactory;
  announcer: NeighbourAnnouncer;
  alarms: AlarmFactory;
}

export interface DaemonDeps {
  adapters: () => HostAdapters;
  logs: LogFactory;
  timers?: Timers;
  runner?: CommandRunner;
}

export interface RunningDaemon {
  driver: Driver;
  node: VrrpNode;
  /** Like SIGHUP: applies the file again; false (and still running on the old config) when it is not valid. */
  reload(): boolean;
  /** Stops like SIGTERM does; resolves when every VIP is released and notify_stop scripts have run. */
  stop(): Promise<void>;
}

/** Longest wait for notify scripts at shutdown: a hung notify_stop must not keep the host from rebooting. */
const NOTIFY_DRAIN_MS = 10_000;

export class DaemonStartError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

export async function startDaemon(options: DaemonOptions, deps: DaemonDeps): Promise<RunningDaemon> {
  const log = deps.logs("vipd");
  const loaded = loadConfigFile(options.configPath);
  for (const warning of loaded.warnings) log.warn(formatConfigError(warning));
  if (!loaded.ok) throw new DaemonStartError(loaded.errors.map(formatConfigError));
  const adapters = deps.adapters();
  try {
    const daemon = new Daemon(options, deps, adapters);
    daemon.start(loaded.config);
    return daemon;
  } catch (error) {
    adapters.addresses.close();
    adapters.announcer.close();
    throw error;
  }
}

/** The parts of a config the driver and the core run, derived from the config and the host's links. */
interface Prepared {
  /** With dynamic_interfaces: instances left out until their interface exists, with the interface they need. */
  waiting: { instance: string; ifname: string }[];
  node: NodeConfig;
  plans: InstancePlan[];
  groupNotify: Map<string, NotifyScripts>;
  scriptIds: Ids | null;
}

class Daemon implements RunningDaemon {
  driver!: Driver;
  node!: VrrpNode;
  private config!: VipdConfig;
  private notifier!: Notifier;
  private scriptTrackers = new Map<string, { key: string; tracker: ScriptTracker }>();
  private fileTrackers: FileTracker[] = [];
  private monitor: LinkMonitor | null = null;
  private status: StatusServer | null = null;
  private stopping: Promise<void> | null = null;
  private readonly linkNames = new Map<number, string>();
  private waiting: Prepared["waiting"] = [];
  private readonly log: Log;
  private readonly timers: Timers;

  constructor(
    private readonly options: DaemonOptions,
    private readonly deps: DaemonDeps,
    private readonly adapters: HostAdapters,
  ) {
    this.log = deps.logs("vipd");
    this.timers = deps.timers ?? realTimers;
  }

  start(config: VipdConfig): void {
    const prepared = this.prepare(config);
    removeStaleVips(this.adapters.addresses, prepared.plans, this.deps.logs("netlink"), (i) => this.linkNames.get(i));
    this.config = config;
    this.node = new VrrpNode(prepared.node);
    this.notifier = new Notifier({
      runner: this.deps.runner ?? runCommand,
      log: this.deps.logs("notify"),
      // Each instance's own notify_fifo; a group's is that of its first member that has one.
      fifoFor: (kind, name) => {
        const members = kind === "INSTANCE" ? [name] : (this.config.syncGroups.find((g) => g.name === name)?.group ?? []);
        return members.map((m) => this.config.instances.find((i) => i.name === m)?.notifyFifo).find((f) => f) ?? undefined;
      },
      ...(prepared.scriptIds ?? {}),
    });
    this.driver = new Driver({
      node: this.node,
      instances: prepared.plans,
      groupNotify: prepared.groupNotify,
      transports: this.adapters.transports,
      addresses: this.adapters.addresses,
      announcer: this.adapters.announcer,
      notifier: this.notifier,
      logs: this.deps.logs,
      timers: this.timers,
      alarms: this.adapters.alarms,
    });
    // Every tracker's state is known before the instances start, so nobody becomes MASTER on a dead link.
    this.feedLinkStates(config);
    this.syncTrackers(config, prepared.scriptIds);
    this.driver.start();
    this.waiting = prepared.waiting;
    for (const w of this.waiting)
      this.log.warn(`instance ${w.instance} waits for interface ${w.ifname} (dynamic_interfaces): FAULT until it exists`);
    this.monitor = this.adapters.links.start((event) => this.onLinkEvent(event));
    const startedAt = this.timers.now();
    this.status = new StatusServer(this.options.socketPath, () => ({
      ...snapshot(this.node, this.driver, startedAt, this.timers.now()),
      waiting: this.waiting,
    }));
    this.status.start();
    this.log.info(`vipd started: ${config.instances.length} instance(s), status on ${this.options.socketPath}`);
  }

  /**
   * SIGHUP: load the file again and apply it. Kept instances (matched as keepalived matches them) keep their
   * state and VIPs. Anything wrong, and the daemon goes on with what it had.
   */
  reload(): boolean {
    if (this.stopping) return false;
    const loaded = loadConfigFile(this.options.configPath);
    for (const warning of loaded.warnings) this.log.warn(formatConfigError(warning));
    if (!loaded.ok) {
      for (const error of loaded.errors) this.log.error(formatConfigError(error));
      this.log.error("reload aborted: still running on the previous configuration");
      return false;
    }
    let summary: ReturnType<Driver["reload"]>;
    try {
      const prepared = this.prepare(loaded.config);
      summary = this.driver.reload(prepared.plans, prepared.node, prepared.groupNotify);
      this.config = loaded.config;
      this.feedLinkStates(loaded.config);
      this.syncTrackers(loaded.config, prepared.scriptIds);
    } catch (error) {
      const problems = error instanceof DaemonStartError ? error.problems : [(error as Error).message];
      for (const problem of problems) this.log.error(problem);
      this.log.error("reload aborted: still running on the previous configuration");
      return false;
    }
    const renamed = summary.kept.filter((k) => k.from !== k.to).map((k) => `${k.from} → ${k.to}`);
    this.log.info(
      `reloaded: ${summary.kept.length} kept${renamed.length ? ` (renamed ${renamed.join(", ")})` : ""}, ${summary.added.length} added${summary.added.length ? ` (${summary.added.join(", ")})` : ""}, ${summary.removed.length} removed${summary.removed.length ? ` (${summary.removed.join(", ")})` : ""}`,
    );
    return true;
  }

  /**
   * Link events go to the core (interface trackers, restoring VIPs). An interface that disappears takes its
   * sockets with it; when it (or one an instance waits for) appears, the instances are set up again from the
   * config in memory, as a reload that keeps every instance's state.
   */
  private onLinkEvent(event: LinkEvent): void {
    if (event.type === "link") this.linkNames.set(event.link.ifindex, event.link.name);
    if (event.type === "link-removed") this.driver.dropTransports(event.name);
    this.driver.onLinkEvent(event, (i) => this.linkNames.get(i));
    if (this.stopping) return;
    if (
      event.type === "link" &&
      event.change === "new" &&
      (this.waiting.some((w) => w.ifname === event.link.name) || this.driver.lacksTransport(event.link.name))
    ) {
      this.refresh(`interface ${event.link.name} appeared`);
    } else if (event.type === "address-added" && this.waiting.some((w) => w.ifname === this.linkNames.get(event.address.ifindex))) {
      this.refresh(`interface ${this.linkNames.get(event.address.ifindex)} has an address`);
    }
  }

  private refresh(why: string): void {
    try {
      const prepared = this.prepare(this.config);
      const summary = this.driver.reload(prepared.plans, prepared.node, prepared.groupNotify);
      this.waiting = prepared.waiting;
      this.feedLinkStates(this.config);
      this.log.info(`${why}: ${summary.added.length ? `started ${summary.added.join(", ")}` : "sockets reopened"}`);
    } catch (error) {
      const problems = error instanceof DaemonStartError ? error.problems : [(error as Error).message];
      for (const problem of problems) this.log.error(`${why}, but: ${problem}`);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const handover = this.options.handover ?? this.config.global.shutdownHandover;
      this.log.info(handover ? "stopping: handing the VIPs over to the next master" : "stopping: releasing the VIPs");
      for (const { tracker } of this.scriptTrackers.values()) tracker.stop();
      for (const tracker of this.fileTrackers) tracker.stop();
      // Handover waits at most the longest Master_Down_Interval of a backup (priority 1), with margin.
      const longest = Math.max(0, ...this.node.routers.map((r) => 4 * r.config.advertIntervalCs * 10 + 1000));
      await this.driver.stop(handover, longest);
      await this.monitor?.close();
      this.status?.stop();
      await Promise.race([
        this.notifier.idle(),
        new Promise((resolve) => this.timers.setTimeout(() => resolve(undefined), NOTIFY_DRAIN_MS)),
      ]);
      this.adapters.addresses.close();
      this.adapters.announcer.close();
      this.log.info("stopped");
    })();
    return this.stopping;
  }

  /** Checks a config against the host and derives what the core and the driver run; throws DaemonStartError. */
  private prepare(fullConfig: VipdConfig): Prepared {
    const links = this.adapters.addresses.links();
    for (const link of links) this.linkNames.set(link.ifindex, link.name);
    const linkByName = new Map(links.map((l) => [l.name, l]));
    const primaryAddress = (ifname: string, family: IpFamily): Uint8Array | null => {
      const link = linkByName.get(ifname);
      if (!link) return null;
      const addresses = this.adapters.addresses.addresses(family, link.ifindex);
      // IPv4: the primary (first) address; IPv6: the link-local one (RFC 5798 §5.1.2.1).
      const pick =
        family === 4
          ? addresses.find((a) => a.scope === 0 || a.scope === 253)
          : addresses.find((a) => a.address[0] === 0xfe && (a.address[1]! & 0xc0) === 0x80);
      return pick?.address ?? null;
    };
    const usable = (s: VipdConfig["instances"][number]): string | null => {
      const missing = [s.interface, ...s.virtualIpaddress.map((v) => v.dev ?? s.interface)].find((n) => !linkByName.has(n));
      if (missing) return missing;
      return s.srcIp === null && !primaryAddress(s.interface, s.family) ? s.interface : null;
    };
    const { config, waiting } = fullConfig.global.dynamicInterfaces
      ? withoutMissingInterfaces(fullConfig, usable)
      : { config: fullConfig, waiting: [] };
    const core = toCore(config, primaryAddress);
    const plans = buildPlans(config, links);
    const problems = [
      ...(core.ok ? [] : core.errors.map((e) => `instance ${e.instance}: ${e.message}`)),
      ...(plans.ok ? [] : plans.errors),
    ];
    const scriptIds = resolveIds(config.global.scriptUser?.user ?? null, config.global.scriptUser?.group ?? null);
    if (config.global.scriptUser && !scriptIds) problems.push(`global.script_user: no user ${config.global.scriptUser.user}`);
    if (problems.length > 0 || !core.ok || !plans.ok) throw new DaemonStartError(problems);
    return {
      waiting,
      node: core.node,
      plans: plans.plans,
      groupNotify: new Map(config.syncGroups.map((g) => [g.name, notifyScripts(g.notify)])),
      scriptIds,
    };
  }

  private feedLinkStates(config: VipdConfig): void {
    const links = this.adapters.addresses.links();
    for (const link of links) this.driver.trackerChanged(trackerName.interface(link.name), link.up && link.carrier);
    const present = new Set(links.map((l) => l.name));
    for (const section of config.instances) {
      if (!present.has(section.interface)) this.driver.trackerChanged(trackerName.interface(section.interface), false);
    }
  }

  /** Starts the script and file trackers of `config`; a script whose check is unchanged keeps running (and its state). */
  private syncTrackers(config: VipdConfig, scriptIds: Ids | null): void {
    const wanted = new Map(config.scripts.map((script) => [script.name, this.scriptCheck(script, scriptIds)]));
    for (const [name, { key, tracker }] of this.scriptTrackers) {
      if (wanted.has(name) && JSON.stringify(wanted.get(name)) === key) continue;
      tracker.stop();
      this.scriptTrackers.delete(name);
    }
    for (const [name, check] of wanted) {
      if (this.scriptTrackers.has(name)) continue;
      if (check.initFail) this.driver.trackerChanged(trackerName.script(name), false);
      const tracker = new ScriptTracker(
        check,
        this.deps.runner ?? runCommand,
        { changed: (n, up, last) => this.scriptChanged(n, up, last) },
        this.timers,
      );
      this.scriptTrackers.set(name, { key: JSON.stringify(check), tracker });
      tracker.start();
    }
    for (const tracker of this.fileTrackers) tracker.stop();
    for (const file of config.trackFiles) initTrackFile(file, this.deps.logs("track"));
    this.fileTrackers = config.trackFiles.map(
      (file) =>
        new FileTracker(
          { name: file.name, path: file.file },
          (name, value) => {
            if (value === null)
              this.deps.logs("track").warn(`track file ${name} (${file.file}) is missing or holds no number; counting it as 0`);
            this.driver.trackerChanged(trackerName.file(name), true, value ?? 0);
          },
          this.timers,
        ),
    );
    for (const tracker of this.fileTrackers) tracker.start();
  }

  private scriptCheck(script: VipdConfig["scripts"][number], scriptIds: Ids | null): ScriptCheck {
    const ids = script.script.runAs ? resolveIds(script.script.runAs.user, script.script.runAs.group) : scriptIds;
    return {
      name: script.name,
      argv: script.script.argv,
      intervalMs: script.intervalMs,
      timeoutMs: script.timeoutMs ?? undefined,
      rise: script.rise,
      fall: script.fall,
      initFail: script.initFail,
      ...(ids ?? {}),
    };
  }

  private scriptChanged(name: string, up: boolean, last: RunResult): void {
    const why = up
      ? "succeeded"
      : last.timedOut
        ? "timed out"
        : last.spawnError
          ? `could not start (${last.spawnError})`
          : `failed (exit ${last.exitCode ?? last.signal})`;
    this.deps.logs("track").info(`script ${name} ${why}: now ${up ? "up" : "down"}`);
    this.driver.trackerChanged(trackerName.script(name), up);
  }
}

/**
 * dynamic_interfaces: the instances whose interface (or a VIP's device) does not exist yet, or has no address to
 * send adverts from, are left out, and so
 * is every member of a sync group one of them belongs to (the group moves as one).
 */
function withoutMissingInterfaces(
  config: VipdConfig,
  missingOf: (s: VipdConfig["instances"][number]) => string | null,
): { config: VipdConfig; waiting: Prepared["waiting"] } {
  const waiting: Prepared["waiting"] = [];
  const out = new Set<string>();
  for (const s of config.instances) {
    const missing = missingOf(s);
    if (missing) {
      waiting.push({ instance: s.name, ifname: missing });
      out.add(s.name);
    }
  }
  for (const group of config.syncGroups) {
    const blocked = group.group.find((m) => out.has(m));
    if (!blocked) continue;
    for (const member of group.group) {
      if (out.has(member)) continue;
      out.add(member);
      waiting.push({ instance: member, ifname: waiting.find((w) => w.instance === blocked)!.ifname });
    }
  }
  return {
    config: {
      ...config,
      instances: config.instances.filter((s) => !out.has(s.name)),
      syncGroups: config.syncGroups.filter((g) => !g.group.some((m) => out.has(m))),
    },
    waiting,
  };
}

/** keepalived's init_file: write the value when the file is missing, or always with overwrite. */
function initTrackFile(file: VipdConfig["trackFiles"][number], log: ReturnType<LogFactory>): void {
  if (!file.initFile || (existsSync(file.file) && !file.initFile.overwrite)) return;
  try {
    mkdirSync(dirname(file.file), { recursive: true });
    writeFileSync(file.file, `${file.initFile.value}\n`);
  } catch (error) {
    log.error(`track file ${file.name}: cannot write ${file.file}: ${(error as Error).message}`);
  }
}

function resolveIds(user: string | null, group: string | null): Ids | null {
  if (user === null) return null;
  return lookupIds(user, group);
}

/** keepalived removes its instances' addresses left behind by an earlier run (a crash, a SIGKILL) at start-up. */
function removeStaleVips(
  addresses: AddressManager,
  plans: { name: string; addresses: { ifindex: number; address: Uint8Array; prefixlen: number }[] }[],
  log: ReturnType<LogFactory>,
  ifnameOf: (i: number) => string | undefined,
): void {
  const present = [...addresses.addresses(4), ...addresses.addresses(6)];
  for (const plan of plans) {
    for (const spec of plan.addresses) {
      const found = present.find(
        (a) =>
          a.ifindex === spec.ifindex &&
          a.address.length === spec.address.length &&
          sameAddress(a.address, 0, spec.address, 0, spec.address.length),
      );
      if (!found) continue;
      try {
        addresses.deleteAddress({ ...spec, prefixlen: found.prefixlen });
        log.warn(
          `removed ${formatIp(spec.address)}/${found.prefixlen} from ${ifnameOf(spec.ifindex) ?? spec.ifindex}: left behind by an earlier run of ${plan.name}`,
        );
      } catch (error) {
        log.error(`could not remove stale ${formatIp(spec.address)} of ${plan.name}: ${(error as Error).message}`);
      }
    }
  }
}
