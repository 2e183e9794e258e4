// The port PING_CHECK uses: one ICMP / ICMPv6 echo request to an address, answered or not within a deadline.

import type { IpFamily } from "../vrrp/ip-address.ts";

export interface EchoResult {
  ok: boolean;
  /** "echo reply", "no echo reply within N ms", or the kernel's refusal (errno name). */
  reason: string;
}

export interface IcmpEcho {
  echo(address: Uint8Array, family: IpFamily, timeoutMs: number): Promise<EchoResult>;
  close(): void;
}
