// Macvlans and IPv4 interface settings over rtnetlink, behind the MacvlanLinks port. The settings are written as
// keepalived 2.2.7 writes them (IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF) and read back from the link dump, so no
// file under /proc/sys is opened.
import { RtnlSocket } from "../../../ffi/netlink.ts";
import { AdapterError, adapterCall } from "../adapter-error.ts";
import type { Ipv4Settings, MacvlanLink, MacvlanLinks, MacvlanSpec } from "../macvlan-links.ts";
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

  close(): void {
    adapterCall("close the rtnetlink socket for macvlans", () => this.sock.close());
  }
}
