// Gratuitous ARP and unsolicited NA through one send-only AF_PACKET socket (protocol 0: it never receives).
// Frames are built whole (neighbour-frames.ts), so they match keepalived's and work even while an IPv6 VIP is
// still tentative, which a raw ICMPv6 socket could not send from. Each announcement's frames are built when it is
// prepared and again when its interface changes, so a takeover spends no time on ioctls or encoding.
import { readFileSync } from "node:fs";
import * as C from "../../../ffi/constants.ts";
import { closeFd, ioctlIfHwaddr, ioctlIfIndex, openSocket, sendTo } from "../../../ffi/index.ts";
import { sockaddrLl } from "../../../ffi/structs/index.ts";
import { AdapterError, adapterCall, toAdapterError } from "../adapter-error.ts";
import { type Announcement, KEEPALIVED_ANNOUNCE_DEFAULTS, type AnnounceOptions, type NeighbourAnnouncer } from "../neighbour-announcer.ts";
import { ALL_NODES_MAC, BROADCAST_MAC, encodeGratuitousArp, encodeUnsolicitedNa, NA_FRAME_LENGTH } from "./neighbour-frames.ts";

/** keepalived sets the NA router flag when the interface forwards IPv6 (read when the frames are built). */
function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/** One frame per address, each with the link-layer destination it goes to. */
interface Frames {
  frames: Uint8Array[];
  destinations: Uint8Array[];
}

class LinuxAnnouncement implements Announcement {
  private built: Frames | null = null;
  private readonly addresses: Uint8Array[];

  constructor(
    private readonly socket: () => number,
    private readonly ifname: string,
    addresses: readonly Uint8Array[],
  ) {
    this.addresses = addresses.map((a) => a.slice());
    this.refresh();
  }

  refresh(): void {
    try {
      this.built = this.build();
    } catch {
      this.built = null; // send() tries again and reports why
    }
  }

  private build(): Frames {
    const fd = this.socket();
    const ifindex = ioctlIfIndex(fd, this.ifname);
    const { hatype, addr: mac } = ioctlIfHwaddr(fd, this.ifname);
    if (hatype !== C.ARPHRD_ETHER)
      throw AdapterError.refused(`announce on ${this.ifname}`, "EOPNOTSUPP", `link type ${hatype} is not Ethernet`);
    const router = this.addresses.some((a) => a.length === 16) && ipv6Forwarding(this.ifname);
    const arpDestination = new Uint8Array(sockaddrLl.SIZE);
    sockaddrLl.encode(arpDestination, { protocol: C.ETH_P_ARP, ifindex, hatype: C.ARPHRD_ETHER, addr: BROADCAST_MAC });
    const naDestination = new Uint8Array(sockaddrLl.SIZE);
    sockaddrLl.encode(naDestination, { protocol: C.ETH_P_IPV6, ifindex, hatype: C.ARPHRD_ETHER, addr: ALL_NODES_MAC });
    const scratch = new Uint8Array(NA_FRAME_LENGTH);
    const frames = this.addresses.map((address) => {
      const length = address.length === 4 ? encodeGratuitousArp(scratch, mac, address) : encodeUnsolicitedNa(scratch, mac, address, router);
      return scratch.slice(0, length);
    });
    return { frames, destinations: this.addresses.map((a) => (a.length === 4 ? arpDestination : naDestination)) };
  }

  async send(options: AnnounceOptions = KEEPALIVED_ANNOUNCE_DEFAULTS): Promise<number> {
    let sent = 0;
    try {
      this.built ??= this.build();
      const { frames, destinations } = this.built;
      const fd = this.socket();
      for (let round = 0; round < options.repeat; round++) {
        for (let i = 0; i < frames.length; i++) {
          if (sent > 0 && options.intervalMs > 0) await Bun.sleep(options.intervalMs);
          sendTo(fd, frames[i]!, frames[i]!.length, destinations[i]!);
          sent++;
        }
      }
    } catch (error) {
      throw toAdapterError(`announce on ${this.ifname} (after ${sent} frames)`, error);
    }
    return sent;
  }
}

class LinuxNeighbourAnnouncer implements NeighbourAnnouncer {
  private fd = -1;
  private readonly socket = (): number => {
    if (this.fd < 0) this.fd = openSocket(C.AF_PACKET, C.SOCK_RAW | C.SOCK_CLOEXEC, 0);
    return this.fd;
  };

  prepare(ifname: string, addresses: readonly Uint8Array[]): Announcement {
    return new LinuxAnnouncement(this.socket, ifname, addresses);
  }

  announce(ifname: string, addresses: readonly Uint8Array[], options: AnnounceOptions = KEEPALIVED_ANNOUNCE_DEFAULTS): Promise<number> {
    return this.prepare(ifname, addresses).send(options);
  }

  close(): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) adapterCall("close the announcer's packet socket", () => closeFd(fd));
  }
}

export function linuxNeighbourAnnouncer(): NeighbourAnnouncer {
  return new LinuxNeighbourAnnouncer();
}
