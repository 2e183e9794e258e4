// `vipd run`: the composition root. Loads the config, opens the host's adapters, builds the core, the driver
// and the trackers, the status socket; applies reloads and link changes. Everything that can be wrong with the
// config or the host is reported before anything is changed on the host.

import type { LinkEvent, LinkMonitor } from "../adapters/address-manager.ts";
import type { HostAdapters } from "../adapters/host-adapters.ts";
import type { ControlSocketProbe } from "../adapters/socket-probe.ts";
import { realTimers, type Timers } from "../clock/timers.ts";
import { formatConfigError } from "../config/config-error.ts";
import { effectiveLinkDelays } from "../config/link-delays.ts";
import { ConfigLoader } from "../config/config-loader.ts";
import type { Ids } from "../adapters/user-lookup.ts";
import type { Command, VipdConfig } from "../config/schema.ts";
import { trackerName } from "../config/to-core.ts";
import { Mailer } from "../notify/mailer.ts";
import { Notifier } from "../notify/notifier.ts";
import { NodemailerTransport } from "../notify/smtp-transport.ts";
import { type CommandRunner, runCommand } from "../process/run-command.ts";
import { TrackerSet } from "../track/tracker-set.ts";
import { formatIp } from "../vrrp/ip-address.ts";
import { VrrpNode } from "../vrrp/node.ts";
import { handoverWaitMs } from "../vrrp/router.ts";
import { ControlSocket } from "./control-socket.ts";
import { Driver } from "./driver.ts";
import type { Log, LogFactory } from "./log.ts";
import { type Prepared, prepare, type WaitingInstance } from "./plan.ts";
import { removeStaleVips } from "./stale-vips.ts";
import { LoadBalancer, watchesAddresses } from "../lvs/load-balancer.ts";
import { spawnCheckerProcess, type SpawnChecker } from "../check/checker-process.ts";
import { VmacManager, type WantedVmac } from "./vmac-manager.ts";
import { baseSettingsFile } from "./vmac-record.ts";
import { namespaceRecordPath } from "./namespace-record.ts";
import { ownedServicesFile } from "../lvs/owned-services.ts";
import { MetricsServer } from "./metrics.ts";
import { NoAcceptTable } from "./no-accept-table.ts";
import { reloadLine } from "./reload-line.ts";
import { stateSummary } from "./state-summary.ts";
import { type LifecycleRuns, lifecycleRuns, runLifecycleScript, scriptUserIds } from "./global-scripts.ts";
import { FifoReaders } from "../notify/fifo-readers.ts";
import { type LiveState, type StatusSnapshot, snapshot } from "./status.ts";

export interface DaemonOptions {
  configPath: string;
  socketPath: string;
  /** Override global.shutdown_handover. */
  handover?: boolean;
  /** Where the services vipd set up in IPVS are recorded, so a restart after a crash knows them; default one file per namespace in /run/vipd. */
  ipvsRecordPath?: string;
  /** Where the base interfaces' settings before the VMACs are recorded; default one file per namespace in /run/vipd. */
  vmacRecordPath?: string;
  /**
   * Called once the daemon has given up after an internal error it cannot recover from (priority 0 sent, VIPs
   * released, everything closed): the process should exit non-zero so the supervisor restarts it.
   */
  onFatal?: (error: unknown) => void;
  /** Told "3 MASTER, 1 BACKUP" whenever an instance changes state (systemd's STATUS=). */
  onStatus?: (summary: string) => void;
}

export interface DaemonDeps {
  adapters: () => HostAdapters;
  logs: LogFactory;
  timers?: Timers;
  runner?: CommandRunner;
  /** Starts the checker process (tests give an in-process one). */
  spawnChecker?: SpawnChecker;
}

export interface RunningDaemon {
  driver: Driver;
  node: VrrpNode;
  /** Like SIGHUP: applies the file again; false (and still running on the old config) when it is not valid. */
  reload(): boolean;
  /** Stops like SIGTERM does; resolves when every VIP is released and notify_stop scripts have run. */
  stop(): Promise<void>;
  /** After an internal error the daemon cannot recover from: priority 0, VIPs released, all closed; then onFatal. */
  fail(error: unknown): Promise<void>;
  /**
   * `vipd handover`: moves `instance` (null: every instance) to another node without losing a packet and holds it
   * BACKUP, or (undo) lets it take part in elections again. Returns the problem, or null.
   */
  handover(instance: string | null, undo: boolean): string | null;
}

