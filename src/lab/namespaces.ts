// The lab's network, built from its plan by the shared namespace-lab builder (netns-lab.ts): every host's eth0 is
// a port of one bridge, IPv4 only.

import type { LabProcess } from "./lab-process.ts";
import { NetnsLab } from "./netns-lab.ts";
import type { HostPlan, LabPlan } from "./plan.ts";

export class LabNetwork extends NetnsLab {
  constructor(readonly plan: LabPlan) {
    super({
      dirPrefix: `${plan.prefix}-`,
      bridgeNs: plan.bridgeNs,
      ipv6: "off",
      hosts: [...plan.routers, plan.client].map((h) => ({
        ns: h.ns,
        mac: h.mac,
        port: h.port,
        addresses: [`${h.ipv4}/${plan.prefixLength}`],
      })),
    });
  }

  get hosts(): HostPlan[] {
    return [...this.plan.routers, this.plan.client];
  }

  /** Cuts (or restores) a host's cable at the bridge: the host sees its carrier go, as with a pulled cable. */
  setPort(host: HostPlan, state: "up" | "down"): void {
    this.setLink(this.plan.bridgeNs, host.port, state);
  }

  /** Starts argv in a host's namespace; the process is the lab's to stop. */
  spawn(host: HostPlan, name: string, argv: string[], onLine?: (line: string) => void): LabProcess {
    return this.spawnIn(host.ns, name, argv, { onLine });
  }
}
