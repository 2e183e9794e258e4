// PING_CHECK: one ICMP (or ICMPv6) echo request; up when its reply comes within connect_timeout.

import type { IcmpEcho } from "../../adapters/icmp-echo.ts";
import { parseIp } from "../../vrrp/ip-address.ts";
import type { PingCheck } from "../check-definition.ts";
import { failed, passed, type ProbeResult } from "./probe-result.ts";

export async function pingProbe(check: PingCheck, echo: IcmpEcho): Promise<ProbeResult> {
  const address = parseIp(check.connect.address);
  if (address === null) return failed(`not an address: ${check.connect.address}`);
  const result = await echo.echo(address, check.connect.family, check.connect.timeoutMs);
  return result.ok ? passed(result.reason) : failed(result.reason);
}
