// Addresses, routes, rules and links kept in memory, with the kernel's refusals (EEXIST, EADDRNOTAVAIL, ENODEV,
// ESRCH, ENOENT) and the same events the Linux monitor reports. For driver tests and the shared contract suite.
import type {
  AddressEntry,
  AddressManager,
  AddressSpec,
  Link,
  LinkEvent,
  LinkEventHandler,
  LinkMonitorTroubleHandler,
  LinkMonitor,
  LinkMonitorFactory,
  RouteSpec,
  RuleSpec,
} from "../../src/adapters/address-manager.ts";
import { RT_TABLE_MAIN } from "../../ffi/constants.ts";
import type { ErrnoCode } from "../../ffi/errno.ts";
import { AdapterError } from "../../src/adapters/adapter-error.ts";
import { formatIp, type IpFamily } from "../../src/vrrp/ip-address.ts";

function refusal(code: ErrnoCode, what: string): AdapterError {
  return AdapterError.refused(what, code);
}

const routeKey = (r: RouteSpec) =>
  `${r.family} ${formatIp(r.dst)}/${r.prefixlen} table ${r.table ?? RT_TABLE_MAIN}${r.blackhole ? " blackhole" : ""}`;
const ruleKey = (r: RuleSpec) =>
  `${r.family} from ${r.from ? `${formatIp(r.from.address)}/${r.from.prefixlen}` : "all"} to ${r.to ? `${formatIp(r.to.address)}/${r.to.prefixlen}` : "all"} table ${r.table} prio ${r.priority ?? -1}`;

export class FakeNetlink implements AddressManager, LinkMonitorFactory {
  private readonly linkTable = new Map<number, Link>();
  private addressTable: AddressEntry[] = [];
  readonly routes = new Map<string, RouteSpec>();
  readonly rules = new Map<string, RuleSpec>();
  private readonly monitors = new Set<{ onEvent: LinkEventHandler; onTrouble: LinkMonitorTroubleHandler }>();

  constructor(links: Link[] = [{ ifindex: 1, name: "lo", mac: new Uint8Array(6), mtu: 65536, up: true, carrier: true }]) {
    for (const l of links) this.linkTable.set(l.ifindex, { ...l });
  }

  private emit(e: LinkEvent): void {
    for (const m of this.monitors) m.onEvent(e);
  }

  // Test controls: what the kernel would do on its own.
  addLink(link: Link): void {
    this.linkTable.set(link.ifindex, { ...link });
    this.emit({ type: "link", link: { ...link }, change: "new" });
  }

  setLink(ifindex: number, change: Partial<Pick<Link, "up" | "carrier" | "mtu">>): void {
    const link = this.linkTable.get(ifindex);
    if (!link) throw refusal("ENODEV", "setLink");
    Object.assign(link, change);
    this.emit({ type: "link", link: { ...link }, change: "changed" });
  }

  removeLink(ifindex: number): void {
    const link = this.linkTable.get(ifindex);
    if (!link) return;
    this.linkTable.delete(ifindex);
    for (const a of this.addressTable.filter((x) => x.ifindex === ifindex)) this.emit({ type: "address-removed", address: a });
    this.addressTable = this.addressTable.filter((x) => x.ifindex !== ifindex);
    this.emit({ type: "link-removed", ifindex, name: link.name });
  }

  /** Events were lost: every monitor gets a resync with the full state, as after ENOBUFS. */
  overflow(): void {
    for (const m of this.monitors) {
      m.onTrouble("link monitor: events lost (ENOBUFS); reopening the event socket and resynchronising");
      m.onEvent({ type: "resync", links: this.links(), addresses: [...this.addresses(4), ...this.addresses(6)] });
    }
  }

  links(): Link[] {
    return [...this.linkTable.values()].map((l) => ({ ...l }));
  }

  addresses(family: IpFamily, ifindex?: number): AddressEntry[] {
    return this.addressTable.filter((a) => a.family === family && (ifindex === undefined || a.ifindex === ifindex)).map((a) => ({ ...a }));
  }

  private find(s: AddressSpec): number {
    return this.addressTable.findIndex(
      (a) => a.ifindex === s.ifindex && a.prefixlen === s.prefixlen && formatIp(a.address) === formatIp(s.address),
    );
  }

  addAddress(s: AddressSpec): void {
    if (!this.linkTable.has(s.ifindex)) throw refusal("ENODEV", "rtnetlink RTM_NEWADDR");
    if (this.find(s) >= 0) throw refusal("EEXIST", "rtnetlink RTM_NEWADDR");
    const entry: AddressEntry = {
      family: s.address.length === 4 ? 4 : 6,
      ifindex: s.ifindex,
      address: s.address.slice(),
      prefixlen: s.prefixlen,
      scope: s.scope ?? 0,
      label: s.address.length === 4 ? (s.label ?? this.linkTable.get(s.ifindex)!.name) : "",
      flags: s.nodad ? 0x02 : 0,
    };
    this.addressTable.push(entry);
    this.emit({ type: "address-added", address: { ...entry } });
  }

  deleteAddress(s: AddressSpec): void {
    const i = this.find(s);
    if (i < 0) throw refusal("EADDRNOTAVAIL", "rtnetlink RTM_DELADDR");
    const [entry] = this.addressTable.splice(i, 1);
    this.emit({ type: "address-removed", address: entry! });
  }

  addRoute(r: RouteSpec): void {
    if (r.ifindex !== undefined && !this.linkTable.has(r.ifindex)) throw refusal("ENODEV", "rtnetlink RTM_NEWROUTE");
    if (this.routes.has(routeKey(r))) throw refusal("EEXIST", "rtnetlink RTM_NEWROUTE");
    this.routes.set(routeKey(r), r);
  }

  deleteRoute(r: RouteSpec): void {
    if (!this.routes.delete(routeKey(r))) throw refusal("ESRCH", "rtnetlink RTM_DELROUTE");
  }

  addRule(r: RuleSpec): void {
    if (this.rules.has(ruleKey(r))) throw refusal("EEXIST", "rtnetlink RTM_NEWRULE");
    this.rules.set(ruleKey(r), r);
  }

  deleteRule(r: RuleSpec): void {
    if (!this.rules.delete(ruleKey(r))) throw refusal("ENOENT", "rtnetlink RTM_DELRULE");
  }

  close(): void {}

  start(onEvent: LinkEventHandler, onTrouble: LinkMonitorTroubleHandler): LinkMonitor {
    const entry = { onEvent, onTrouble };
    this.monitors.add(entry);
    const monitors = this.monitors;
    return {
      resyncs: 0,
      async close() {
        monitors.delete(entry);
      },
    };
  }
}
