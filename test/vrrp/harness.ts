// Drives a VrrpNode by hand: a fake clock, adverts built from a peer's settings, and the effects collected.

import { encodeAdvert, passwordAuthData, type AdvertFields } from "../../src/vrrp/advert.ts";
import type { Effect } from "../../src/vrrp/effects.ts";
import type { InstanceConfig } from "../../src/vrrp/instance-config.ts";
import { VrrpNode, type SyncGroupConfig } from "../../src/vrrp/node.ts";
import { ip } from "./fixtures.ts";

export interface PeerAdvert {
  src: string;
  priority: number;
  vrid?: number;
  version?: 2 | 3;
  advertIntervalCs?: number;
  vips?: string[];
  password?: string;
  ttl?: number;
  checksumAsV2?: boolean;
  iface?: string;
  /** Destination address; default the multicast group. */
  dst?: string;
}

export class Harness {
  readonly node: VrrpNode;
  now = 0;
  effects: Effect[] = [];

  constructor(
    readonly instances: InstanceConfig[],
    syncGroups: SyncGroupConfig[] = [],
    startupDelayMs = 0,
  ) {
    this.node = new VrrpNode({ instances, syncGroups, startupDelayMs });
  }

  router(name = "VI_1") {
    const router = this.node.router(name);
    if (!router) throw new Error(`no router ${name}`);
    return router;
  }

  state(name = "VI_1") {
    return this.router(name).state;
  }

  startup(): Effect[] {
    return this.run(() => this.node.handle({ type: "Startup" }, this.now, this.effects));
  }

  shutdown(handover = false): Effect[] {
    return this.run(() => this.node.handle({ type: "Shutdown", handover }, this.now, this.effects));
  }

  tracker(name: string, up: boolean, value = 0): Effect[] {
    return this.run(() => this.node.handle({ type: "TrackerChanged", tracker: name, up, value }, this.now, this.effects));
  }

  /** Advances the clock to `ms`, firing every deadline on the way, and returns the effects. */
  advanceTo(ms: number): Effect[] {
    const collected: Effect[] = [];
    for (let guard = 0; guard < 100_000; guard++) {
      const next = this.node.nextDeadline();
      if (next > ms) break;
      this.now = Math.max(this.now, next);
      collected.push(...this.run(() => this.node.handle({ type: "TimerFired" }, this.now, this.effects)));
    }
    this.now = ms;
    return collected;
  }

  advanceBy(ms: number): Effect[] {
    return this.advanceTo(this.now + ms);
  }

  /** Delivers an advert built from a peer's settings (defaults: the first instance's). */
  receive(peer: PeerAdvert): Effect[] {
    const own = this.instances[0]!;
    const family = own.family;
    const fields: AdvertFields = {
      version: peer.version ?? own.version,
      vrid: peer.vrid ?? own.vrid,
      priority: peer.priority,
      advertIntervalCs: peer.advertIntervalCs ?? own.advertIntervalCs,
      addresses: peer.vips ? peer.vips.map(ip) : own.advertAddresses,
      authType: peer.password !== undefined ? 1 : 0,
      authData: passwordAuthData(peer.password ?? ""),
    };
    const src = ip(peer.src);
    const dst = ip(peer.dst ?? (family === 4 ? "224.0.0.18" : "ff02::12"));
    const packet = new Uint8Array(1500);
    const length = encodeAdvert(packet, fields, family, src, dst, peer.checksumAsV2 ? "as-v2" : "pseudo-header");
    return this.run(() =>
      this.node.handle(
        {
          type: "AdvertReceived",
          interface: peer.iface ?? own.interface,
          family,
          packet,
          offset: 0,
          length,
          src,
          dst,
          ttl: peer.ttl ?? 255,
        },
        this.now,
        this.effects,
      ),
    );
  }

  /** Runs one call into the node and returns the effects it produced. */
  run(action: () => void): Effect[] {
    this.effects = [];
    action();
    // Effects reuse objects between steps; copy them so a test can keep them.
    return this.effects.map((effect) => ({ ...effect }));
  }
}

export function types(effects: Effect[]): string[] {
  return effects.map((e) =>
    e.type === "Notify" ? `Notify:${e.name}:${e.to}` : e.type === "SendAdvert" ? `SendAdvert:${e.priority}` : e.type,
  );
}
