// What every MacvlanLinks must do, written once and run against the in-memory fake (test/adapters/fakes.test.ts)
// and the rtnetlink adapter inside a lab namespace (test/netns/port-contracts.root.test.ts, through the agent).
// Left out, because the fake cannot model it: that a created macvlan has no IPv6 link-local address
// (test/netns/vmac.root.test.ts checks it on the kernel). Returns the failures, [] when it holds.
import type { MacvlanLinks } from "../../src/adapters/macvlan-links.ts";

async function refusedWith(code: string, fn: () => void): Promise<string | null> {
  try {
    fn();
  } catch (e) {
    const got = (e as { code?: string }).code;
    return got === code ? null : `expected ${code}, got ${got ?? String(e)}`;
  }
  return `expected ${code}, but it succeeded`;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export async function macvlanLinksContract(m: MacvlanLinks, parentIfindex: number): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const refused = async (code: string, what: string, fn: () => void) => {
    const problem = await refusedWith(code, fn);
    if (problem) failures.push(`${what}: ${problem}`);
  };
  const mac = Uint8Array.of(0x00, 0x00, 0x5e, 0x00, 0x01, 0x33);
  const created = m.create({ name: "vmc0", parentIfindex, mac, mode: "private" });
  const listed = m.macvlans().find((l) => l.name === "vmc0");
  check(listed !== undefined && listed.ifindex === created.ifindex, "a created macvlan is listed with its ifindex");
  check(listed?.parentIfindex === parentIfindex, `its parent is ifindex ${parentIfindex} (got ${listed?.parentIfindex})`);
  check(listed !== undefined && hex(listed.mac) === hex(mac), `its MAC is 00005e000133 (got ${listed && hex(listed.mac)})`);
  check(listed?.mode === "private", `its mode is private (got ${listed?.mode})`);
  check(listed?.up === false, "it is created down");
  await refused("EEXIST", "creating the same name twice", () => m.create({ name: "vmc0", parentIfindex, mac, mode: "private" }));
  await refused("ENODEV", "creating on a missing parent", () => m.create({ name: "vmc9", parentIfindex: 0x7ffff0, mac, mode: "private" }));

  m.setUp(created.ifindex, true);
  check(m.macvlans().find((l) => l.name === "vmc0")?.up === true, "setUp(true) brings it up");

  const vmacSettings = { arp_ignore: 1, accept_local: 1, rp_filter: 0, promote_secondaries: 1, drop_gratuitous_arp: 1 };
  m.setIpv4Settings(created.ifindex, vmacSettings);
  const read = m.ipv4Settings(created.ifindex);
  check(
    read.arp_ignore === 1 &&
      read.accept_local === 1 &&
      read.rp_filter === 0 &&
      read.promote_secondaries === 1 &&
      read.drop_gratuitous_arp === 1,
    `settings written are read back (got ${JSON.stringify(read)})`,
  );
  const parentBefore = m.ipv4Settings(parentIfindex);
  m.setIpv4Settings(parentIfindex, { arp_ignore: 1, arp_filter: 1 });
  const parentSet = m.ipv4Settings(parentIfindex);
  check(parentSet.arp_ignore === 1 && parentSet.arp_filter === 1, "the parent's settings change");
  check(parentSet.rp_filter === parentBefore.rp_filter, "settings not written keep their value");
  m.setIpv4Settings(parentIfindex, { arp_ignore: parentBefore.arp_ignore, arp_filter: parentBefore.arp_filter });
  const restored = m.ipv4Settings(parentIfindex);
  check(restored.arp_ignore === parentBefore.arp_ignore && restored.arp_filter === parentBefore.arp_filter, "and are restored");

  m.setIpv6Settings("vmc0", { accept_ra: 0 });
  check(m.ipv6Settings("vmc0").accept_ra === 0, "accept_ra written is read back");
  m.setIpv6Settings("vmc0", { disable_ipv6: 1 });
  const six = m.ipv6Settings("vmc0");
  check(six.disable_ipv6 === 1 && six.accept_ra === 0, `disable_ipv6 written is read back, accept_ra kept (got ${JSON.stringify(six)})`);
  await refused("EINVAL", "an interface name that leaves the directory", () => m.setIpv6Settings("../all", { accept_ra: 0 }));

  const igmpBefore = m.igmpLinkLocalReports();
  m.setIgmpLinkLocalReports(igmpBefore === 0 ? 1 : 0);
  check(m.igmpLinkLocalReports() === (igmpBefore === 0 ? 1 : 0), "igmp_link_local_mcast_reports written is read back");
  m.setIgmpLinkLocalReports(igmpBefore);

  const bridge = m.create({ name: "vmc1", parentIfindex, mac: Uint8Array.of(0x00, 0x00, 0x5e, 0x00, 0x02, 0x33), mode: "bridge" });
  check(m.macvlans().find((l) => l.ifindex === bridge.ifindex)?.mode === "bridge", "a bridge macvlan is listed as bridge");

  m.remove(created.ifindex);
  m.remove(bridge.ifindex);
  check(!m.macvlans().some((l) => l.name === "vmc0" || l.name === "vmc1"), "removed macvlans are gone");
  await refused("ENODEV", "removing a link twice", () => m.remove(created.ifindex));
  await refused("ENODEV", "reading the settings of a missing link", () => m.ipv4Settings(created.ifindex));
  await refused("ENODEV", "writing the IPv6 settings of a missing link", () => m.setIpv6Settings("vmc0", { accept_ra: 0 }));
  return failures;
}
