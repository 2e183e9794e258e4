// Deadlines of many operations without a timer each: one first-in-first-out queue per timeout length. Operations
// with the same timeout that start in order expire in that order, so each queue is sorted by construction and
// expiring is a look at each queue's head. A finished operation stays queued until its deadline comes up and is
// then skipped (the caller's `stillPending` says so), which costs nothing per finish.

export interface HasDeadline {
  /** Absolute, in the clock the caller passes to expire(). */
  readonly deadlineMs: number;
}

class Fifo<T> {
  items: T[] = [];
  head = 0;
}

/** Dropped from a queue's front at once when it has consumed this many (and half of its array). */
const COMPACT_AT = 1024;

export class DeadlineQueues<T extends HasDeadline> {
  private readonly byTimeout = new Map<number, Fifo<T>>();
  private readonly queues: Fifo<T>[] = [];

  /** Queues `item`, whose deadline is its start + `timeoutMs` (starts must come in time order). */
  add(item: T, timeoutMs: number): void {
    let queue = this.byTimeout.get(timeoutMs);
    if (queue === undefined) {
      queue = new Fifo<T>();
      this.byTimeout.set(timeoutMs, queue);
      this.queues.push(queue);
    }
    queue.items.push(item);
  }

  /** Calls `onExpired` for every queued item whose deadline is ≤ nowMs and that `stillPending` keeps. */
  expire(nowMs: number, stillPending: (item: T) => boolean, onExpired: (item: T) => void): void {
    for (let q = 0; q < this.queues.length; q++) {
      const queue = this.queues[q]!;
      const items = queue.items;
      while (queue.head < items.length && items[queue.head]!.deadlineMs <= nowMs) {
        const item = items[queue.head]!;
        queue.head++;
        if (stillPending(item)) onExpired(item);
      }
      if (queue.head === items.length) {
        items.length = 0;
        queue.head = 0;
      } else if (queue.head >= COMPACT_AT && queue.head * 2 >= items.length) {
        items.splice(0, queue.head);
        queue.head = 0;
      }
    }
  }

  /** How many items are queued, finished ones included (for tests). */
  get queued(): number {
    let n = 0;
    for (const queue of this.queues) n += queue.items.length - queue.head;
    return n;
  }
}
