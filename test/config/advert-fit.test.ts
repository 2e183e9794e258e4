import { describe, expect, test } from "bun:test";
import type { AddressEntry, Link } from "../../src/adapters/address-manager.ts";
import { fitAdvert, fitAdverts, maxAdvertAddresses } from "../../src/config/advert-fit.ts";
import { formatConfigError } from "../../src/config/config-error.ts";
import { prepare } from "../../src/daemon/plan.ts";
import { advertLength } from "../../src/vrrp/advert.ts";
import { parseIp } from "../../src/vrrp/ip-address.ts";
import { FILE, loadOk } from "./helpers.ts";

/** `count` addresses of a family from the documentation ranges, written one per line from line 5 on. */
function vips(family: 4 | 6, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) =>
    family === 4
      ? `${["192.0.2", "198.51.100", "203.0.113"][(from + i) >> 8]}.${(from + i) & 255}`
      : `2001:db8::${(from + i + 1).toString(16)}`,
  );
}

function config(family: 4 | 6, count: number, extra = "") {
  const list = vips(family, count)
    .map((v) => `  "${v}",`)
    .join("\n");
  return loadOk(`[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = 51\nvirtual_ipaddress = [\n${list}\n]\n${extra}`);
}

describe("an advert fits one unfragmented packet on the interface's MTU (keepalived 2.2.7's rule)", () => {
  test("the count of addresses: MTU less Ethernet, IP and VRRP headers (and v2's auth data), at most 255", () => {
    // IPv6 on 1500: (1500 - 14 - 40 - 8) / 16 = 89.9.
    expect(maxAdvertAddresses(3, 6, 1500)).toBe(89);
    expect(maxAdvertAddresses(3, 6, 1280)).toBe(76);
    // IPv4 on 576: v2 carries 8 bytes of auth data, v3 none.
    expect(maxAdvertAddresses(2, 4, 576)).toBe(131);
    expect(maxAdvertAddresses(3, 4, 576)).toBe(133);
    // The count field is one byte: a jumbo frame carries no more than 255.
    expect(maxAdvertAddresses(2, 4, 1500)).toBe(255);
    expect(maxAdvertAddresses(3, 6, 9000)).toBe(255);
    expect(maxAdvertAddresses(3, 6, 60)).toBe(0);
  });

  test("what the rule lets through is never fragmented: the IP datagram stays within the MTU", () => {
    for (const mtu of [576, 1280, 1500, 4000, 9000]) {
      for (const [version, family, ipHeader] of [
        [2, 4, 20],
        [3, 4, 20],
        [3, 6, 40],
      ] as const) {
        const max = maxAdvertAddresses(version, family, mtu);
        expect(ipHeader + advertLength(version, family, max)).toBeLessThanOrEqual(mtu);
      }
    }
  });

  test("100 IPv6 VIPs on a 1500 MTU: the first 89 advertised, the last 11 moved after the excluded ones, with a warning", () => {
    const c = config(6, 100, 'virtual_ipaddress_excluded = ["2001:db8:1::1"]\n');
    const fit = fitAdvert(c.instances[0]!, 1500);
    expect(fit.instance.virtualIpaddress.map((v) => v.address)).toEqual(vips(6, 89));
    expect(fit.instance.virtualIpaddressExcluded.map((v) => v.address)).toEqual(["2001:db8:1::1", ...vips(6, 11, 89)]);
    expect(formatConfigError(fit.warning!)).toBe(
      `${FILE}:4: instances.VI_1.virtual_ipaddress: instance VI_1: 100 addresses do not fit one unfragmented advert on eth0 ` +
        "(MTU 1500: at most 89); the last 11 are moved to virtual_ipaddress_excluded (added as MASTER, not advertised), as keepalived does",
    );
    // The section as loaded is left as written.
    expect(c.instances[0]!.virtualIpaddress).toHaveLength(100);
  });

  test("the same list on a 9000 MTU fits: nothing moved, no warning", () => {
    const c = config(6, 100);
    const fit = fitAdvert(c.instances[0]!, 9000);
    expect(fit.warning).toBeNull();
    expect(fit.instance).toBe(c.instances[0]!);
  });

  test("IPv4 over the 8-bit count: loaded (no longer an error), 255 advertised, the rest moved; MTU unknown is said", () => {
    const c = config(4, 300);
    const fitted = fitAdverts(c, () => null);
    expect(fitted.config.instances[0]!.virtualIpaddress).toHaveLength(255);
    expect(fitted.config.instances[0]!.virtualIpaddressExcluded.map((v) => v.address)).toEqual(vips(4, 45, 255));
    expect(fitted.warnings.map(formatConfigError)).toEqual([
      `${FILE}:4: instances.VI_1.virtual_ipaddress: instance VI_1: 300 addresses do not fit one unfragmented advert on eth0 ` +
        "(MTU unknown, 1500 assumed: at most 255); the last 45 are moved to virtual_ipaddress_excluded (added as MASTER, not advertised), as keepalived does",
    ]);
  });

  test("VRRPv2 over IPv4 counts its auth data: on a 576 MTU 132 VIPs fit v3 but one is moved for v2", () => {
    expect(fitAdvert(config(4, 132, "version = 3\n").instances[0]!, 576).warning).toBeNull();
    const v2 = fitAdvert(config(4, 132, 'version = 2\nauthentication = { auth_type = "PASS", auth_pass = "secret" }\n').instances[0]!, 576);
    expect(v2.instance.virtualIpaddress).toHaveLength(131);
    expect(v2.warning!.message).toContain("the last 1 is moved");
  });
});

describe("prepare() applies the rule with the host's MTU", () => {
  const link = (mtu: number): Link => ({ ifindex: 2, name: "eth0", mac: new Uint8Array(6), mtu, up: true, carrier: true });
  const linkLocal: AddressEntry = { family: 6, ifindex: 2, address: parseIp("fe80::1")!, prefixlen: 64, scope: 253, label: "", flags: 0 };

  for (const [mtu, advertised] of [
    [1500, 89],
    [9000, 100],
  ] as const) {
    test(`MTU ${mtu}: ${advertised} addresses advertised, all 100 added as MASTER`, () => {
      const result = prepare(config(6, 100), { links: [link(mtu)], addresses: [linkLocal] }, () => null);
      if (!result.ok) throw new Error(result.problems.join("\n"));
      expect(result.prepared.node.instances[0]!.advertAddresses).toHaveLength(advertised);
      expect(result.prepared.plans[0]!.addresses).toHaveLength(100);
      expect(result.prepared.warnings).toHaveLength(advertised === 100 ? 0 : 1);
    });
  }
});
