// The one rtnetlink codec: what goes inside the messages the adapters exchange with the kernel. Decoders for
// RTM_NEWLINK / RTM_*ADDR (shared by dumps and events; they return null on malformed input, never throw), the link
// and address dumps, and encoders for the address, route and rule requests keepalived's virtual_ipaddress /
// virtual_routes / virtual_rules need. ffi/netlink.ts is only the socket that carries them (framing, acks, errors).
import * as C from "../../../ffi/constants.ts";
import { ERRNO, SyscallError } from "../../../ffi/index.ts";
import type { RtnlSocket } from "../../../ffi/netlink.ts";
import { getU32 } from "../../../ffi/structs/bytes.ts";
import { fibRuleHdr, ifaddrmsg, ifinfomsg, rtattr, rtmsg } from "../../../ffi/structs/index.ts";
import type { IpFamily } from "../../vrrp/ip-address.ts";
import type { AddressEntry, AddressSpec, Link, RouteSpec, RuleSpec } from "../address-manager.ts";
import type { Ipv4Setting, Ipv4Settings, MacvlanLink, MacvlanMode, MacvlanSpec } from "../macvlan-links.ts";

const cursor = new rtattr.Cursor();

export function decodeLink(b: Uint8Array, payloadAt: number, end: number): Link | null {
  const info = ifinfomsg.decode(b, payloadAt, end);
  // Interface indexes start at 1: anything else is a broken message, not a link to track.
  if (!info.ok || info.index <= 0) return null;
  const link: Link = {
    ifindex: info.index,
    name: "",
    mac: new Uint8Array(0),
    mtu: 0,
    up: (info.flags & C.IFF_UP) !== 0,
    carrier: (info.flags & C.IFF_LOWER_UP) !== 0,
  };
  const c = cursor.reset(b, payloadAt + ifinfomsg.SIZE, end);
  while (c.next()) {
    if (c.type === C.IFLA_IFNAME) link.name = c.string();
    else if (c.type === C.IFLA_ADDRESS) link.mac = b.slice(c.payloadAt, c.payloadAt + c.payloadLen);
    else if (c.type === C.IFLA_MTU && c.payloadLen >= 4) link.mtu = getU32(b, c.payloadAt);
  }
  return link;
}

export function decodeAddress(b: Uint8Array, payloadAt: number, end: number): AddressEntry | null {
  const ifa = ifaddrmsg.decode(b, payloadAt, end);
  if (!ifa.ok || (ifa.family !== C.AF_INET && ifa.family !== C.AF_INET6)) return null;
  let local: Uint8Array | undefined;
  let address: Uint8Array | undefined;
  let label = "";
  let flags = ifa.flags;
  const c = cursor.reset(b, payloadAt + ifaddrmsg.SIZE, end);
  while (c.next()) {
    if (c.type === C.IFA_LOCAL) local = b.slice(c.payloadAt, c.payloadAt + c.payloadLen);
    else if (c.type === C.IFA_ADDRESS) address = b.slice(c.payloadAt, c.payloadAt + c.payloadLen);
    else if (c.type === C.IFA_LABEL) label = c.string();
    else if (c.type === C.IFA_FLAGS && c.payloadLen >= 4) flags = getU32(b, c.payloadAt);
  }
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
  const chosen = local ?? address;
  const length = ifa.family === C.AF_INET ? 4 : 16;
  if (!chosen || chosen.length !== length || ifa.prefixlen > length * 8 || ifa.index === 0) return null;
  return {
    family: ifa.family === C.AF_INET ? 4 : 6,
    ifindex: ifa.index,
    address: chosen,
    prefixlen: ifa.prefixlen,
    scope: ifa.scope,
    label,
    flags,
  };
}

/** RTM_GETLINK dump: every link of the socket's namespace. Malformed entries are skipped, not thrown on. */
/** What a dump needs of the socket (tests drive the dumps with a fake). */
export type DumpSocket = Pick<RtnlSocket, "begin" | "tx" | "dump">;

