// Runs jobs one after another per key. keepalived starts notify scripts without waiting, so a slow MASTER script
// can still be running when the BACKUP one starts and finish after it; vipd keeps each instance's notifications
// in order. Different keys (instances, groups) run independently.

export class SerialQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly depth = new Map<string, number>();

  constructor(private readonly maxDepth = 64) {}

  /** Queues `job` after the earlier jobs of `key`; returns false (and drops it) when the key's queue is full. */
  enqueue(key: string, job: () => Promise<void>): boolean {
    const depth = this.depth.get(key) ?? 0;
    if (depth >= this.maxDepth) return false;
    this.depth.set(key, depth + 1);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous
      .then(job)
      .catch(() => undefined) // a job reports its own failures; the queue must go on
      .finally(() => {
        const left = (this.depth.get(key) ?? 1) - 1;
        if (left === 0) {
          this.depth.delete(key);
          if (this.tails.get(key) === next) this.tails.delete(key);
        } else this.depth.set(key, left);
      });
    this.tails.set(key, next);
    return true;
  }

  /** Resolves when every queued job has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
