// An instance's virtual MAC (keepalived's use_vmac / vmac_xmit_base): the macvlan named after it, the virtual
// router MAC RFC 3768 §7.3 / RFC 5798 §8.1 give it, and the interfaces its adverts and VIPs use.

import type { IpFamily } from "../vrrp/ip-address.ts";
import { describeValue, type TableReader } from "./table-reader.ts";

export interface VmacConfig {
  /** The macvlan's name: `use_vmac = "NAME"`, or keepalived's default (defaultVmacNames); "" until it is given. */
  name: string;
  /** Adverts go out (and are heard) on the base interface; VIPs and announcements stay on the VMAC. */
  xmitBase: boolean;
}

export const VMAC_KEYS = ["use_vmac", "vmac_xmit_base"];

const IFNAME = /^[^\s/:]{1,15}$/;

/**
 * keepalived's default VMAC names, in the order it tries them: vrrp.VRID, then for IPv4 vrrp1.VRID, vrrp2.VRID…
 * and for IPv6 vrrp6.VRID, vrrp1.VRID… (skipping 6). The first one no other instance has is taken.
 */
export function defaultVmacNames(vrid: number, family: IpFamily): string[] {
  const numbers = family === 4 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [6, 1, 2, 3, 4, 5, 7, 8, 9];
  return [`vrrp.${vrid}`, ...numbers.map((n) => `vrrp${n}.${vrid}`)];
}

/** 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6. */
export function virtualRouterMac(family: IpFamily, vrid: number): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid);
}

export function readVmac(r: TableReader): VmacConfig | null {
  const value = r.table.use_vmac;
  const xmitBase = r.bool("vmac_xmit_base", false);
  if (value === undefined || value === false) {
    if (xmitBase) r.problems.error(r.at("vmac_xmit_base"), "only applies with use_vmac (as keepalived says); set use_vmac or remove it");
    return null;
  }
  if (value === true) return { name: "", xmitBase };
  if (typeof value === "string" && IFNAME.test(value)) return { name: value, xmitBase };
  r.problems.error(
    r.at("use_vmac"),
    `must be true or an interface name of 1 to 15 characters without spaces, "/" or ":", got ${describeValue(value)}`,
  );
  return null;
}

/**
 * Where the instance's adverts go out and come in: its VMAC, unless vmac_xmit_base or unicast peers (their
 * adverts are addressed to the interface's own address, so they arrive on the interface, never on the VMAC).
 */
export function advertInterface(s: { interface: string; vmac: VmacConfig | null; unicastPeers: readonly string[] }): string {
  return s.vmac && !s.vmac.xmitBase && s.unicastPeers.length === 0 ? s.vmac.name : s.interface;
}

/** Where the instance's VIPs without a `dev` go: its VMAC when it has one. */
export function vipInterface(s: { interface: string; vmac: VmacConfig | null }): string {
  return s.vmac ? s.vmac.name : s.interface;
}