/** A dump the kernel flagged inconsistent (NLM_F_DUMP_INTR: a table changed under it) is redone, this often at most. */
export const DUMP_ATTEMPTS = 5;

/** Runs a dump until the kernel answers it consistently; the last EINTR goes to the caller. */
function consistentDump<T>(dump: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return dump();
    } catch (e) {
      if (attempt >= DUMP_ATTEMPTS || !(e instanceof SyscallError && e.errno === ERRNO.EINTR)) throw e;
    }
  }
}

export function dumpLinks(sock: DumpSocket): Link[] {
  return consistentDump(() => {
    const out: Link[] = [];
    const at = sock.begin(C.RTM_GETLINK, 0);
    sock.tx.fill(0, at, at + ifinfomsg.SIZE);
    sock.dump(at + ifinfomsg.SIZE, (type, b, payloadAt, end) => {
      if (type !== C.RTM_NEWLINK) return;
      const link = decodeLink(b, payloadAt, end);
      if (link) out.push(link);
    });
    return out;
  });
}

/** RTM_GETADDR dump of one family, optionally one interface (strict checking filters it in the kernel). */
export function dumpAddresses(sock: DumpSocket, family: IpFamily, ifindex = 0): AddressEntry[] {
  return consistentDump(() => {
    const out: AddressEntry[] = [];
    const at = sock.begin(C.RTM_GETADDR, 0);
    const ifa = { family: family === 4 ? C.AF_INET : C.AF_INET6, prefixlen: 0, flags: 0, scope: 0, index: ifindex };
    ifaddrmsg.encode(sock.tx, ifa, at);
    sock.dump(at + ifaddrmsg.SIZE, (type, b, payloadAt, end) => {
      if (type !== C.RTM_NEWADDR) return;
      const a = decodeAddress(b, payloadAt, end);
      if (a && (ifindex === 0 || a.ifindex === ifindex)) out.push(a);
    });
    return out;
  });
}

function familyOf(address: Uint8Array): number {
  if (address.length === 4) return C.AF_INET;
  if (address.length === 16) return C.AF_INET6;
  throw new RangeError(`address must be 4 or 16 bytes, got ${address.length}`);
}

/** RTM_NEWADDR / RTM_DELADDR body into sock.tx; returns the message end. */
export function encodeAddress(sock: RtnlSocket, type: number, flags: number, s: AddressSpec): number {
  const family = familyOf(s.address);
  const ifaFlags = s.nodad && family === C.AF_INET6 ? C.IFA_F_NODAD : 0;
  const at = sock.begin(type, flags);
  ifaddrmsg.encode(
    sock.tx,
    { family, prefixlen: s.prefixlen, flags: ifaFlags, scope: s.scope ?? C.RT_SCOPE_UNIVERSE, index: s.ifindex },
    at,
  );
  let end = at + ifaddrmsg.SIZE;
  end = rtattr.putBytes(sock.tx, end, C.IFA_LOCAL, s.address);
  end = rtattr.putBytes(sock.tx, end, C.IFA_ADDRESS, s.address);
  if (ifaFlags) end = rtattr.putU32Attr(sock.tx, end, C.IFA_FLAGS, ifaFlags);
  if (s.broadcast && family === C.AF_INET) end = rtattr.putBytes(sock.tx, end, C.IFA_BROADCAST, s.broadcast);
  if (s.label !== undefined && family === C.AF_INET) end = rtattr.putString(sock.tx, end, C.IFA_LABEL, s.label);
  return end;
}

/** Table ids above 255 only fit the 32-bit RTA_TABLE / FRA_TABLE attribute; the 8-bit field then says UNSPEC. */
function table8(table: number): number {
  return table < 256 ? table : C.RT_TABLE_UNSPEC;
}

