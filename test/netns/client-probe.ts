// A client reaching a VIP, measured: ping every 10 ms from a lab host with each reply and each miss stamped with
// the wall clock (`ping -D -O`), so a test can ask "from when on did every probe get its answer?" relative to a
// moment of its own (Date.now()). A probe counts as missed only when no reply came back before the next one was
// sent; in a namespace lab a reply takes well under a millisecond, so a miss is a loss, not a slow answer.

import type { Lab, LabProcess } from "./harness.ts";

export const PROBE_INTERVAL_MS = 10;

interface Probe {
  /** Wall-clock ms of the reply, or of the moment ping gave up waiting (the next send). */
  t: number;
  answered: boolean;
}

const REPLY = /^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)/;
const MISS = /^\[(\d+\.\d+)\] no answer yet for icmp_seq=(\d+)/;

export class ClientProbe {
  private constructor(
    private readonly ping: LabProcess,
    readonly address: string,
  ) {}

  /** Starts pinging `address` from `host` (at most `maxSeconds`; ping exits by itself after that). */
  static start(lab: Lab, host: string, address: string, maxSeconds = 60): ClientProbe {
    const argv = ["ping", "-n", "-D", "-O", "-i", String(PROBE_INTERVAL_MS / 1000), "-W", "1", "-w", String(maxSeconds), address];
    return new ClientProbe(lab.spawn(host, argv), address);
  }

  /** Every probe so far by sequence number; a late reply turns a miss into an answer. */
  private probes(): Map<number, Probe> {
    const bySeq = new Map<number, Probe>();
    for (const line of this.ping.lines) {
      const reply = REPLY.exec(line);
      if (reply) {
        bySeq.set(Number(reply[2]), { t: Number(reply[1]) * 1000, answered: true });
        continue;
      }
      const miss = MISS.exec(line);
      if (miss && !bySeq.get(Number(miss[2]))?.answered) bySeq.set(Number(miss[2]), { t: Number(miss[1]) * 1000, answered: false });
    }
    return bySeq;
  }

  /**
   * How long after `sinceWallMs` the client reached the VIP for good: the time of the first answered probe after
   * the last miss (or the first answer at all, if nothing was missed since). Null when the last probe since then
   * was a miss, or nothing was answered: the client does not reach the VIP.
   */
  reachedAfter(sinceWallMs: number): number | null {
    const since = [...this.probes().entries()].filter(([, p]) => p.t >= sinceWallMs).sort(([a], [b]) => a - b);
    let firstGood: Probe | null = null;
    for (const [, probe] of since) {
      if (!probe.answered) firstGood = null;
      else firstGood ??= probe;
    }
    return firstGood === null ? null : Math.max(0, firstGood.t - sinceWallMs);
  }

  /** Probes missed since `sinceWallMs` (all of them, not only before the last answer). */
  missedSince(sinceWallMs: number): number {
    return [...this.probes().values()].filter((p) => p.t >= sinceWallMs && !p.answered).length;
  }

  answeredSince(sinceWallMs: number): number {
    return [...this.probes().values()].filter((p) => p.t >= sinceWallMs && p.answered).length;
  }

  /** Waits (bounded) until a probe sent after `sinceWallMs` is answered; for a warm-up before a fault. */
  async waitAnswered(sinceWallMs: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.answeredSince(sinceWallMs) > 0) return;
      await Bun.sleep(PROBE_INTERVAL_MS);
    }
    throw new Error(`the client's pings to ${this.address} got no answer within ${timeoutMs} ms:\n${this.ping.lines.slice(-5).join("\n")}`);
  }

  stop(): Promise<void> {
    return this.ping.stop(1000);
  }
}