/** keepalived gives these scripts no limit; vipd kills a hung one (and its children) after this. */
const LVS_SCRIPT_TIMEOUT_MS = 30_000;

/** Longest wait for notify scripts at shutdown: a hung notify_stop must not keep the host from rebooting. */
const NOTIFY_DRAIN_MS = 10_000;

export class DaemonStartError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

export async function startDaemon(options: DaemonOptions, deps: DaemonDeps): Promise<RunningDaemon> {
  const log = deps.logs("vipd");
  const configLoader = new ConfigLoader();
  const loaded = configLoader.load(options.configPath);
  for (const warning of loaded.warnings) log.warn(formatConfigError(warning));
  if (!loaded.ok) throw new DaemonStartError(loaded.errors.map(formatConfigError));
  const adapters = deps.adapters();
  let daemon: Daemon | null = null;
  try {
    refuseIfAnotherAnswers(options.socketPath, adapters);
    await runStartupScript(loaded.config, adapters, deps);
    daemon = new Daemon(options, deps, adapters, configLoader);
    daemon.start(loaded.config);
    return daemon;
  } catch (error) {
    // VMACs set up before the start failed go again (before the address manager they need is closed).
    daemon?.removeVmacs();
    adapters.addresses.close();
    adapters.announcer.close();
    throw error;
  }
}

/** Before anything changes: a second daemon on the same socket would take it over and contend for the VIPs. */
function refuseIfAnotherAnswers(socketPath: string, adapters: HostAdapters): void {
  let probe: ReturnType<ControlSocketProbe>;
  try {
    probe = adapters.controlSocketProbe(socketPath);
  } catch (error) {
    throw new DaemonStartError([(error as Error).message]);
  }
  if (probe === "answers") {
    throw new DaemonStartError([`another vipd is running: it answers on ${socketPath} (stop it first, or give this one its own --socket)`]);
  }
}

/**
 * keepalived's startup_script, before anything else: it may set up what the instances need (an interface, a
 * route). A user that does not resolve stops the start; a failing script is logged and the start goes on.
 */
async function runStartupScript(config: VipdConfig, adapters: HostAdapters, deps: DaemonDeps): Promise<void> {
  const problems: string[] = [];
  const { startup } = lifecycleRuns(config, adapters.users, scriptUserIds(config, adapters.users, problems), problems);
  if (problems.length > 0) throw new DaemonStartError(problems);
  if (startup) await runLifecycleScript("startup", startup, deps.runner ?? runCommand, deps.logs("vipd"));
}

class Daemon implements RunningDaemon {
  driver!: Driver;
  node!: VrrpNode;
  private config!: VipdConfig;
  private notifier!: Notifier;
  private mailer!: Mailer;
  private trackers!: TrackerSet;
  private fifoReaders!: FifoReaders;
  private lifecycle: LifecycleRuns = { startup: null, shutdown: null };
  private monitor: LinkMonitor | null = null;
  private status: ControlSocket | null = null;
  private metrics: MetricsServer | null = null;
  private loadBalancer!: LoadBalancer;
  /** global.script_user's ids (null: the daemon's user), for the load balancer's scripts. */
  private scriptIds: Ids | null = null;
  private noAccept!: NoAcceptTable;
  private startedAt = 0;
  private lastStatus = "";
  private stopping: Promise<void> | null = null;
  private readonly linkNames = new Map<number, string>();
  /** Each link's last known state (up with carrier), to log its changes as keepalived does. */
  private readonly linkUp = new Map<string, boolean>();
  private waiting: WaitingInstance[] = [];
  /** use_vmac: the macvlans, opened when the first VMAC is wanted; the VMACs the running config has. */
  private vmacs: VmacManager | null = null;
  private wantedVmacs: WantedVmac[] = [];
  private vmacFailures = new Map<string, string>();
  private readonly log: Log;
  private readonly timers: Timers;

  constructor(
    private readonly options: DaemonOptions,
    private readonly deps: DaemonDeps,
    private readonly adapters: HostAdapters,
    private readonly configLoader: ConfigLoader,
  ) {
    this.log = deps.logs("vipd");
    this.timers = deps.timers ?? realTimers;
  }

