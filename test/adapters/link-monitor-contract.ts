// What every LinkMonitorFactory must do, written once and run against FakeNetlink (test/adapters/fakes.test.ts) and
// the rtnetlink monitor inside a lab namespace (test/netns/port-contracts.test.ts, through the agent). The world
// around the monitor (links coming and going, cables, addresses) is driven through LinkWorld: FakeNetlink's test
// controls for the fake, `ip` on a veth pair for the kernel. Returns the failures, [] when it holds.
//
// Not in the contract, because the fake does not model it: the kernel's extra events (a link-local address and
// repeated RTM_NEWLINKs when a link comes up, the veth peer's own events), and that Linux drops IPv6 addresses when
// a link goes down (keep_addr_on_down=0). The contract waits for the events it names and ignores the rest.
import type { AddressEntry, LinkEvent, LinkMonitorFactory } from "../../src/adapters/address-manager.ts";
import { formatIp } from "../../src/vrrp/ip-address.ts";
import { waitFor } from "../wait-for.ts";

export interface LinkWorld {
  /** Creates an Ethernet link `name`, administratively down, whose lower layer is there once it is up. */
  addLink(name: string): Promise<void>;
  setUp(name: string, up: boolean): Promise<void>;
  /** Takes the lower layer away (cable out, the veth peer down) or brings it back; the admin state stays. */
  setCarrier(name: string, on: boolean): Promise<void>;
  /** `prefix` as `198.51.100.7/24`; IPv6 ones without duplicate address detection. */
  addAddress(name: string, prefix: string): Promise<void>;
  deleteAddress(name: string, prefix: string): Promise<void>;
  removeLink(name: string): Promise<void>;
  /** How long an event may take to arrive. */
  deliveryMs: number;
  /** How long the contract waits before deciding that no (further) event will arrive. */
  quietMs: number;
}

const LINK = "ct0";
const AFTER_CLOSE = "ct1";
const V4_KEPT = "198.51.100.7/24";
const V4_DELETED = "198.51.100.8/32";
const V6 = "2001:db8:7::7/64";

const prefixOf = (a: AddressEntry): string => `${formatIp(a.address)}/${a.prefixlen}`;

export async function linkMonitorContract(monitors: LinkMonitorFactory, world: LinkWorld): Promise<string[]> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const events: LinkEvent[] = [];
  const trouble: string[] = [];
  const monitor = monitors.start(
    (e) => events.push(e),
    (m) => trouble.push(m),
  );
  let closed = false;
  /** The first event from index `from` on that matches, waiting up to deliveryMs for it. */
  const awaitEvent = async (what: string, from: number, match: (e: LinkEvent) => boolean): Promise<LinkEvent | null> => {
    const found = () => events.slice(from).find(match) ?? null;
    if (await waitFor(() => found() !== null, world.deliveryMs)) return found();
    failures.push(`${what}: no such event within ${world.deliveryMs} ms`);
    return null;
  };
  const linkState = (from: number, what: string, want: (l: { up: boolean; carrier: boolean }) => boolean) =>
    awaitEvent(what, from, (e) => e.type === "link" && e.link.name === LINK && e.change === "changed" && want(e.link));

  try {
    let from = events.length;
    await world.addLink(LINK);
    const added = await awaitEvent(`link ${LINK} added`, from, (e) => e.type === "link" && e.link.name === LINK);
    const ifindex = added?.type === "link" ? added.link.ifindex : -1;
    if (added?.type === "link") {
      check(added.change === "new", `a new link is reported as change "new", not "${added.change}"`);
      check(!added.link.up && !added.link.carrier, "a new link that is down reports up false, carrier false");
      check(added.link.mac.length === 6 && added.link.mtu > 0, "a new Ethernet link reports its 6-byte MAC and its MTU");
    }

    from = events.length;
    await world.setUp(LINK, true);
    const up = await linkState(from, "admin up with the lower layer there", (l) => l.up && l.carrier);
    check(up === null || (up.type === "link" && up.link.ifindex === ifindex), "link events keep the link's ifindex");
    from = events.length;
    await world.setCarrier(LINK, false);
    await linkState(from, "carrier lost while admin up", (l) => l.up && !l.carrier);
    from = events.length;
    await world.setCarrier(LINK, true);
    await linkState(from, "carrier back", (l) => l.up && l.carrier);

    for (const prefix of [V4_KEPT, V4_DELETED, V6]) {
      from = events.length;
      await world.addAddress(LINK, prefix);
      const e = await awaitEvent(`address ${prefix} added`, from, (x) => x.type === "address-added" && prefixOf(x.address) === prefix);
      if (e?.type !== "address-added") continue;
      const a = e.address;
      const v4 = !prefix.includes(":");
      check(a.family === (v4 ? 4 : 6) && a.ifindex === ifindex && a.scope === 0, `${prefix} added: family, ifindex and scope`);
      // The kernel labels IPv4 addresses with the link's name unless told otherwise; IPv6 has no labels.
      check(a.label === (v4 ? LINK : ""), `${prefix} added with label "${a.label}"`);
    }
    for (const prefix of [V4_DELETED, V6]) {
      from = events.length;
      await world.deleteAddress(LINK, prefix);
      const e = await awaitEvent(`address ${prefix} removed`, from, (x) => x.type === "address-removed" && prefixOf(x.address) === prefix);
      check(e === null || (e.type === "address-removed" && e.address.ifindex === ifindex), `${prefix} removed from ifindex ${ifindex}`);
    }

    from = events.length;
    await world.setUp(LINK, false);
    await linkState(from, "admin down", (l) => !l.up);

    from = events.length;
    await world.removeLink(LINK);
    await awaitEvent(`${V4_KEPT} removed with its link`, from, (e) => e.type === "address-removed" && prefixOf(e.address) === V4_KEPT);
    const gone = await awaitEvent(`link ${LINK} removed`, from, (e) => e.type === "link-removed" && e.name === LINK);
    check(gone === null || (gone.type === "link-removed" && gone.ifindex === ifindex), "link-removed names the link's ifindex");

    check(trouble.length === 0, `no trouble reported when no event was lost (got ${trouble.join("; ")})`);
    await monitor.close();
    closed = true;
    from = events.length;
    await world.addLink(AFTER_CLOSE);
    await world.setUp(AFTER_CLOSE, true);
    await world.removeLink(AFTER_CLOSE);
    await Bun.sleep(world.quietMs);
    check(events.length === from, `after close() no more events (got ${events.slice(from).map((e) => e.type)})`);
  } catch (e) {
    failures.push((e as Error).message);
  } finally {
    if (!closed) await monitor.close();
  }
  return failures;
}
