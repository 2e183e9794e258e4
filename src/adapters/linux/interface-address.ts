// The address a VRRP socket sends from when none is configured, by the one rule of ../primary-address.ts.
import { RtnlSocket } from "../../../ffi/netlink.ts";
import type { IpFamily } from "../../vrrp/ip-address.ts";
import { primaryAddress } from "../primary-address.ts";
import { dumpAddresses } from "./rtnl-messages.ts";

export function defaultSourceAddress(ifindex: number, family: IpFamily): Uint8Array | null {
  const sock = RtnlSocket.open();
  try {
    return primaryAddress(family, dumpAddresses(sock, family, ifindex))?.address ?? null;
  } finally {
    sock.close();
  }
}
