// Gratuitous ARP and unsolicited NA through one send-only AF_PACKET socket (protocol 0: it never receives).
// Frames are built whole (neighbour-frames.ts), so they match keepalived's and work even while an IPv6 VIP is
// still tentative, which a raw ICMPv6 socket could not send from.
import { readFileSync } from "node:fs";
import * as C from "../../../ffi/constants.ts";
import { closeFd, ERRNO, ioctlIfHwaddr, ioctlIfIndex, openSocket, sendTo, stableBuffer, SyscallError } from "../../../ffi/index.ts";
import { sockaddrLl } from "../../../ffi/structs/index.ts";
import { KEEPALIVED_ANNOUNCE_DEFAULTS, type AnnounceOptions, type NeighbourAnnouncer } from "../neighbour-announcer.ts";
import { ALL_NODES_MAC, BROADCAST_MAC, encodeGratuitousArp, encodeUnsolicitedNa, NA_FRAME_LENGTH } from "./neighbour-frames.ts";

/** keepalived sets the NA router flag when the interface forwards IPv6. */
function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, "utf8").trim() === "1";
  } catch {
    return false;
  }
}

class LinuxNeighbourAnnouncer implements NeighbourAnnouncer {
  private fd = -1;
  private readonly frame = stableBuffer(NA_FRAME_LENGTH);
  private readonly dst = stableBuffer(sockaddrLl.SIZE);

  private socket(): number {
    if (this.fd < 0) this.fd = openSocket(C.AF_PACKET, C.SOCK_RAW | C.SOCK_CLOEXEC, 0);
    return this.fd;
  }

  async announce(ifname: string, addresses: readonly Uint8Array[], options: AnnounceOptions = KEEPALIVED_ANNOUNCE_DEFAULTS): Promise<number> {
    const fd = this.socket();
    const ifindex = ioctlIfIndex(fd, ifname);
    const { hatype, addr: mac } = ioctlIfHwaddr(fd, ifname);
    if (hatype !== C.ARPHRD_ETHER) throw new SyscallError(`announce on ${ifname}`, ERRNO.EOPNOTSUPP, `link type ${hatype} is not Ethernet`);
    const router = addresses.some((a) => a.length === 16) && ipv6Forwarding(ifname);
    let sent = 0;
    for (let round = 0; round < options.repeat; round++) {
      for (const address of addresses) {
        if (sent > 0 && options.intervalMs > 0) await Bun.sleep(options.intervalMs);
        let len: number;
        if (address.length === 4) {
          len = encodeGratuitousArp(this.frame, mac, address);
          sockaddrLl.encode(this.dst, { protocol: C.ETH_P_ARP, ifindex, hatype: C.ARPHRD_ETHER, addr: BROADCAST_MAC });
        } else {
          len = encodeUnsolicitedNa(this.frame, mac, address, router);
          sockaddrLl.encode(this.dst, { protocol: C.ETH_P_IPV6, ifindex, hatype: C.ARPHRD_ETHER, addr: ALL_NODES_MAC });
        }
        sendTo(fd, this.frame, len, this.dst);
        sent++;
      }
    }
    return sent;
  }

  close(): void {
    if (this.fd >= 0) closeFd(this.fd);
    this.fd = -1;
  }
}

export function linuxNeighbourAnnouncer(): NeighbourAnnouncer {
  return new LinuxNeighbourAnnouncer();
}
