// `vipd run`: loads the config, opens the Linux adapters, builds the core and the driver, starts trackers,
// the status socket and the signal handlers. Everything that can be wrong with the config or the host is
// reported before anything is changed on the host.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AddressManager, Link, LinkMonitorFactory } from "../adapters/address-manager.ts";
import type { NeighbourAnnouncer } from "../adapters/neighbour-announcer.ts";
import type { VrrpTransportFactory } from "../adapters/vrrp-transport.ts";
import { realTimers, type Timers } from "../clock/timers.ts";
import { formatConfigError } from "../config/config-error.ts";
import { loadConfigFile } from "../config/load.ts";
import type { VipdConfig } from "../config/schema.ts";
import { toCore, trackerName } from "../config/to-core.ts";
import { Notifier } from "../notify/notifier.ts";
import { runCommand, type CommandRunner } from "../process/run-command.ts";
import { lookupIds, type Ids } from "../process/users.ts";
import { FileTracker } from "../track/file-tracker.ts";
import { ScriptTracker } from "../track/script-tracker.ts";
import { formatIp, sameAddress } from "../vrrp/ip-address.ts";
import { VrrpNode } from "../vrrp/node.ts";
import { Driver } from "./driver.ts";
import type { LogFactory } from "./log.ts";
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
  const timers = deps.timers ?? realTimers;
  const loaded = loadConfigFile(options.configPath);
  for (const warning of loaded.warnings) log.warn(formatConfigError(warning));
  if (!loaded.ok) throw new DaemonStartError(loaded.errors.map(formatConfigError));
  const config = loaded.config;

  const adapters = deps.adapters();
  try {
    return await assemble(config, options, deps, adapters, timers);
  } catch (error) {
    adapters.addresses.close();
    adapters.announcer.close();
    throw error;
  }
}

