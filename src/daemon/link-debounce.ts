// keepalived's interface_up_down_delays: an interface going down (or up) counts only once it has stayed so for
// its delay; a flap shorter than that changes nothing. As keepalived does, an interface never seen up yet takes
// its first state at once, and a change back to the state already applied cancels the pending one.

import type { Timers } from "../clock/timers.ts";
import type { LinkDelay } from "../config/schema.ts";

/** Milliseconds; 0 applies that direction at once. */
export type UpDownDelay = LinkDelay;

interface LinkState {
  /** What the core was last told; null before the first report. */
  applied: boolean | null;
  seenUp: boolean;
  pending: { up: boolean; timer: unknown } | null;
}

export class LinkDebounce {
  private delays: ReadonlyMap<string, UpDownDelay> = new Map();
  private readonly links = new Map<string, LinkState>();

  constructor(
    private readonly timers: Timers,
    private readonly apply: (ifname: string, up: boolean) => void,
    private readonly note: (message: string) => void,
  ) {}

  /** At start and on every reload; a pending change keeps the delay it started with. */
  setDelays(delays: ReadonlyMap<string, UpDownDelay>): void {
    this.delays = delays;
  }

  /** The link's state as the kernel reports it now. */
  report(ifname: string, up: boolean): void {
    let link = this.links.get(ifname);
    if (!link) {
      link = { applied: null, seenUp: false, pending: null };
      this.links.set(ifname, link);
    }
    if (link.pending) {
      if (link.pending.up === up) return;
      this.cancel(link);
      this.note(`${ifname}: ${up ? "up" : "down"} again within its delay (interface_up_down_delays): the pending change is cancelled`);
    }
    if (link.applied === up) return;
    const delay = this.delays.get(ifname);
    const waitMs = delay ? (up ? delay.upMs : delay.downMs) : 0;
    if (link.seenUp && link.applied !== null && waitMs > 0) {
      const state = link;
      const timer = this.timers.setTimeout(() => {
        state.pending = null;
        this.commit(ifname, state, up);
      }, waitMs);
      link.pending = { up, timer };
      this.note(
        `${ifname}: ${up ? "up" : "down"}, taken into account in ${waitMs / 1000} s unless it changes back (interface_up_down_delays)`,
      );
      return;
    }
    this.commit(ifname, link, up);
  }

  /** The interface is gone: no delay, and nothing pending survives it. */
  removed(ifname: string): void {
    const link = this.links.get(ifname);
    if (link) this.cancel(link);
    this.links.delete(ifname);
    this.apply(ifname, false);
  }

  close(): void {
    for (const link of this.links.values()) this.cancel(link);
  }

  private commit(ifname: string, link: LinkState, up: boolean): void {
    link.applied = up;
    if (up) link.seenUp = true;
    this.apply(ifname, up);
  }

  private cancel(link: LinkState): void {
    if (!link.pending) return;
    this.timers.clearTimeout(link.pending.timer);
    link.pending = null;
  }
}