/** RTM_NEWROUTE / RTM_DELROUTE body; routes are tagged RTPROT_KEEPALIVED like keepalived's. */
export function encodeRoute(sock: RtnlSocket, type: number, flags: number, r: RouteSpec): number {
  const family = r.family === 4 ? C.AF_INET : C.AF_INET6;
  const table = r.table ?? C.RT_TABLE_MAIN;
  const scope = r.scope ?? (r.via || r.blackhole ? C.RT_SCOPE_UNIVERSE : C.RT_SCOPE_LINK);
  const at = sock.begin(type, flags);
  rtmsg.encode(
    sock.tx,
    {
      family,
      dstLen: r.prefixlen,
      srcLen: 0,
      tos: 0,
      table: table8(table),
      protocol: C.RTPROT_KEEPALIVED,
      scope: type === C.RTM_DELROUTE && r.scope === undefined ? C.RT_SCOPE_NOWHERE : scope,
      type: r.blackhole ? C.RTN_BLACKHOLE : C.RTN_UNICAST,
      flags: 0,
    },
    at,
  );
  let end = at + rtmsg.SIZE;
  if (r.prefixlen > 0) end = rtattr.putBytes(sock.tx, end, C.RTA_DST, r.dst);
  end = rtattr.putU32Attr(sock.tx, end, C.RTA_TABLE, table);
  if (r.via) end = rtattr.putBytes(sock.tx, end, C.RTA_GATEWAY, r.via);
  if (r.ifindex) end = rtattr.putU32Attr(sock.tx, end, C.RTA_OIF, r.ifindex);
  if (r.src) end = rtattr.putBytes(sock.tx, end, C.RTA_PREFSRC, r.src);
  if (r.metric !== undefined) end = rtattr.putU32Attr(sock.tx, end, C.RTA_PRIORITY, r.metric);
  return end;
}

/** RTM_NEWRULE / RTM_DELRULE body: from/to/table/priority, action "lookup table". */
export function encodeRule(sock: RtnlSocket, type: number, flags: number, r: RuleSpec): number {
  const family = r.family === 4 ? C.AF_INET : C.AF_INET6;
  const at = sock.begin(type, flags);
  fibRuleHdr.encode(
    sock.tx,
    {
      family,
      dstLen: r.to?.prefixlen ?? 0,
      srcLen: r.from?.prefixlen ?? 0,
      tos: 0,
      table: table8(r.table),
      action: C.FR_ACT_TO_TBL,
      flags: 0,
    },
    at,
  );
  let end = at + fibRuleHdr.SIZE;
  if (r.from) end = rtattr.putBytes(sock.tx, end, C.FRA_SRC, r.from.address);
  if (r.to) end = rtattr.putBytes(sock.tx, end, C.FRA_DST, r.to.address);
  end = rtattr.putU32Attr(sock.tx, end, C.FRA_TABLE, r.table);
  if (r.priority !== undefined) end = rtattr.putU32Attr(sock.tx, end, C.FRA_PRIORITY, r.priority);
  return end;
}

// Macvlans (the VRRP virtual MAC) and the per-interface IPv4 settings keepalived changes for them.

const MACVLAN_KIND = "macvlan";
const MACVLAN_MODES: Record<MacvlanMode, number> = { private: C.MACVLAN_MODE_PRIVATE, bridge: C.MACVLAN_MODE_BRIDGE };

/** The IPV4_DEVCONF_* number of each setting vipd reads or writes. */
export const IPV4_DEVCONF: Record<Ipv4Setting, number> = {
  arp_ignore: C.IPV4_DEVCONF_ARP_IGNORE,
  arp_filter: C.IPV4_DEVCONF_ARPFILTER,
  arp_announce: C.IPV4_DEVCONF_ARP_ANNOUNCE,
  accept_local: C.IPV4_DEVCONF_ACCEPT_LOCAL,
  rp_filter: C.IPV4_DEVCONF_RP_FILTER,
  promote_secondaries: C.IPV4_DEVCONF_PROMOTE_SECONDARIES,
  drop_gratuitous_arp: C.IPV4_DEVCONF_DROP_GRATUITOUS_ARP,
};

