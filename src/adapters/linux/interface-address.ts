// The address a VRRP socket sends from when none is configured: the interface's primary IPv4 address (the first
// the kernel lists; secondaries follow it), or its IPv6 link-local address (RFC 5798 §5.1.2.1).
import { RT_SCOPE_LINK } from "../../../ffi/constants.ts";
import { RtnlSocket } from "../../../ffi/netlink.ts";
import type { IpFamily } from "../../vrrp/ip-address.ts";
import { dumpAddresses } from "./rtnl-messages.ts";

export function defaultSourceAddress(ifindex: number, family: IpFamily): Uint8Array | null {
  const sock = RtnlSocket.open();
  try {
    if (family === 4) return dumpAddresses(sock, 4, ifindex)[0]?.address ?? null;
    const linkLocal = dumpAddresses(sock, 6, ifindex).find(
      (a) => a.scope === RT_SCOPE_LINK && a.address[0] === 0xfe && ((a.address[1] ?? 0) & 0xc0) === 0x80,
    );
    return linkLocal?.address ?? null;
  } finally {
    sock.close();
  }
}