  start(config: VipdConfig): void {
    const prepared = this.prepare(config);
    removeStaleVips(this.adapters.addresses, prepared.plans, this.deps.logs("netlink"), (i) => this.linkNames.get(i));
    this.noAccept = new NoAcceptTable(this.adapters.noAccept, this.deps.logs("nftables"));
    this.prepareNoAccept(prepared, true);
    this.config = config;
    this.node = new VrrpNode(prepared.node);
    this.lifecycle = prepared.lifecycle;
    this.fifoReaders = new FifoReaders({
      runner: this.deps.runner ?? runCommand,
      makeFifo: this.adapters.makeFifo,
      timers: this.timers,
      log: this.deps.logs("notify"),
    });
    // Before the instances start: their first lines wait in the FIFO for its reader.
    void this.fifoReaders.sync(prepared.fifoReaders);
    this.notifier = new Notifier({
      runner: this.deps.runner ?? runCommand,
      log: this.deps.logs("notify"),
      heldFifo: (path) => this.fifoReaders.fd(path),
      // Each instance's own notify_fifo; a group's is that of its first member that has one.
      fifoFor: (kind, name) => {
        const members = kind === "INSTANCE" ? [name] : (this.config.syncGroups.find((g) => g.name === name)?.group ?? []);
        return members.map((m) => this.config.instances.find((i) => i.name === m)?.notifyFifo).find((f) => f) ?? undefined;
      },
      ...(prepared.scriptIds ?? {}),
    });
    this.mailer = new Mailer({ transport: new NodemailerTransport(), log: this.deps.logs("mail"), timers: this.timers });
    this.mailer.configure(config);
    this.trackers = new TrackerSet(
      { runner: this.deps.runner ?? runCommand, timers: this.timers, log: this.deps.logs("track"), lookupUser: this.adapters.users },
      (tracker, up, value) => this.driver.trackerChanged(tracker, up, value),
    );
    this.driver = new Driver({
      node: this.node,
      instances: prepared.plans,
      groupNotify: prepared.groupNotify,
      transports: this.adapters.transports,
      addresses: this.adapters.addresses,
      noAccept: this.adapters.noAccept,
      announcer: this.adapters.announcer,
      notifier: this.notifier,
      // Told of every state change: the e-mail alerts, and systemd's STATUS= line.
      mailer: {
        stateChanged: (kind, name, state) => {
          this.mailer.stateChanged(kind, name, state);
          this.reportStates();
        },
      },
      logs: this.deps.logs,
      timers: this.timers,
      alarms: this.adapters.alarms,
      onFatal: (error) => void this.fail(error),
    });
    // Every tracker's state is known before the instances start, so nobody becomes MASTER on a dead link.
    this.feedLinkStates(config);
    this.trackers.sync(config, prepared.scriptIds);
    this.scriptIds = prepared.scriptIds;
    this.driver.start();
    this.waiting = prepared.waiting;
    for (const w of this.waiting)
      this.log.warn(`instance ${w.instance} waits for interface ${w.ifname} (dynamic_interfaces): FAULT until it exists`);
    this.monitor = this.adapters.links.start(
      (event) => this.onLinkEvent(event),
      (trouble) => this.deps.logs("netlink").warn(trouble),
    );
    this.startedAt = this.timers.now();
    this.status = new ControlSocket(
      this.options.socketPath,
      { status: () => this.snapshot(), handover: (instance, undo) => this.handover(instance, undo) },
      this.adapters.peerCredentials,
      this.deps.logs("control"),
      process.getuid?.() ?? 0,
    );
    this.status.start();
    this.applyMetrics(config);
    this.startLoadBalancer();
    if (watchesAddresses(config)) this.loadBalancer.addressesChanged(this.localAddresses());
    this.loadBalancer.apply(config, prepared.checkIds);
    this.log.info(`vipd started: ${config.instances.length} instance(s), status on ${this.options.socketPath}`);
  }

