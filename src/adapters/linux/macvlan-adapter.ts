// Macvlans and IPv4 interface settings over rtnetlink, behind the MacvlanLinks port. The settings are written as
// keepalived 2.2.7 writes them (IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF) and read back from the link dump, so no
// file under /proc/sys is opened for them. The IPv6 ones rtnetlink cannot write go through /proc/sys.
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs";
import { RtnlSocket } from "../../../ffi/netlink.ts";
import { AdapterError, adapterCall } from "../adapter-error.ts";
import type { Ipv4Settings, Ipv6Setting, Ipv6Settings, MacvlanLink, MacvlanLinks, MacvlanSpec } from "../macvlan-links.ts";
import {
  decodeIpv4Settings,
  decodeMacvlan,
  dumpLinksAs,
  encodeAddrGenModeNone,
  encodeDeleteLink,
  encodeIpv4Settings,
  encodeLinkUp,
  encodeNewMacvlan,
} from "./rtnl-messages.ts";
import { getI32 } from "../../../ffi/structs/bytes.ts";
import { ifinfomsg } from "../../../ffi/structs/index.ts";

export class LinuxMacvlanLinks implements MacvlanLinks {
  private constructor(private readonly sock: RtnlSocket) {}

  static open(): LinuxMacvlanLinks {
    return adapterCall("open the rtnetlink socket for macvlans", () => new LinuxMacvlanLinks(RtnlSocket.open()));
  }

  macvlans(): MacvlanLink[] {
    return adapterCall("list macvlans", () => dumpLinksAs(this.sock, decodeMacvlan));
  }

  create(spec: MacvlanSpec): MacvlanLink {
    const operation = `create macvlan ${spec.name} on ifindex ${spec.parentIfindex}`;
    return adapterCall(operation, () => {
      this.sock.exec(encodeNewMacvlan(this.sock, spec));
      const created = this.macvlans().find((m) => m.name === spec.name);
      if (!created) throw AdapterError.refused(operation, "ENODEV", "created, but gone at once");
      try {
        this.sock.exec(encodeAddrGenModeNone(this.sock, created.ifindex));
      } catch (error) {
        this.sock.exec(encodeDeleteLink(this.sock, created.ifindex));
        throw error;
      }
      return created;
    });
  }

  remove(ifindex: number): void {
    adapterCall(`delete link ifindex ${ifindex}`, () => this.sock.exec(encodeDeleteLink(this.sock, ifindex)));
  }

  setUp(ifindex: number, up: boolean): void {
    adapterCall(`set ifindex ${ifindex} ${up ? "up" : "down"}`, () => this.sock.exec(encodeLinkUp(this.sock, ifindex, up)));
  }

  ipv4Settings(ifindex: number): Ipv4Settings {
    const operation = `read the IPv4 settings of ifindex ${ifindex}`;
    return adapterCall(operation, () => {
      const found = dumpLinksAs(this.sock, (b, payloadAt, end) =>
        getI32(b, payloadAt + ifinfomsg.OFFSETS.ifi_index) === ifindex ? decodeIpv4Settings(b, payloadAt, end) : null,
      );
      if (found.length === 0) throw AdapterError.refused(operation, "ENODEV", "no such link, or it has no IPv4 settings");
      return found[0]!;
    });
  }

  setIpv4Settings(ifindex: number, settings: Partial<Ipv4Settings>): void {
    const names = Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    adapterCall(`set ${names} on ifindex ${ifindex}`, () => this.sock.exec(encodeIpv4Settings(this.sock, ifindex, settings)));
  }

  ipv6Settings(ifname: string): Ipv6Settings {
    const read = (key: Ipv6Setting) => {
      const operation = `read net.ipv6.conf.${ifname}.${key}`;
      return readProc(ipv6ConfPath(ifname, key, operation), operation);
    };
    return { disable_ipv6: read("disable_ipv6"), accept_ra: read("accept_ra") };
  }

  setIpv6Settings(ifname: string, settings: Partial<Ipv6Settings>): void {
    for (const [key, value] of Object.entries(settings) as [Ipv6Setting, number][]) {
      const operation = `set net.ipv6.conf.${ifname}.${key}=${value}`;
      writeProc(ipv6ConfPath(ifname, key, operation), value, operation);
    }
  }

  igmpLinkLocalReports(): number {
    return readProc(IGMP_LINK_LOCAL_REPORTS, "read net.ipv4.igmp_link_local_mcast_reports");
  }

  setIgmpLinkLocalReports(value: number): void {
    writeProc(IGMP_LINK_LOCAL_REPORTS, value, `set net.ipv4.igmp_link_local_mcast_reports=${value}`);
  }

  close(): void {
    adapterCall("close the rtnetlink socket for macvlans", () => this.sock.close());
  }
}

const IFNAME = /^[^\s/:]{1,15}$/;
const IGMP_LINK_LOCAL_REPORTS = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";

/** /proc/sys/net/ipv6/conf/IF/KEY; the name is checked first so that it cannot leave the directory. */
function ipv6ConfPath(ifname: string, key: Ipv6Setting, operation: string): string {
  if (!IFNAME.test(ifname) || ifname === "." || ifname === "..")
    throw AdapterError.refused(operation, "EINVAL", `bad interface name ${ifname}`);
  return `/proc/sys/net/ipv6/conf/${ifname}/${key}`;
}

/** ENOENT (the link is gone) becomes ENODEV, as rtnetlink would say. */
function procError(operation: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return AdapterError.refused(operation, "ENODEV", "no such interface");
  return AdapterError.refused(operation, "EIO", (error as Error).message);
}

function readProc(path: string, operation: string): number {
  let fd = -1;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const buffer = Buffer.alloc(32);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return Number(buffer.subarray(0, n).toString().trim());
  } catch (error) {
    throw procError(operation, error);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function writeProc(path: string, value: number, operation: string): void {
  let fd = -1;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
    writeSync(fd, `${value}\n`);
  } catch (error) {
    throw procError(operation, error);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
