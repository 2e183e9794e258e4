// Macvlans and IPv4 settings kept in memory, with the kernel's refusals (EEXIST, ENODEV). Created macvlans appear
// as links of the FakeNetlink they are given (with its link events), so daemon tests see them as the kernel would.
import type { Link } from "../../src/adapters/address-manager.ts";
import { AdapterError } from "../../src/adapters/adapter-error.ts";
import type { Ipv4Settings, Ipv6Settings, MacvlanLink, MacvlanLinks, MacvlanSpec } from "../../src/adapters/macvlan-links.ts";
import type { FakeNetlink } from "./fake-netlink.ts";

const KERNEL_DEFAULTS: Ipv4Settings = {
  arp_ignore: 0,
  arp_filter: 0,
  arp_announce: 0,
  accept_local: 0,
  rp_filter: 0,
  promote_secondaries: 0,
  drop_gratuitous_arp: 0,
};

export class FakeMacvlanLinks implements MacvlanLinks {
  private readonly table = new Map<number, MacvlanLink>();
  private readonly settings = new Map<number, Ipv4Settings>();
  private readonly settings6 = new Map<number, Ipv6Settings>();
  private nextIfindex = 1000;
  /** Names whose creation the fake refuses with EPERM (a test's way to make a VMAC fail). */
  readonly refuse = new Set<string>();
  closed = false;
  igmpReports = 1;

  constructor(private readonly netlink: FakeNetlink) {}

  private link(ifindex: number): Link | undefined {
    return this.netlink.links().find((l) => l.ifindex === ifindex);
  }

  macvlans(): MacvlanLink[] {
    return [...this.table.values()].map((m) => ({ ...m, mac: m.mac.slice() }));
  }

  create(spec: MacvlanSpec): MacvlanLink {
    const what = `create macvlan ${spec.name}`;
    if (this.refuse.has(spec.name)) throw AdapterError.refused(what, "EPERM");
    if (this.netlink.links().some((l) => l.name === spec.name)) throw AdapterError.refused(what, "EEXIST");
    const parent = this.link(spec.parentIfindex);
    if (!parent) throw AdapterError.refused(what, "ENODEV");
    const ifindex = this.nextIfindex++;
    const created: MacvlanLink = {
      ifindex,
      name: spec.name,
      parentIfindex: spec.parentIfindex,
      mac: spec.mac.slice(),
      mode: spec.mode,
      up: false,
    };
    this.table.set(ifindex, created);
    this.netlink.addLink({ ifindex, name: spec.name, mac: spec.mac.slice(), mtu: parent.mtu, up: false, carrier: false });
    return { ...created, mac: created.mac.slice() };
  }

  remove(ifindex: number): void {
    if (!this.link(ifindex)) throw AdapterError.refused(`delete link ifindex ${ifindex}`, "ENODEV");
    this.table.delete(ifindex);
    this.settings.delete(ifindex);
    this.settings6.delete(ifindex);
    this.netlink.removeLink(ifindex);
  }

  setUp(ifindex: number, up: boolean): void {
    const link = this.link(ifindex);
    if (!link) throw AdapterError.refused(`set ifindex ${ifindex} up`, "ENODEV");
    const macvlan = this.table.get(ifindex);
    if (macvlan) macvlan.up = up;
    // A macvlan's carrier follows its parent's.
    const parent = macvlan ? this.link(macvlan.parentIfindex) : link;
    this.netlink.setLink(ifindex, { up, carrier: up && (parent?.carrier ?? false) });
  }

  ipv4Settings(ifindex: number): Ipv4Settings {
    if (!this.link(ifindex)) throw AdapterError.refused(`read the IPv4 settings of ifindex ${ifindex}`, "ENODEV");
    return { ...(this.settings.get(ifindex) ?? KERNEL_DEFAULTS) };
  }

  setIpv4Settings(ifindex: number, settings: Partial<Ipv4Settings>): void {
    const current = this.ipv4Settings(ifindex);
    this.settings.set(ifindex, { ...current, ...settings });
  }

  ipv6Settings(ifname: string): Ipv6Settings {
    if (!/^[^\s/:]{1,15}$/.test(ifname)) throw AdapterError.refused(`read the IPv6 settings of ${ifname}`, "EINVAL");
    const link = this.netlink.links().find((l) => l.name === ifname);
    if (!link) throw AdapterError.refused(`read the IPv6 settings of ${ifname}`, "ENODEV");
    return { ...(this.settings6.get(link.ifindex) ?? { disable_ipv6: 0, accept_ra: 1 }) };
  }

  setIpv6Settings(ifname: string, settings: Partial<Ipv6Settings>): void {
    const current = this.ipv6Settings(ifname);
    const link = this.netlink.links().find((l) => l.name === ifname)!;
    this.settings6.set(link.ifindex, { ...current, ...settings });
  }

  igmpLinkLocalReports(): number {
    return this.igmpReports;
  }

  setIgmpLinkLocalReports(value: number): void {
    this.igmpReports = value;
  }

  close(): void {
    this.closed = true;
  }
}
