// The instances' VMACs (use_vmac): private macvlans with the virtual router MAC on their base interface, set up
// as keepalived 2.2.7 sets them up. IPv4: on the VMAC arp_ignore=1 (answer ARP only for its own addresses),
// accept_local=1 (take in our own adverts looped back), rp_filter=0, promote_secondaries=1; on the base interface
// arp_ignore=1 and arp_filter=1 so that it stops answering ARP for the VIPs with its own MAC, and (vipd's addition)
// arp_announce=2: replies to the VIP leave through the base interface, and the ARP requests they cause would
// otherwise carry the VIP with the base's MAC, which a client takes as the VIP's new MAC (tests/netns/vmac).
// The base's settings are restored when its last VMAC goes; their values before are recorded (vmac-record.ts), so
// a start after a crash still restores the originals.
// No IPv6 address derived from the virtual MAC (RFC 5798 §7.4): an IPv6 instance's VMAC gets the link-local
// address its adverts are sent from instead (the configured source, else the base interface's), and takes no
// router advertisement (vipd's addition: SLAAC would give every router's VMAC the same address, derived from the
// shared MAC, and a backup would answer for it); an IPv4 instance's VMAC has IPv6 off unless IPv6 VIPs go on it.
// A VMAC left by an earlier run (a crash) is reused when it is right and replaced when it is not.

import type { AddressManager, Link } from "../adapters/address-manager.ts";
import type { Ipv4Settings, MacvlanLink, MacvlanLinks } from "../adapters/macvlan-links.ts";
import { formatIp, type IpFamily } from "../vrrp/ip-address.ts";
import { describe } from "./describe-error.ts";
import type { Log } from "./log.ts";
import { type BaseSettingsRecord, NAMESPACE_ENTRY, NO_BASE_RECORD } from "./vmac-record.ts";

export interface WantedVmac {
  instance: string;
  name: string;
  parentIfname: string;
  family: IpFamily;
  mac: Uint8Array;
  xmitBase: boolean;
  /** IPv6 without vmac_xmit_base: the link-local address the VMAC sends adverts from. */
  linkLocal?: Uint8Array;
  /** An IPv4 instance with IPv6 addresses on its VMAC (virtual_ipaddress_excluded): IPv6 stays on. */
  ipv6Vips?: boolean;
}

/**
 * keepalived's, and drop_gratuitous_arp (vipd's addition): a master still holding the VIP while the next one takes
 * over (a graceful handover) would answer the new master's gratuitous ARP from the virtual MAC, and switches would
 * send the VIP's traffic back to it until the new master's next advert.
 */
const VMAC_SETTINGS: Partial<Ipv4Settings> = {
  arp_ignore: 1,
  accept_local: 1,
  rp_filter: 0,
  promote_secondaries: 1,
  drop_gratuitous_arp: 1,
};
const BASE_SETTINGS = { arp_ignore: 1, arp_filter: 1, arp_announce: 2 } as const;
type BaseSetting = keyof typeof BASE_SETTINGS;
const BASE_KEYS = Object.keys(BASE_SETTINGS) as BaseSetting[];
/** keepalived gives the VMAC's link-local address a /64, like the kernel gives its own. */
const LINK_LOCAL_PREFIX = 64;

const macText = (mac: Uint8Array) => [...mac].map((b) => b.toString(16).padStart(2, "0")).join(":");

/** A base interface's ARP settings before its first VMAC changed them, and how many of its VMACs need them. */
interface BaseHold {
  ifindex: number;
  ifname: string;
  /** The settings vipd changed, with their values before. */
  saved: Partial<Ipv4Settings>;
  users: number;
}

interface Owned {
  wanted: WantedVmac;
  ifindex: number;
  base: BaseHold | null;
  /** It holds the namespace's IGMP setting (holdIgmp). */
  igmp: boolean;
}

export class VmacManager {
  private readonly owned = new Map<string, Owned>();
  private readonly bases = new Map<number, BaseHold>();
  /** While IPv4 VMACs exist: igmp_link_local_mcast_reports before vipd set it to 0 (null: it was 0 already). */
  private igmp: { users: number; saved: number | null } | null = null;

  constructor(
    private readonly macvlans: MacvlanLinks,
    private readonly addresses: AddressManager,
    private readonly log: Log,
    private readonly record: BaseSettingsRecord = NO_BASE_RECORD,
  ) {}

  /** The VMACs in place now, by name. */
  names(): string[] {
    return [...this.owned.keys()];
  }

