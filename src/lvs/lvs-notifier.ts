// keepalived's scripts of the load-balancing side: a real server's notify_up / notify_down when its checks bring it
// up or take it down, a virtual server's quorum_up / quorum_down when the live weight crosses the quorum (and
// quorum_down at start when it starts without). A reload that removes a live real server runs its notify_down; at
// stop, and when a reload removes the whole virtual server, only virtual servers with omega run them.

import type { Command, VirtualServerSection } from "../config/schema.ts";
import type { HealthLookup } from "./desired-table.ts";

export type RunScript = (command: Command, what: string) => void;

interface ServerState {
  alive: boolean;
  notifyDown: Command | null;
  what: string;
}

interface ServiceState {
  quorum: boolean;
  quorumDown: Command | null;
  omega: boolean;
  servers: Map<string, ServerState>;
}

export class LvsNotifier {
  private services = new Map<string, ServiceState>();

  constructor(private readonly run: RunScript) {}

  /** After every reconcile: what changed since the last one runs its script. */
  update(servers: readonly VirtualServerSection[], health: HealthLookup, quorumOf: (vs: string) => boolean | undefined): void {
    const next = new Map<string, ServiceState>();
    for (const vs of servers) {
      const before = this.services.get(vs.name);
      const quorum = quorumOf(vs.name) ?? true;
      const state: ServiceState = { quorum, quorumDown: vs.quorumDown, omega: vs.omega, servers: new Map() };
      vs.realServers.forEach((rs, i) => {
        const key = `${rs.address} ${rs.port ?? 0}`;
        const alive = health(vs.name, i, rs).alive;
        const was = before?.servers.get(key);
        const what = `virtual_servers.${vs.name}.real_servers[${i}]`;
        if (was !== undefined && was.alive !== alive) {
          const script = alive ? rs.notifyUp : rs.notifyDown;
          if (script) this.run(script, `${what}.${alive ? "notify_up" : "notify_down"}`);
        }
        state.servers.set(key, { alive, notifyDown: rs.notifyDown, what });
      });
      // A live real server the reload removed from a virtual server that stays: its notify_down (keepalived too).
      for (const [key, gone] of before?.servers ?? []) {
        if (!state.servers.has(key) && gone.alive && gone.notifyDown) this.run(gone.notifyDown, `${gone.what}.notify_down`);
      }
      // After the real servers' scripts, as keepalived orders them.
      if (before === undefined ? !quorum : before.quorum !== quorum) {
        const script = quorum ? vs.quorumUp : vs.quorumDown;
        if (script) this.run(script, `virtual_servers.${vs.name}.${quorum ? "quorum_up" : "quorum_down"}`);
      }
      next.set(vs.name, state);
    }
    for (const [name, gone] of this.services) if (!next.has(name)) this.shutDown(gone);
    this.services = next;
  }

  /** At stop: the omega virtual servers' live real servers go down, and their quorum. */
  stop(): void {
    for (const state of this.services.values()) this.shutDown(state);
    this.services.clear();
  }

  private shutDown(state: ServiceState): void {
    if (!state.omega) return;
    for (const server of state.servers.values()) {
      if (server.alive && server.notifyDown) this.run(server.notifyDown, `${server.what}.notify_down`);
    }
    if (state.quorum && state.quorumDown) this.run(state.quorumDown, "quorum_down (omega)");
  }
}
