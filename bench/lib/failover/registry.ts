// Everything the benchmark creates, so that it can all be removed: on success, on error, on Ctrl-C/SIGTERM and at
// exit. Namespaces carry a per-run prefix; processes are stopped by the identities (PID and start time) of those
// this run started, never by name.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LabProcess } from "../../../src/lab/lab-process.ts";
import { LabNetwork } from "../../../src/lab/namespaces.ts";
import { namespacesWithPrefix } from "../../../src/lab/netns-lab.ts";
import type { HostPlan, LabPlan } from "../../../src/lab/plan.ts";
import { isRunning, type ProcessIdentity, signalProcess } from "../../../src/lab/process-identity.ts";

/** The lab's network, noting every PID it starts so the end of the run can prove none survived. */
class TrackedNetwork extends LabNetwork {
  constructor(
    plan: LabPlan,
    private readonly started: Set<ProcessIdentity>,
  ) {
    super(plan);
  }

  override spawn(host: HostPlan, name: string, argv: string[], onLine?: (line: string) => void): LabProcess {
    const p = super.spawn(host, name, argv, onLine);
    if (p.identity) this.started.add(p.identity);
    return p;
  }
}

export class BenchRegistry {
  /** Every namespace of this run starts with it. */
  readonly prefix = `vipdbench-${process.pid}`;
  /** A private directory (the vipd binary under test lives here). */
  readonly dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
  private readonly labs = new Set<LabNetwork>();
  /** Processes started indirectly (keepalived's VRRP child), killed at the end if still running. */
  private readonly extras = new Set<ProcessIdentity>();
  /** Every process this run started (daemons, ping, tcpdump), for the leftover check. */
  private readonly started = new Set<ProcessIdentity>();
  private labCount = 0;
  private interrupted: NodeJS.Signals | null = null;

  /** A lab prefix unique within the run. */
  nextPrefix(): string {
    return `${this.prefix}-${++this.labCount}`;
  }

  get stopping(): boolean {
    return this.interrupted !== null;
  }

  newLab(plan: LabPlan): LabNetwork {
    if (this.interrupted) throw new Error("interrupted");
    const net = new TrackedNetwork(plan, this.started);
    this.labs.add(net);
    return net;
  }

  /** A process this run started indirectly: stopped at the end if it still runs, and counted as a leftover. */
  track(id: ProcessIdentity): void {
    this.extras.add(id);
    this.started.add(id);
  }

  /** Stops a lab's processes (TERM, then KILL) and removes its namespaces. */
  async destroy(net: LabNetwork): Promise<void> {
    this.labs.delete(net);
    await net.destroy();
    this.killExtras();
  }

  private killExtras(): void {
    for (const id of this.extras) signalProcess(id, "SIGKILL");
    this.extras.clear();
  }

  /** No waiting possible (exit hook, second Ctrl-C): SIGKILL by PID, delete namespaces and files. */
  destroyAllSync(): void {
    for (const net of this.labs) net.destroySync();
    this.labs.clear();
    this.killExtras();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Installs the Ctrl-C / SIGTERM / exit handlers. */
  install(say: (text: string) => void): void {
    const onSignal = (signal: NodeJS.Signals) => {
      const code = signal === "SIGINT" ? 130 : 143;
      if (this.interrupted) {
        this.destroyAllSync();
        process.exit(code);
      }
      this.interrupted = signal;
      say(`\n${signal}: stopping the benchmark's processes and removing its namespaces...`);
      void Promise.all([...this.labs].map((l) => this.destroy(l))).finally(() => {
        this.destroyAllSync();
        say(`removed; left over: ${this.leftovers().join(", ") || "nothing"}`);
        process.exit(code);
      });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    process.on("exit", () => this.destroyAllSync());
  }

  /** What of this run still exists: its namespaces, and processes it started that are still alive. */
  leftovers(): string[] {
    let namespaces: string[] = [];
    try {
      namespaces = namespacesWithPrefix(this.prefix);
    } catch {
      // `ip netns list` failing says nothing about what is left.
    }
    return [...namespaces.map((n) => `namespace ${n}`), ...[...this.started].filter(isRunning).map((id) => `pid ${id.pid}`)];
  }
}
