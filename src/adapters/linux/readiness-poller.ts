// One epoll descriptor and one tick for every checker socket in flight, instead of an event-emitting socket, a
// promise and a timer each. Bun's event loop cannot wait on a descriptor of ours without reading it, so the poller
// ticks every TICK_MS while anything is watched (and not at all when nothing is): each tick reads the clock once,
// collects what epoll found ready (what is ready costs, not what is watched) and expires what is overdue. A check
// ends up to TICK_MS after its connection or reply did (a deadline as late). TICK_MS is the checks' start grid
// (START_GRID_MS, start-pacer.ts), so a tick and a slot's starts come in one wakeup: at 500 TCP checks a second on
// this host, 2 ms ticks with each start at its own time cost ≈ 15 % of a core per 1,000 checks/s, this ≈ 8 %.

import { EPOLL_CTL_ADD, epollControl, epollCreate, epollEvent, epollWait, stableBuffer } from "../../../ffi/index.ts";
import { turnClock } from "../../clock/turn-clock.ts";
import { DeadlineQueues } from "./deadline-queues.ts";

const TICK_MS = 20;
/** Events collected per epoll_wait; more ready ones wait for the next call (edge-triggered ones stay queued). */
const MAX_EVENTS = 256;
/** epoll_wait calls per tick at most, so a flood of ready sockets cannot hold the loop. */
const MAX_WAITS_PER_TICK = 8;

/** A descriptor being watched, with the deadline of the operation on it. */
export interface Watched {
  readonly fd: number;
  /** performance.now() time (turn-clock.ts reads it) after which the operation has failed. */
  readonly deadlineMs: number;
  /** epoll reported `events` (EPOLLIN, EPOLLOUT, EPOLLERR...) on the descriptor. */
  ready(events: number): void;
  /** The deadline passed while the descriptor was still watched. */
  expired(): void;
}

export class ReadinessPoller {
  private readonly epfd = epollCreate();
  private readonly events = stableBuffer(epollEvent.SIZE * MAX_EVENTS);
  private readonly byFd: (Watched | undefined)[] = [];
  private readonly deadlines = new DeadlineQueues<Watched>();
  /** Watched ones that stopped early in a tick (a bounded read) and go on in the next one. */
  private again: Watched[] = [];
  private spare: Watched[] = [];
  private watching = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly isWatched = (w: Watched) => this.byFd[w.fd] === w;
  private readonly expireOne = (w: Watched) => w.expired();

  /** Watches `w.fd` for `events` (epoll flags) until forget(); its deadline is `timeoutMs` after its start. */
  watch(w: Watched, events: number, timeoutMs: number): void {
    epollControl(this.epfd, EPOLL_CTL_ADD, w.fd, events);
    this.byFd[w.fd] = w;
    this.deadlines.add(w, timeoutMs);
    if (this.watching++ === 0) this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops watching; call before closing the descriptor (its close takes it out of epoll). */
  forget(w: Watched): void {
    if (this.byFd[w.fd] !== w) return;
    this.byFd[w.fd] = undefined;
    if (--this.watching === 0) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** Calls `w.ready(0)` in the next tick (it has more to do than one turn allows). */
  resumeSoon(w: Watched): void {
    this.again.push(w);
  }

  get size(): number {
    return this.watching;
  }

  private tick(): void {
    // The exchanges that end in this tick are stamped with its time (src/clock/turn-clock.ts).
    turnClock.refresh();
    if (this.again.length > 0) {
      const resumed = this.again;
      this.again = this.spare;
      for (let i = 0; i < resumed.length; i++) {
        const w = resumed[i]!;
        if (this.byFd[w.fd] === w) w.ready(0);
      }
      resumed.length = 0;
      this.spare = resumed;
    }
    for (let round = 0; round < MAX_WAITS_PER_TICK; round++) {
      const n = epollWait(this.epfd, this.events, 0);
      for (let i = 0; i < n; i++) {
        const at = i * epollEvent.SIZE;
        const w = this.byFd[epollEvent.getData(this.events, at)];
        if (w !== undefined) w.ready(epollEvent.getEvents(this.events, at));
      }
      if (n < MAX_EVENTS) break;
    }
    this.deadlines.expire(turnClock.refresh(), this.isWatched, this.expireOne);
  }
}