const nested = new rtattr.Cursor();
const inner = new rtattr.Cursor();

/** An RTM_NEWLINK message as a macvlan, or null when the link is another kind (or the message is malformed). */
export function decodeMacvlan(b: Uint8Array, payloadAt: number, end: number): MacvlanLink | null {
  const info = ifinfomsg.decode(b, payloadAt, end);
  if (!info.ok) return null;
  let name = "";
  let mac = new Uint8Array(0);
  let parentIfindex = 0;
  let kind = "";
  let mode = -1;
  const c = cursor.reset(b, payloadAt + ifinfomsg.SIZE, end);
  while (c.next()) {
    if (c.type === C.IFLA_IFNAME) name = c.string();
    else if (c.type === C.IFLA_ADDRESS) mac = b.slice(c.payloadAt, c.payloadAt + c.payloadLen);
    else if (c.type === C.IFLA_LINK && c.payloadLen >= 4) parentIfindex = getU32(b, c.payloadAt);
    else if (c.type === C.IFLA_LINKINFO) {
      const n = nested.reset(b, c.payloadAt, c.payloadAt + c.payloadLen);
      while (n.next()) {
        if (n.type === C.IFLA_INFO_KIND) kind = n.string();
        else if (n.type === C.IFLA_INFO_DATA) {
          const d = inner.reset(b, n.payloadAt, n.payloadAt + n.payloadLen);
          while (d.next()) if (d.type === C.IFLA_MACVLAN_MODE && d.payloadLen >= 4) mode = getU32(b, d.payloadAt);
        }
      }
    }
  }
  if (kind !== MACVLAN_KIND) return null;
  const named = (Object.keys(MACVLAN_MODES) as MacvlanMode[]).find((m) => MACVLAN_MODES[m] === mode) ?? null;
  return { ifindex: info.index, name, parentIfindex, mac, mode: named, up: (info.flags & C.IFF_UP) !== 0 };
}

/** The IPv4 settings in an RTM_NEWLINK message (IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF), or null without them. */
export function decodeIpv4Settings(b: Uint8Array, payloadAt: number, end: number): Ipv4Settings | null {
  const c = cursor.reset(b, payloadAt + ifinfomsg.SIZE, end);
  while (c.next()) {
    if (c.type !== C.IFLA_AF_SPEC) continue;
    const family = nested.reset(b, c.payloadAt, c.payloadAt + c.payloadLen);
    while (family.next()) {
      if (family.type !== C.AF_INET) continue;
      const conf = inner.reset(b, family.payloadAt, family.payloadAt + family.payloadLen);
      while (conf.next()) {
        if (conf.type !== C.IFLA_INET_CONF) continue;
        // An array of u32, one per IPV4_DEVCONF_* from 1: the value of setting N is at (N - 1) * 4.
        const at = conf.payloadAt;
        const count = conf.payloadLen >> 2;
        const out = {} as Ipv4Settings;
        for (const [setting, id] of Object.entries(IPV4_DEVCONF) as [Ipv4Setting, number][]) {
          if (id > count) return null;
          out[setting] = getU32(b, at + (id - 1) * 4);
        }
        return out;
      }
    }
  }
  return null;
}

/** Every link message of the namespace, decoded by `decode` (null entries skipped). */
export function dumpLinksAs<T>(sock: DumpSocket, decode: (b: Uint8Array, payloadAt: number, end: number) => T | null): T[] {
  return consistentDump(() => {
    const out: T[] = [];
    const at = sock.begin(C.RTM_GETLINK, 0);
    sock.tx.fill(0, at, at + ifinfomsg.SIZE);
    sock.dump(at + ifinfomsg.SIZE, (type, b, payloadAt, end) => {
      if (type !== C.RTM_NEWLINK) return;
      const entry = decode(b, payloadAt, end);
      if (entry !== null) out.push(entry);
    });
    return out;
  });
}

