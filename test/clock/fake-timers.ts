// A fake clock for the daemon's Timers: time moves only when a test advances it, and callbacks run in time order.

import type { Timers } from "../../src/clock/timers.ts";

export class FakeTimers implements Timers {
  private time = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; seq: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.time + Math.max(0, ms), seq: id, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Runs every callback due up to now + ms, in time order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: { id: number; at: number; seq: number } | null = null;
      for (const [id, t] of this.pending)
        if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = { id, at: t.at, seq: t.seq };
      if (!next) break;
      const entry = this.pending.get(next.id)!;
      this.pending.delete(next.id);
      this.time = Math.max(this.time, entry.at);
      entry.callback();
    }
    this.time = until;
  }
}
