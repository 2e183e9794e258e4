// What the client sees: a ping of the VIP every 2 ms, and a capture of the client's link (adverts, ARP, ICMP)
// with kernel timestamps, parsed as it arrives so the lab can wait on what happens.

import { parseTcpdumpLine, type Packet } from "./capture.ts";
import type { LabProcess } from "./lab-process.ts";
import type { LabNetwork } from "./namespaces.ts";

export const PING_INTERVAL_MS = 2;
/** ping's own deadline: it stops by itself even if the lab could not stop it. */
const PING_DEADLINE_S = 600;

export class Capture {
  readonly packets: Packet[] = [];
  private proc: LabProcess | null = null;

  constructor(private readonly net: LabNetwork) {}

  /** Starts tcpdump on the client's eth0 and waits (bounded) until it listens. */
  async start(): Promise<void> {
    // -l line-buffered, --immediate-mode so packets are not held in TPACKET_V3 blocks, -e for the MACs that
    // tell which router answered, -tt and micro precision for epoch timestamps the lab's clock compares with.
    this.proc = this.net.spawn(
      this.net.plan.client,
      "tcpdump",
      [
        "tcpdump",
        "-i",
        "eth0",
        "-n",
        "-l",
        "-e",
        "-tt",
        "--time-stamp-precision=micro",
        "--immediate-mode",
        "-B",
        "8192",
        "vrrp or arp or icmp",
      ],
      (line) => {
        const packet = parseTcpdumpLine(line);
        if (packet) this.packets.push(packet);
      },
    );
    if ((await this.proc.waitLine((l) => l.includes("listening on"), 5000)) === null) {
      throw new Error(`tcpdump did not start listening on the client's link; its output:\n${this.proc.tail()}`);
    }
  }

  /** tcpdump's own count of packets the kernel dropped, when it has exited and said so. */
  get kernelDrops(): number | null {
    const line = this.proc?.lines.find((l) => /packets dropped by kernel/.test(l));
    return line ? Number(line.match(/(\d+) packets dropped by kernel/)?.[1] ?? 0) : null;
  }

  /** The first packet (at index ≥ from) matching pred; null after timeoutMs. */
  async waitFor(pred: (p: Packet) => boolean, timeoutMs: number, from = 0): Promise<Packet | null> {
    const deadline = performance.now() + timeoutMs;
    for (let i = from; ; ) {
      for (; i < this.packets.length; i++) if (pred(this.packets[i]!)) return this.packets[i]!;
      if (performance.now() >= deadline) return null;
      await Bun.sleep(5);
    }
  }

  async stop(): Promise<void> {
    await this.proc?.stop(2000, "SIGINT");
  }
}

export class Pinger {
  private proc: LabProcess | null = null;

  constructor(private readonly net: LabNetwork) {}

  /**
   * ping of the VIP every 2 ms (root may go below the users' floor); -q: the capture does the counting.
   * iputils ping busy-waits (sched_yield) between sends this short: one CPU looks busy, but the daemons, mostly
   * asleep, still get it as soon as they wake (at nice 19 ping itself stalled for 20 ms under load, which showed up
   * as gaps). While a reply is outstanding it sleeps 10 ms instead (MININTERVAL), so -l 5 lets it catch up with the
   * sends it owes: lost pings are counted as for a 2 ms sender, but a reply after an outage is seen up to 10 ms late.
   */
  start(): void {
    const { client, vip } = this.net.plan;
    const argv = ["ping", "-n", "-q", "-i", String(PING_INTERVAL_MS / 1000), "-l", "5", "-w", String(PING_DEADLINE_S), vip];
    this.proc = this.net.spawn(client, "ping", argv);
  }

  get running(): boolean {
    return this.proc !== null && !this.proc.exited;
  }

  get output(): string {
    return this.proc?.tail() ?? "";
  }

  async stop(): Promise<void> {
    await this.proc?.stop(2000, "SIGINT");
  }
}