async function assemble(config: VipdConfig, options: DaemonOptions, deps: DaemonDeps, adapters: HostAdapters, timers: Timers): Promise<RunningDaemon> {
  const log = deps.logs("vipd");
  const links = adapters.addresses.links();
  const linkByName = new Map(links.map((l) => [l.name, l]));
  const ifnameOf = (ifindex: number) => links.find((l) => l.ifindex === ifindex)?.name;

  const core = toCore(config, (ifname, family) => {
    const link = linkByName.get(ifname);
    if (!link) return null;
    const addresses = adapters.addresses.addresses(family, link.ifindex);
    // IPv4: the primary (first) address; IPv6: the link-local one (RFC 5798 §5.1.2.1).
    const pick = family === 4 ? addresses.find((a) => a.scope === 0 || a.scope === 253) : addresses.find((a) => a.address[0] === 0xfe && (a.address[1]! & 0xc0) === 0x80);
    return pick?.address ?? null;
  });
  const plans = buildPlans(config, links);
  const problems = [...(core.ok ? [] : core.errors.map((e) => `instance ${e.instance}: ${e.message}`)), ...(plans.ok ? [] : plans.errors)];
  if (problems.length > 0 || !core.ok || !plans.ok) throw new DaemonStartError(problems);

  const scriptIds = resolveIds(config.global.scriptUser?.user ?? null, config.global.scriptUser?.group ?? null);
  if (config.global.scriptUser && !scriptIds) throw new DaemonStartError([`global.script_user: no user ${config.global.scriptUser.user}`]);

  removeStaleVips(adapters.addresses, plans.plans, deps.logs("netlink"), ifnameOf);

  const node = new VrrpNode(core.node);
  const notifier = new Notifier({
    runner: deps.runner ?? runCommand,
    log: deps.logs("notify"),
    fifoPath: config.instances.find((i) => i.notifyFifo)?.notifyFifo ?? undefined,
    ...(scriptIds ?? {}),
  });
  const groupNotify = new Map(config.syncGroups.map((g) => [g.name, notifyScripts(g.notify)]));
  const driver = new Driver({
    node,
    instances: plans.plans,
    groupNotify,
    transports: adapters.transports,
    addresses: adapters.addresses,
    announcer: adapters.announcer,
    notifier,
    logs: deps.logs,
    timers,
  });

  // The state of every tracker is known before the instances start, so nobody becomes MASTER on a dead link.
  for (const link of links) driver.trackerChanged(trackerName.interface(link.name), linkIsUp(link));
  for (const section of config.instances) {
    if (!linkByName.has(section.interface)) driver.trackerChanged(trackerName.interface(section.interface), false);
  }
  for (const script of config.scripts) if (script.initFail) driver.trackerChanged(trackerName.script(script.name), false);

  const scriptTrackers = config.scripts.map((script) => {
    const ids = script.script.runAs ? resolveIds(script.script.runAs.user, script.script.runAs.group) : scriptIds;
    return new ScriptTracker(
      {
        name: script.name,
        argv: script.script.argv,
        intervalMs: script.intervalMs,
        timeoutMs: script.timeoutMs ?? undefined,
        rise: script.rise,
        fall: script.fall,
        initFail: script.initFail,
        ...(ids ?? {}),
      },
      deps.runner ?? runCommand,
      {
        changed: (name, up, last) => {
          const why = up ? "succeeded" : last.timedOut ? "timed out" : last.spawnError ? `could not start (${last.spawnError})` : `failed (exit ${last.exitCode ?? last.signal})`;
          deps.logs("track").info(`script ${name} ${why}: now ${up ? "up" : "down"}`);
          driver.trackerChanged(trackerName.script(name), up);
        },
      },
      timers,
    );
  });
  for (const file of config.trackFiles) initTrackFile(file, deps.logs("track"));
  const fileTrackers = config.trackFiles.map(
    (file) =>
      new FileTracker({ name: file.name, path: file.file }, (name, value) => {
        if (value === null) deps.logs("track").warn(`track file ${name} (${file.file}) is missing or holds no number; counting it as 0`);
        driver.trackerChanged(trackerName.file(name), true, value ?? 0);
      }, timers),
  );

  driver.start();
  const monitor = adapters.links.start((event) => driver.onLinkEvent(event, ifnameOf));
  for (const tracker of scriptTrackers) tracker.start();
  for (const tracker of fileTrackers) tracker.start();
  const startedAt = timers.now();
  const status = new StatusServer(options.socketPath, () => snapshot(node, driver, startedAt, timers.now()));
  status.start();
  log.info(`vipd started: ${config.instances.length} instance(s), status on ${options.socketPath}`);

  const handover = options.handover ?? config.global.shutdownHandover;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      log.info(handover ? "stopping: handing the VIPs over to the next master" : "stopping: releasing the VIPs");
      for (const tracker of scriptTrackers) tracker.stop();
      for (const tracker of fileTrackers) tracker.stop();
      // Handover waits at most the longest Master_Down_Interval of a backup (priority 1), with margin.
      const longest = Math.max(0, ...node.routers.map((r) => 4 * r.config.advertIntervalCs * 10 + 1000));
      await driver.stop(handover, longest);
      await monitor.close();
      status.stop();
      await Promise.race([notifier.idle(), new Promise((resolve) => timers.setTimeout(() => resolve(undefined), NOTIFY_DRAIN_MS))]);
      adapters.addresses.close();
      adapters.announcer.close();
      log.info("stopped");
    })();
    return stopping;
  };
  return { driver, node, stop };
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

function linkIsUp(link: Link): boolean {
  return link.up && link.carrier;
}

function resolveIds(user: string | null, group: string | null): Ids | null {
  if (user === null) return null;
  return lookupIds(user, group);
}

/** keepalived removes its instances' addresses left behind by an earlier run (a crash, a SIGKILL) at start-up. */
function removeStaleVips(addresses: AddressManager, plans: { name: string; addresses: { ifindex: number; address: Uint8Array; prefixlen: number }[] }[], log: ReturnType<LogFactory>, ifnameOf: (i: number) => string | undefined): void {
  const present = [...addresses.addresses(4), ...addresses.addresses(6)];
  for (const plan of plans) {
    for (const spec of plan.addresses) {
      const found = present.find((a) => a.ifindex === spec.ifindex && a.address.length === spec.address.length && sameAddress(a.address, 0, spec.address, 0, spec.address.length));
      if (!found) continue;
      try {
        addresses.deleteAddress({ ...spec, prefixlen: found.prefixlen });
        log.warn(`removed ${formatIp(spec.address)}/${found.prefixlen} from ${ifnameOf(spec.ifindex) ?? spec.ifindex}: left behind by an earlier run of ${plan.name}`);
      } catch (error) {
        log.error(`could not remove stale ${formatIp(spec.address)} of ${plan.name}: ${(error as Error).message}`);
      }
    }
  }
}
