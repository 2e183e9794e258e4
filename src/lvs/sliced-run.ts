// Work over a long list a slice at a time, one slice per timer turn, so that whatever else shares the event loop
// (VRRP adverts) runs between slices. Cancelled at any point; a slice counts items, never time, so its cost is
// bounded by what it does, whatever the machine's load.

import type { Timers } from "../clock/timers.ts";

export class SlicedRun<T> {
  private timer: unknown = null;
  private next = 0;
  private cancelled = false;

  constructor(
    private readonly timers: Timers,
    private readonly items: readonly T[],
    private readonly sliceSize: number,
    private readonly runSlice: (slice: readonly T[]) => void,
    private readonly done: () => void,
  ) {
    if (!Number.isInteger(sliceSize) || sliceSize < 1) throw new RangeError(`slice size ${sliceSize}: a positive whole number`);
  }

  /** The first slice runs on the next timer turn, not now: the caller finishes its own work first. */
  start(): void {
    this.schedule();
  }

  cancel(): void {
    this.cancelled = true;
    if (this.timer === null) return;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(() => this.turn(), 0);
  }

  private turn(): void {
    this.timer = null;
    const slice = this.items.slice(this.next, this.next + this.sliceSize);
    this.next += slice.length;
    this.runSlice(slice);
    // The slice may have cancelled the run (a stop from a callback it made): then nothing more, not even done.
    if (this.cancelled) return;
    if (this.next < this.items.length) this.schedule();
    else this.done();
  }
}
