// The checks waiting for their next run, earliest first (a binary min-heap; equal times keep their order of
// arrival). An item is in the queue at most once: the runner queues a check only after its run has ended.

export interface Due {
  /** When it is due, on the Timers clock. Set by the queue. */
  dueMs: number;
  /** Arrival order among items due at the same time. Set by the queue. */
  order: number;
}

export class DueQueue<T extends Due> {
  private readonly heap: T[] = [];
  private arrivals = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The earliest due time, or null when empty. */
  get nextDueMs(): number | null {
    return this.heap.length === 0 ? null : this.heap[0]!.dueMs;
  }

  push(item: T, dueMs: number): void {
    item.dueMs = dueMs;
    item.order = this.arrivals++;
    this.heap.push(item);
    this.siftUp(this.heap.length - 1);
  }

  /** The earliest item if it is due at nowMs, removed from the queue; else null. */
  popDue(nowMs: number): T | null {
    const heap = this.heap;
    if (heap.length === 0 || heap[0]!.dueMs > nowMs) return null;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }

  private before(a: T, b: T): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(item, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    const n = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      if (child + 1 < n && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, item)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = item;
  }
}