  /**
   * Creates (or adopts) every wanted VMAC not yet in place. Returns, per instance whose VMAC could not be set up,
   * why: that instance is FAULT until a reload or a link change tries again. VMACs no longer wanted are left for
   * removeUnwanted(), once their instances have released their VIPs.
   */
  ensure(wanted: readonly WantedVmac[]): Map<string, string> {
    const failures = new Map<string, string>();
    let links = this.addresses.links();
    let present = this.macvlans.macvlans();
    for (const w of wanted) {
      const mine = this.owned.get(w.name);
      if (mine && sameWish(mine.wanted, w) && present.some((m) => m.ifindex === mine.ifindex)) continue;
      if (mine) {
        // Set up anew (its settings changed, or it is gone): never adopt the link just removed.
        this.removeOne(mine);
        present = present.filter((m) => m.ifindex !== mine.ifindex);
        links = links.filter((l) => l.ifindex !== mine.ifindex);
      }
      try {
        this.setUp(w, links, present);
      } catch (error) {
        const reason = `cannot set up VMAC ${w.name} on ${w.parentIfname}: ${describe(error)}`;
        this.log.error(`instance ${w.instance}: ${reason}; FAULT until it can be`);
        failures.set(w.instance, reason);
      }
    }
    return failures;
  }

  /** Removes the VMACs vipd set up that `wanted` no longer has (after a reload, once their VIPs are released). */
  removeUnwanted(wanted: readonly WantedVmac[]): void {
    const keep = new Set(wanted.map((w) => w.name));
    for (const owned of [...this.owned.values()]) if (!keep.has(owned.wanted.name)) this.removeOne(owned);
  }

  close(): void {
    try {
      this.macvlans.close();
    } catch (error) {
      this.log.warn(`closing the macvlan socket failed: ${describe(error)}`);
    }
  }

  /** At stop: every VMAC removed, the base interfaces' ARP settings restored. */
  removeAll(): void {
    for (const owned of [...this.owned.values()]) this.removeOne(owned);
  }

  private setUp(w: WantedVmac, links: readonly Link[], present: readonly MacvlanLink[]): void {
    const parent = links.find((l) => l.name === w.parentIfname);
    if (!parent) throw new Error(`interface ${w.parentIfname} does not exist`);
    const existing = present.find((m) => m.name === w.name);
    const clash = links.find((l) => l.name === w.name);
    if (clash && !existing) throw new Error(`${w.name} exists and is not a macvlan; vipd leaves it alone`);
    let link: MacvlanLink;
    if (existing && fits(existing, w, parent.ifindex)) {
      this.log.info(`VMAC ${w.name} (${macText(w.mac)}) on ${w.parentIfname} is already there (left by an earlier run): reused`);
      link = existing;
    } else {
      if (existing) {
        this.log.warn(`VMAC ${w.name} is there but not as instance ${w.instance} needs it (an earlier run's?): replaced`);
        this.macvlans.remove(existing.ifindex);
      }
      link = this.macvlans.create({ name: w.name, parentIfindex: parent.ifindex, mac: w.mac, mode: "private" });
      this.log.info(`VMAC ${w.name} (${macText(w.mac)}) created on ${w.parentIfname} for instance ${w.instance}`);
    }
    const owned: Owned = { wanted: w, ifindex: link.ifindex, base: null, igmp: false };
    this.owned.set(w.name, owned);
    if (w.family === 4) {
      this.macvlans.setIpv4Settings(link.ifindex, VMAC_SETTINGS);
      owned.base = this.holdBase(parent);
      this.holdIgmp();
      owned.igmp = true;
    }
    if (w.family === 6 || w.ipv6Vips) this.macvlans.setIpv6Settings(w.name, { disable_ipv6: 0, accept_ra: 0 });
    else this.macvlans.setIpv6Settings(w.name, { disable_ipv6: 1 });
    if (!link.up) this.macvlans.setUp(link.ifindex, true);
    if (w.linkLocal) this.addLinkLocal(link.ifindex, w);
  }

