// A two-router pair and a client on one bridge, in the benchmark's namespaces, from the lab's own plan and
// network code: r1 (priority 150) is the preferred master, r2 (140) its backup; both run the same daemon.

import type { LabNetwork } from "../../../src/lab/namespaces.ts";
import { makePlan, type LabPlan, type PeerKind, type RouterPlan } from "../../../src/lab/plan.ts";
import { Capture, Pinger } from "../../../src/lab/probe.ts";
import type { LabContext } from "../../../src/lab/scenarios.ts";
import type { VrrpVersion } from "../../../src/vrrp/advert.ts";
import type { BenchInstance } from "./configs.ts";
import { BenchDaemon } from "./daemon.ts";
import type { BenchRegistry } from "./registry.ts";

export interface PairOptions {
  daemon: PeerKind;
  version: VrrpVersion;
  advertIntervalCs: number;
  /** The instances, from the plan (its VIP and VRID) when omitted. */
  instances?(plan: LabPlan): BenchInstance[];
  /** Capture and pinger on the client: needed to see outages, not to count CPU. */
  probe: boolean;
  /** See RouterConfig.trackFlag. */
  trackFlag?: string;
}

export class BenchPair {
  readonly plan: LabPlan;
  readonly net: LabNetwork;
  readonly r1: RouterPlan;
  readonly r2: RouterPlan;
  readonly d1: BenchDaemon;
  readonly d2: BenchDaemon;
  readonly capture: Capture;
  readonly pinger: Pinger;
  readonly instances: BenchInstance[];

  constructor(
    private readonly registry: BenchRegistry,
    vipdBinary: string,
    readonly options: PairOptions,
  ) {
    const base = makePlan({ routers: 2, version: options.version, peer: options.daemon }, registry.nextPrefix());
    this.plan = {
      ...base,
      advertIntervalCs: options.advertIntervalCs,
      routers: base.routers.map((r) => ({ ...r, daemon: options.daemon })),
    };
    [this.r1, this.r2] = this.plan.routers as [RouterPlan, RouterPlan];
    this.instances = options.instances?.(this.plan) ?? [
      { name: "VI_1", vrid: this.plan.vrid, vip: `${this.plan.vip}/${this.plan.prefixLength}` },
    ];
    this.net = registry.newLab(this.plan);
    const daemon = (r: RouterPlan) =>
      new BenchDaemon(
        options.daemon,
        r,
        {
          routerName: r.name,
          priority: r.priority,
          version: options.version,
          advertIntervalCs: options.advertIntervalCs,
          instances: this.instances,
          trackFlag: options.trackFlag,
        },
        this.net,
        registry,
        vipdBinary,
      );
    this.d1 = daemon(this.r1);
    this.d2 = daemon(this.r2);
    this.capture = new Capture(this.net);
    this.pinger = new Pinger(this.net);
  }

  /** Builds the network and starts the capture (when probing); the daemons are started by the caller. */
  async build(): Promise<void> {
    this.net.build();
    if (this.options.probe) await this.capture.start();
  }

  /** The lab's scenario helpers want a LabContext; they read only its plan and capture. */
  get ctx(): LabContext {
    return {
      plan: this.plan,
      net: this.net,
      capture: this.capture,
      pinger: this.pinger,
      daemons: [],
      style: { colour: false },
      print: () => {},
    };
  }

  async destroy(): Promise<void> {
    await this.pinger.stop();
    await this.capture.stop();
    await Promise.all([this.d1.stop(3000), this.d2.stop(3000)]);
    await this.registry.destroy(this.net);
  }
}
