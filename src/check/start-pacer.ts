// Starts the checks that are due, a bounded batch per turn of the event loop, from one timer for all of them.
//
// Why: with one timer per check, every check due by the time the loop looked at its timers ran in that one turn.
// A run's next one is due delay_loop after it ends, and runs that end in the same turn are due together again,
// so the starts bunch up more with every cycle: with 10,000 TCP checks on loopback (connect does the handshake
// inside the syscall) single turns took 0.2–0.9 s, starting thousands of connections, while the heartbeat timer
// waited behind them and the supervisor killed a checker that was busy, not stuck (issue #17). Here a turn starts
// at most MAX_STARTS_PER_TURN checks and stops early once TURN_BUDGET_MS has passed; the rest wait for the next
// turn (a 0 ms timer, so I/O and the other timers, the heartbeat among them, get their turn in between). A check
// therefore starts when it is due unless the process cannot keep up, and then it starts late, in due order.
// A start still ahead waits for the end of its START_GRID_MS slot, so the checks due within one slot share one
// wakeup (and their connections one tick of src/adapters/linux/readiness-poller.ts, whose tick is as long).

import type { Timers } from "../clock/timers.ts";
import type { TurnTimers } from "../clock/turn-clock.ts";
import { type Due, DueQueue } from "./due-queue.ts";

export const MAX_STARTS_PER_TURN = 200;
export const TURN_BUDGET_MS = 10;
export const START_GRID_MS = 20;
/** Over turn-clock timers, the budget reads the real time every this many starts (a read can cost, turn-clock.ts). */
const FRESH_READ_EVERY = 8;

export class StartPacer<T extends Due> {
  private readonly queue = new DueQueue<T>();
  private timer: unknown = null;
  /** When the one timer rings; null while none is armed. */
  private armedForMs: number | null = null;

  /** The real time, where `timers` is a turn clock's; else its now(), which is always real. */
  private readonly freshNow: () => number;

  constructor(
    private readonly timers: Timers | TurnTimers,
    private readonly start: (item: T) => void,
    private readonly maxPerTurn = MAX_STARTS_PER_TURN,
    private readonly turnBudgetMs = TURN_BUDGET_MS,
    /** 0: each start at its own time. */
    private readonly gridMs = 0,
  ) {
    this.freshNow = "refresh" in timers ? () => timers.refresh() : () => timers.now();
  }

  /** Starts the item inMs from now (or as soon after as the pacing allows). */
  after(item: T, inMs: number): void {
    const dueMs = this.timers.now() + inMs;
    this.queue.push(item, dueMs);
    if (this.armedForMs === null || dueMs < this.armedForMs) this.arm(dueMs);
  }

  get waiting(): number {
    return this.queue.size;
  }

  clear(): void {
    this.queue.clear();
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.armedForMs = null;
  }

  private arm(dueMs: number): void {
    const now = this.timers.now();
    // One already due goes at once: rounding it up would cap the starts a second at a batch per slot.
    const at = this.gridMs > 0 && dueMs > now ? Math.ceil(dueMs / this.gridMs) * this.gridMs : dueMs;
    if (this.armedForMs === at) return;
    this.timers.clearTimeout(this.timer);
    this.armedForMs = at;
    this.timer = this.timers.setTimeout(() => this.turn(), Math.max(0, at - now));
  }

  private turn(): void {
    this.timer = null;
    this.armedForMs = null;
    const began = this.freshNow();
    let now = began;
    for (let started = 0; started < this.maxPerTurn && now - began < this.turnBudgetMs; started++) {
      const item = this.queue.popDue(now);
      if (item === null) break;
      this.start(item);
      now = (started + 1) % FRESH_READ_EVERY === 0 ? this.freshNow() : this.timers.now();
    }
    const next = this.queue.nextDueMs;
    // Still due: go on in the next turn (arm() makes a 0 ms timer for a time already past). A start may have queued
    // a later item meanwhile (a probe that fails at once) and armed the timer for it.
    if (next !== null && (this.armedForMs === null || next < this.armedForMs)) this.arm(next);
  }
}