  private addLinkLocal(ifindex: number, w: WantedVmac): void {
    const spec = { ifindex, address: w.linkLocal!, prefixlen: LINK_LOCAL_PREFIX, scope: 253, nodad: true };
    try {
      this.addresses.addAddress(spec);
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
    this.log.info(`VMAC ${w.name}: adverts are sent from ${formatIp(w.linkLocal!)}`);
  }

  /** Sets arp_ignore and arp_filter on a base interface, saving what it had, once for all its VMACs. */
  private holdBase(parent: Link): BaseHold {
    let hold = this.bases.get(parent.ifindex);
    if (!hold) {
      const now = this.macvlans.ipv4Settings(parent.ifindex);
      const records = this.record.load();
      // An earlier run that crashed changed them: what it recorded is the original.
      const before: Ipv4Settings = { ...now, ...records[parent.name] };
      const changed = BASE_KEYS.filter((k) => now[k] !== BASE_SETTINGS[k]);
      const saved: Partial<Ipv4Settings> = Object.fromEntries(
        BASE_KEYS.filter((k) => before[k] !== BASE_SETTINGS[k]).map((k) => [k, before[k]]),
      );
      this.record.save({ ...records, [parent.name]: saved });
      if (changed.length > 0) {
        this.macvlans.setIpv4Settings(parent.ifindex, Object.fromEntries(changed.map((k) => [k, BASE_SETTINGS[k]])));
        const what = changed.map((k) => `${k} ${before[k]} → ${BASE_SETTINGS[k]}`).join(", ");
        this.log.info(`${parent.name}: ${what} while it carries VMACs (restored after)`);
      }
      hold = { ifindex: parent.ifindex, ifname: parent.name, saved, users: 0 };
      this.bases.set(parent.ifindex, hold);
    }
    hold.users++;
    return hold;
  }

  /**
   * No IGMP reports for 224.0.0.x while IPv4 VMACs exist (as keepalived's disable_local_igmp): a backup's VMAC
   * joining 224.0.0.18 would report from the virtual MAC, and switches would send the VIP's traffic its way until
   * the master's next advert. Those groups are flooded by IGMP snooping switches anyway (RFC 4541 §2.1.2).
   */
  private holdIgmp(): void {
    if (this.igmp) {
      this.igmp.users++;
      return;
    }
    const records = this.record.load();
    const now = this.macvlans.igmpLinkLocalReports();
    const before = records[NAMESPACE_ENTRY]?.igmp_link_local_mcast_reports ?? now;
    this.igmp = { users: 1, saved: before === 0 ? null : before };
    if (this.igmp.saved !== null) this.record.save({ ...records, [NAMESPACE_ENTRY]: { igmp_link_local_mcast_reports: before } });
    if (now !== 0) {
      this.macvlans.setIgmpLinkLocalReports(0);
      this.log.info(`igmp_link_local_mcast_reports ${now} → 0 while IPv4 VMACs exist (restored after)`);
    }
  }

  private releaseIgmp(): void {
    if (!this.igmp || --this.igmp.users > 0) return;
    const saved = this.igmp.saved;
    this.igmp = null;
    const { [NAMESPACE_ENTRY]: _, ...others } = this.record.load();
    this.record.save(others);
    if (saved === null) return;
    try {
      this.macvlans.setIgmpLinkLocalReports(saved);
      this.log.info(`igmp_link_local_mcast_reports ${saved} restored`);
    } catch (error) {
      this.log.error(`cannot restore igmp_link_local_mcast_reports ${saved}: ${describe(error)}`);
    }
  }

  private removeOne(owned: Owned): void {
    this.owned.delete(owned.wanted.name);
    try {
      this.macvlans.remove(owned.ifindex);
      this.log.info(`VMAC ${owned.wanted.name} removed`);
    } catch (error) {
      if ((error as { code?: string }).code !== "ENODEV") this.log.error(`cannot remove VMAC ${owned.wanted.name}: ${describe(error)}`);
    }
    if (owned.igmp) this.releaseIgmp();
    const base = owned.base;
    if (!base || --base.users > 0) return;
    this.bases.delete(base.ifindex);
    const { [base.ifname]: _, ...others } = this.record.load();
    this.record.save(others);
    const what = Object.entries(base.saved)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    if (what === "") return;
    try {
      this.macvlans.setIpv4Settings(base.ifindex, base.saved);
      this.log.info(`${base.ifname}: ${what} restored`);
    } catch (error) {
      this.log.error(`cannot restore ${what} on ${base.ifname}: ${describe(error)}`);
    }
  }
}

function sameWish(a: WantedVmac, b: WantedVmac): boolean {
  const sameLinkLocal = (a.linkLocal ? formatIp(a.linkLocal) : "") === (b.linkLocal ? formatIp(b.linkLocal) : "");
  const same = a.parentIfname === b.parentIfname && a.family === b.family && macText(a.mac) === macText(b.mac);
  return same && sameLinkLocal && Boolean(a.ipv6Vips) === Boolean(b.ipv6Vips);
}

function fits(link: MacvlanLink, w: WantedVmac, parentIfindex: number): boolean {
  return link.parentIfindex === parentIfindex && link.mode === "private" && macText(link.mac) === macText(w.mac);
}