function beginLink(sock: RtnlSocket, type: number, flags: number, ifindex: number, upFlags = 0, change = 0): number {
  const at = sock.begin(type, flags);
  ifinfomsg.encode(sock.tx, { family: C.AF_UNSPEC, type: 0, index: ifindex, flags: upFlags, change }, at);
  return at + ifinfomsg.SIZE;
}

/** RTM_NEWLINK creating a macvlan on its parent, with its MAC and mode (it stays down). */
export function encodeNewMacvlan(sock: RtnlSocket, spec: MacvlanSpec): number {
  let end = beginLink(sock, C.RTM_NEWLINK, C.NLM_F_CREATE | C.NLM_F_EXCL, 0);
  end = rtattr.putString(sock.tx, end, C.IFLA_IFNAME, spec.name);
  end = rtattr.putU32Attr(sock.tx, end, C.IFLA_LINK, spec.parentIfindex);
  end = rtattr.putBytes(sock.tx, end, C.IFLA_ADDRESS, spec.mac);
  const linkinfo = end;
  end = rtattr.beginNested(sock.tx, end, C.IFLA_LINKINFO);
  end = rtattr.putString(sock.tx, end, C.IFLA_INFO_KIND, MACVLAN_KIND);
  const data = end;
  end = rtattr.beginNested(sock.tx, end, C.IFLA_INFO_DATA);
  end = rtattr.putU32Attr(sock.tx, end, C.IFLA_MACVLAN_MODE, MACVLAN_MODES[spec.mode]);
  end = rtattr.endNested(sock.tx, data, end);
  return rtattr.endNested(sock.tx, linkinfo, end);
}

/** RTM_NEWLINK turning off IPv6 address generation (the kernel ignores IFLA_AF_SPEC when it creates a link). */
export function encodeAddrGenModeNone(sock: RtnlSocket, ifindex: number): number {
  let end = beginLink(sock, C.RTM_NEWLINK, 0, ifindex);
  const spec = end;
  end = rtattr.beginNested(sock.tx, end, C.IFLA_AF_SPEC);
  const inet6 = end;
  end = rtattr.beginNested(sock.tx, end, C.AF_INET6);
  end = rtattr.putU8Attr(sock.tx, end, C.IFLA_INET6_ADDR_GEN_MODE, C.IN6_ADDR_GEN_MODE_NONE);
  end = rtattr.endNested(sock.tx, inet6, end);
  return rtattr.endNested(sock.tx, spec, end);
}

/** RTM_NEWLINK setting IFF_UP on or off. */
export function encodeLinkUp(sock: RtnlSocket, ifindex: number, up: boolean): number {
  return beginLink(sock, C.RTM_NEWLINK, 0, ifindex, up ? C.IFF_UP : 0, C.IFF_UP);
}

export function encodeDeleteLink(sock: RtnlSocket, ifindex: number): number {
  return beginLink(sock, C.RTM_DELLINK, 0, ifindex);
}

/** RTM_NEWLINK writing IPv4 settings (IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF, one u32 per IPV4_DEVCONF_*). */
export function encodeIpv4Settings(sock: RtnlSocket, ifindex: number, settings: Partial<Ipv4Settings>): number {
  let end = beginLink(sock, C.RTM_NEWLINK, 0, ifindex);
  const spec = end;
  end = rtattr.beginNested(sock.tx, end, C.IFLA_AF_SPEC);
  const inet = end;
  end = rtattr.beginNested(sock.tx, end, C.AF_INET);
  const conf = end;
  end = rtattr.beginNested(sock.tx, end, C.IFLA_INET_CONF);
  for (const [setting, value] of Object.entries(settings) as [Ipv4Setting, number][]) {
    end = rtattr.putU32Attr(sock.tx, end, IPV4_DEVCONF[setting], value);
  }
  end = rtattr.endNested(sock.tx, conf, end);
  end = rtattr.endNested(sock.tx, inet, end);
  return rtattr.endNested(sock.tx, spec, end);
}
