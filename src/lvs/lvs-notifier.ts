// keepalived's scripts of the load-balancing side: a real server's notify_up / notify_down when its checks bring it
// up or take it down, a virtual server's quorum_up / quorum_down when the live weight crosses the quorum (and
// quorum_down at start when it starts without). A reload that removes a live real server runs its notify_down; at
// stop, and when a reload removes the whole virtual server, only virtual servers with omega run them. The same
// events are mailed as keepalived mails them: a virtual server's quorum (its smtp_alert), a live real server
// removed or shut down (the real server's smtp_alert); a check's own mails are the load balancer's.

import type { Command, RealServerConfig, VirtualServerSection } from "../config/schema.ts";
import type { HealthLookup } from "./desired-table.ts";

export type RunScript = (command: Command, what: string) => void;

/** A mail to send: the virtual server's quorum moved (`body` in keepalived's words), or a live real server left. */
export type LvsMail =
  | { kind: "quorum"; vs: VirtualServerSection; up: boolean; body: string }
  | { kind: "removed"; vs: VirtualServerSection; rs: RealServerConfig; stopping: boolean };

interface ServerState {
  alive: boolean;
  notifyDown: Command | null;
  what: string;
  config: RealServerConfig;
}

interface ServiceState {
  quorum: boolean;
  quorumDown: Command | null;
  omega: boolean;
  servers: Map<string, ServerState>;
  /** Each real server's life, in the config's order. */
  alive: boolean[];
  config: VirtualServerSection;
}

export class LvsNotifier {
  private services = new Map<string, ServiceState>();

  constructor(
    private readonly run: RunScript,
    private readonly mail: (mail: LvsMail) => void = () => {},
  ) {}

  /** After every reconcile: what changed since the last one runs its script. */
  update(servers: readonly VirtualServerSection[], health: HealthLookup, quorumOf: (vs: string) => boolean | undefined): void {
    const next = new Map<string, ServiceState>();
    for (const vs of servers) {
      const before = this.services.get(vs.name);
      const quorum = quorumOf(vs.name) ?? true;
      const alive = vs.realServers.map((rs, i) => health(vs.name, i, rs).alive);
      // The same section (a reload reused it) with the same lives and quorum: nothing to run, nothing to rebuild.
      if (before?.config === vs && before.quorum === quorum && before.alive.every((a, i) => a === alive[i])) {
        next.set(vs.name, before);
        continue;
      }
      const state: ServiceState = { quorum, quorumDown: vs.quorumDown, omega: vs.omega, servers: new Map(), alive, config: vs };
      vs.realServers.forEach((rs, i) => {
        const key = `${rs.address} ${rs.port ?? 0}`;
        const alive = state.alive[i]!;
        const was = before?.servers.get(key);
        const what = `virtual_servers.${vs.name}.real_servers[${i}]`;
        if (was !== undefined && was.alive !== alive) {
          const script = alive ? rs.notifyUp : rs.notifyDown;
          if (script) this.run(script, `${what}.${alive ? "notify_up" : "notify_down"}`);
        }
        state.servers.set(key, { alive, notifyDown: rs.notifyDown, what, config: rs });
      });
      // A live real server the reload removed from a virtual server that stays: its notify_down (keepalived too).
      for (const [key, gone] of before?.servers ?? []) {
        if (state.servers.has(key) || !gone.alive) continue;
        if (gone.notifyDown) this.run(gone.notifyDown, `${gone.what}.notify_down`);
        if (gone.config.smtpAlert) this.mail({ kind: "removed", vs, rs: gone.config, stopping: false });
      }
      // After the real servers' scripts, as keepalived orders them.
      if (before === undefined ? !quorum : before.quorum !== quorum) {
        const script = quorum ? vs.quorumUp : vs.quorumDown;
        if (script) this.run(script, `virtual_servers.${vs.name}.${quorum ? "quorum_up" : "quorum_down"}`);
        if (vs.smtpAlert) this.mail({ kind: "quorum", vs, up: quorum, body: quorumBody(vs, health, quorum, before === undefined) });
      }
      next.set(vs.name, state);
    }
    for (const [name, gone] of this.services) if (!next.has(name)) this.shutDown(gone, false);
    this.services = next;
  }

  /** At stop: the omega virtual servers' live real servers go down, and their quorum. */
  stop(): void {
    for (const state of this.services.values()) this.shutDown(state, true);
    this.services.clear();
  }

  /** `stopping`: vipd stops (keepalived's "Shutting down"), else a reload removed the virtual server ("Removing"). */
  private shutDown(state: ServiceState, stopping: boolean): void {
    if (!state.omega) return;
    for (const server of state.servers.values()) {
      if (!server.alive) continue;
      if (server.notifyDown) this.run(server.notifyDown, `${server.what}.notify_down`);
      if (server.config.smtpAlert) this.mail({ kind: "removed", vs: state.config, rs: server.config, stopping });
    }
    if (!state.quorum) return;
    if (state.quorumDown) this.run(state.quorumDown, "quorum_down (omega)");
    if (!state.config.smtpAlert) return;
    const { quorum, hysteresis } = state.config;
    // Removed by a reload, its real servers are gone: the quorum is lost at weight 0.
    const body = stopping ? "=> Shutting down <=" : `=> Lost quorum ${quorum}+${hysteresis}=${quorum - hysteresis} <= 0 <=`;
    this.mail({ kind: "quorum", vs: state.config, up: false, body });
  }
}

/**
 * keepalived's quorum mail body, `=> Gained quorum 2+1=3 <= 4 <=`: the quorum, the hysteresis, the threshold just
 * crossed (quorum + hysteresis going up, quorum − hysteresis going down) and the live real servers' weight.
 */
function quorumBody(vs: VirtualServerSection, health: HealthLookup, up: boolean, start: boolean): string {
  let weight = 0;
  vs.realServers.forEach((rs, i) => {
    const h = health(vs.name, i, rs);
    if (h.alive) weight += h.weight;
  });
  // A start with quorum is no event (nothing is run or mailed); a start without one is.
  const what = up ? "Gained quorum" : start ? "Starting with quorum down" : "Lost quorum";
  const threshold = up || start ? vs.quorum + vs.hysteresis : vs.quorum - vs.hysteresis;
  return `=> ${what} ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${weight} <=`;
}