  /**
   * SIGHUP: load the file again and apply it. Kept instances (matched as keepalived matches them) keep their
   * state and VIPs. Anything wrong, and the daemon goes on with what it had.
   */
  reload(): boolean {
    if (this.stopping) return false;
    // A reload runs to its end without yielding: an advert already due leaves first (back-to-back SIGHUPs once
    // held one 163 ms behind them).
    this.driver.catchUpTimers();
    const loaded = this.configLoader.load(this.options.configPath);
    for (const warning of loaded.warnings) this.log.warn(formatConfigError(warning));
    if (!loaded.ok) {
      for (const error of loaded.errors) this.log.error(formatConfigError(error));
      this.log.error("reload aborted: still running on the previous configuration");
      return false;
    }
    const previous = this.config;
    let summary: ReturnType<Driver["reload"]>;
    const vmacsBefore = this.wantedVmacs;
    try {
      const prepared = this.prepare(loaded.config);
      this.prepareNoAccept(prepared, false);
      summary = this.driver.reload(prepared.plans, prepared.node, prepared.groupNotify);
      this.vmacs?.removeUnwanted(this.wantedVmacs);
      this.notifier.runAs(prepared.scriptIds);
      this.scriptIds = prepared.scriptIds;
      this.lifecycle = prepared.lifecycle;
      void this.fifoReaders.sync(prepared.fifoReaders);
      this.applyMetrics(loaded.config);
      // Addresses are followed only while ha_suspend needs them: fresh ones for a config that starts to.
      if (watchesAddresses(loaded.config)) this.loadBalancer.addressesChanged(this.localAddresses());
      this.loadBalancer.apply(loaded.config, prepared.checkIds);
      this.mailer.configure(loaded.config);
      this.config = loaded.config;
      this.feedLinkStates(loaded.config);
      this.trackers.sync(loaded.config, prepared.scriptIds);
    } catch (error) {
      const problems = error instanceof DaemonStartError ? error.problems : [(error as Error).message];
      for (const problem of problems) this.log.error(problem);
      // VMACs set up for the refused config go again.
      this.wantedVmacs = vmacsBefore;
      this.vmacs?.removeUnwanted(vmacsBefore);
      this.log.error("reload aborted: still running on the previous configuration");
      return false;
    }
    this.log.info(reloadLine(summary, previous, loaded.config));
    return true;
  }

  /**
   * Link events go to the core (interface trackers, restoring VIPs). An interface that disappears takes its
   * sockets with it; when it (or one an instance waits for) appears, the instances are set up again from the
   * config in memory, as a reload that keeps every instance's state.
   */
  private onLinkEvent(event: LinkEvent): void {
    if (event.type === "link") this.linkNames.set(event.link.ifindex, event.link.name);
    if (event.type === "link") this.reportLink(event.link.name, event.link.up && event.link.carrier);
    if (event.type === "link-removed") this.reportLink(event.name, false);
    if (event.type === "link-removed") this.driver.dropTransports(event.name);
    this.driver.onLinkEvent(event, (i) => this.linkNames.get(i));
    if (this.stopping) return;
    if ((event.type === "address-added" || event.type === "address-removed") && watchesAddresses(this.config)) {
      this.loadBalancer.addressesChanged(this.localAddresses());
    }
    // A VMAC removed by someone else: set up again (as keepalived recreates its own).
    if (event.type === "link-removed" && this.vmacs?.names().includes(event.name)) {
      this.refresh(`VMAC ${event.name} was removed`);
      return;
    }
    if (
      event.type === "link" &&
      event.change === "new" &&
      (this.waiting.some((w) => w.ifname === event.link.name) || this.driver.lacksTransport(event.link.name))
    ) {
      this.refresh(`interface ${event.link.name} appeared`);
    } else if (event.type === "address-added") {
      const ifname = this.linkNames.get(event.address.ifindex);
      // An interface recreated without an address could not be set up when it appeared: retry now it has one.
      if (ifname !== undefined && (this.waiting.some((w) => w.ifname === ifname) || this.driver.lacksTransport(ifname))) {
        this.refresh(`interface ${ifname} has an address`);
      }
    }
  }

  /** keepalived's "Netlink reports eth1 down": a tracked link's change, said once whatever it moves. */
  private reportLink(name: string, up: boolean): void {
    const before = this.linkUp.get(name);
    this.linkUp.set(name, up);
    if (before !== undefined && before !== up) this.deps.logs("netlink").info(`Netlink reports ${name} ${up ? "up" : "down"}`);
  }

  private refresh(why: string): void {
    try {
      const prepared = this.prepare(this.config);
      this.prepareNoAccept(prepared, false);
      const summary = this.driver.reload(prepared.plans, prepared.node, prepared.groupNotify);
      this.vmacs?.removeUnwanted(this.wantedVmacs);
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
      this.trackers.stop();
      // The core bounds each handover (handoverWaitMs); this is only the driver's safety net, with margin.
      const longest = Math.max(0, ...this.node.routers.map((r) => handoverWaitMs(r.config.version, r.config.advertIntervalCs) + 1000));
      await this.driver.stop(handover, longest);
      this.noAccept.remove();
      this.removeVmacs();
      this.loadBalancer.stop(this.config.global.lvsOnStop);
      await this.monitor?.close();
      this.status?.stop();
      this.metrics?.stop();
      await Promise.race([
        Promise.all([this.notifier.idle(), this.mailer.idle()]),
        new Promise((resolve) => this.timers.setTimeout(() => resolve(undefined), NOTIFY_DRAIN_MS)),
      ]);
      this.mailer.close();
      await this.fifoReaders.stop();
      this.adapters.addresses.close();
      this.adapters.announcer.close();
      await this.runShutdownScript();
      this.log.info("stopped");
    })();
    return this.stopping;
  }

  /**
   * keepalived's shutdown_script: once every instance has stopped and released its addresses. Bounded by its
   * timeout (the runner kills it then); its outcome is logged, a failure changes nothing.
   */
  private async runShutdownScript(): Promise<void> {
    const shutdown = this.lifecycle.shutdown;
    if (shutdown) await runLifecycleScript("shutdown", shutdown, this.deps.runner ?? runCommand, this.log);
  }

  /** The states' summary to onStatus, when it changed. */
  private reportStates(): void {
    const summary = stateSummary(this.node.routers.map((r) => r.state));
    if (summary === this.lastStatus) return;
    this.lastStatus = summary;
    this.options.onStatus?.(summary);
  }

  private snapshot(): StatusSnapshot {
    return {
      ...snapshot(this.node, this.driver, this.startedAt, this.timers.now(), this.liveState()),
      waiting: this.waiting,
      ...this.loadBalancer.status(),
    };
  }

  /** [virtual_servers] and their checks (src/lvs/load-balancer.ts), created at start. */
  private startLoadBalancer(): void {
    const log = this.deps.logs("ipvs");
    this.loadBalancer = new LoadBalancer({
      openIpvs: () => this.adapters.ipvs((message) => log.warn(message)),
      record: ownedServicesFile(this.options.ipvsRecordPath ?? namespaceRecordPath("ipvs-services"), log),
      log,
      checkLog: this.deps.logs("check"),
      timers: this.timers,
      spawnChecker: this.deps.spawnChecker ?? spawnCheckerProcess,
      runScript: (command, what) => this.runLvsScript(command, what),
      mail: (render) => this.mailer.checkerChanged(render),
    });
  }

  /** notify_up / notify_down / quorum_up / quorum_down: as their user, bounded, logged with exit and duration. */
  private runLvsScript(command: Command, what: string): void {
    const log = this.deps.logs("check");
    const ids = command.runAs ? this.adapters.users(command.runAs.user, command.runAs.group) : this.scriptIds;
    if (command.runAs && !ids) {
      log.error(`${what}: user ${command.runAs.user} no longer resolves; ${command.raw} not run`);
      return;
    }
    log.info(`${what}: running ${command.raw}`);
    void (this.deps.runner ?? runCommand)({ argv: command.argv, timeoutMs: LVS_SCRIPT_TIMEOUT_MS, ...(ids ?? {}) }).then((r) => {
      const outcome = r.spawnError ?? (r.timedOut ? "timed out" : r.exitCode !== null ? `exit ${r.exitCode}` : `killed by ${r.signal}`);
      const line = `${what}: ${command.raw} ended (${outcome}) after ${Math.round(r.durationMs)} ms`;
      if (r.exitCode === 0) log.info(line);
      else log.warn(`${line}${r.stderr ? `: ${r.stderr.split("\n")[0]}` : ""}`);
    });
  }

  /** Starts, moves or stops the [metrics] listener as the config says; a listener that cannot bind is logged. */
  private applyMetrics(config: VipdConfig): void {
    const wanted = config.metrics;
    if (this.metrics && wanted && this.metrics.host === wanted.host && this.metrics.port === wanted.port) return;
    this.metrics?.stop();
    this.metrics = null;
    if (!wanted) return;
    const server = new MetricsServer(wanted.host, wanted.port, () => this.snapshot());
    try {
      server.start();
      this.metrics = server;
      this.log.info(`metrics on http://${wanted.host.includes(":") ? `[${wanted.host}]` : wanted.host}:${wanted.port}/metrics`);
    } catch (error) {
      this.log.error(`metrics: cannot listen on ${wanted.host} port ${wanted.port}: ${(error as Error).message}; running without metrics`);
    }
  }

  /** The host's addresses, as text: ha_suspend waits for a virtual server's. */
  private localAddresses(): Set<string> {
    const all = [...this.adapters.addresses.addresses(4), ...this.adapters.addresses.addresses(6)];
    return new Set(all.map((a) => formatIp(a.address)));
  }

  /** The addresses on the host now and the trackers' state, for status and metrics. */
  private liveState(): LiveState {
    const addresses = [...this.adapters.addresses.addresses(4), ...this.adapters.addresses.addresses(6)];
    return { addresses, trackers: this.trackers.snapshot() };
  }

  handover(instance: string | null, undo: boolean): string | null {
    if (this.stopping) return "the daemon is stopping";
    if (instance !== null && !this.node.router(instance)) return `no instance ${instance}`;
    this.log.info(`${undo ? "handover undone" : "handover requested"} for ${instance ?? "every instance"}`);
    this.driver.dispatch({ type: "Handover", instance, undo });
    return null;
  }

  fail(error: unknown): Promise<void> {
    this.stopping ??= (async () => {
      this.log.error("vipd cannot keep its promises any more: sending priority 0, releasing every VIP and exiting");
      this.trackers.stop();
      await this.driver.abandon();
      this.noAccept.remove();
      this.removeVmacs();
      this.loadBalancer.stop(this.config.global.lvsOnStop);
      await this.monitor?.close();
      this.status?.stop();
      this.metrics?.stop();
      this.mailer.close();
      await this.fifoReaders.stop();
      this.adapters.addresses.close();
      this.adapters.announcer.close();
      // A fatal stop is a stop too: keepalived runs its shutdown_script however it ends.
      await this.runShutdownScript();
      this.options.onFatal?.(error);
    })();
    return this.stopping;
  }

  /**
   * Checks a config against the host and derives what the core and the driver run; throws DaemonStartError. The
   * VMACs it wants are set up first (an instance whose VMAC cannot be is FAULT, vmacFailures), then the host is
   * read again with them.
   */
  private prepare(config: VipdConfig): Prepared {
    const first = this.prepareOnce(config);
    const wanted = first.plans.flatMap((p) => (p.vmac ? [p.vmac] : []));
    if (wanted.length === 0 && !this.vmacs) return first;
    this.wantedVmacs = wanted;
    this.vmacFailures = this.ensureVmacs(wanted);
    return this.prepareOnce(config);
  }

  private ensureVmacs(wanted: WantedVmac[]): Map<string, string> {
    if (!this.vmacs) {
      const open = this.adapters.macvlans;
      if (!open) {
        const reason = "this host's adapters cannot create macvlans";
        for (const w of wanted) this.deps.logs("vmac").error(`instance ${w.instance}: ${reason}; FAULT`);
        return new Map(wanted.map((w) => [w.instance, reason]));
      }
      const log = this.deps.logs("vmac");
      const record = baseSettingsFile(this.options.vmacRecordPath ?? namespaceRecordPath("vmac-bases"), log);
      this.vmacs = new VmacManager(open(), this.adapters.addresses, log, record);
    }
    return this.vmacs.ensure(wanted);
  }

  /** Every VMAC removed (stop, giving up, a start that failed half-way). */
  removeVmacs(): void {
    this.vmacs?.removeAll();
    this.vmacs?.close();
    this.vmacs = null;
  }

  private prepareOnce(config: VipdConfig): Prepared {
    const links = this.adapters.addresses.links();
    for (const link of links) this.linkNames.set(link.ifindex, link.name);
    const addresses = [...this.adapters.addresses.addresses(4), ...this.adapters.addresses.addresses(6)];
    const result = prepare(config, { links, addresses }, this.adapters.users);
    if (!result.ok) throw new DaemonStartError(result.problems);
    for (const warning of result.prepared.warnings) this.log.warn(formatConfigError(warning));
    return result.prepared;
  }

  private prepareNoAccept(prepared: Prepared, atStart: boolean): void {
    try {
      this.noAccept.prepare(prepared.plans, atStart);
    } catch (error) {
      throw new DaemonStartError([(error as Error).message]);
    }
  }

  private feedLinkStates(config: VipdConfig): void {
    const { delays, adjusted } = effectiveLinkDelays(config.global.interfaceUpDownDelays, config.instances);
    for (const note of adjusted) this.log.warn(note);
    this.driver.setLinkDelays(delays);
    const links = this.adapters.addresses.links();
    for (const link of links) this.driver.linkStateChanged(link.name, link.up && link.carrier);
    for (const link of links) if (!this.linkUp.has(link.name)) this.linkUp.set(link.name, link.up && link.carrier);
    const present = new Set(links.map((l) => l.name));
    for (const section of config.instances) {
      if (!present.has(section.interface)) this.driver.linkStateChanged(section.interface, false);
      if (section.vmac) this.driver.trackerChanged(trackerName.vmac(section.vmac.name), !this.vmacFailures.has(section.name));
    }
  }
}
