// What a MASTER holds on the host: its VIPs (and excluded addresses), virtual routes and rules, and in no-accept
// mode the filter dropping the VIPs' traffic. Claimed on becoming MASTER, released on leaving it; an error is
// logged and the rest carries on, so one refused address never keeps the others from the clients.

import { AdapterError } from "../adapters/adapter-error.ts";
import type { AddressManager, AddressSpec, RouteSpec, RuleSpec } from "../adapters/address-manager.ts";
import type { NoAcceptFilter } from "../adapters/no-accept-filter.ts";
import { formatIp } from "../vrrp/ip-address.ts";
import { describe } from "./describe-error.ts";
import type { Log } from "./log.ts";
import type { InstancePlan } from "./plan.ts";

export type Holdings = Pick<InstancePlan, "addresses" | "routes" | "rules" | "blocked">;

export class AddressClaims {
  constructor(
    private readonly addresses: AddressManager,
    private readonly noAccept: NoAcceptFilter,
  ) {}

  claim(holdings: Holdings, log: Log): void {
    // As keepalived: the filter first, so that no packet reaches a VIP in the instant after it is added.
    if (holdings.blocked.length > 0)
      this.attempt(
        () => this.noAccept.block(holdings.blocked),
        [],
        () => "no-accept mode: block the VIPs",
        log,
      );
    for (const spec of holdings.addresses) this.restore(spec, log);
    for (const route of holdings.routes)
      this.attempt(
        () => this.addresses.addRoute(route),
        ["EEXIST"],
        () => "add route",
        log,
      );
    for (const rule of holdings.rules)
      this.attempt(
        () => this.addresses.addRule(rule),
        ["EEXIST"],
        () => "add rule",
        log,
      );
  }

  release(holdings: Holdings, log: Log): void {
    for (const rule of holdings.rules)
      this.attempt(
        () => this.addresses.deleteRule(rule),
        ["ENOENT", "ESRCH"],
        () => "delete rule",
        log,
      );
    for (const route of holdings.routes) {
      this.attempt(
        () => this.addresses.deleteRoute(route),
        ["ESRCH", "ENOENT"],
        () => "delete route",
        log,
      );
    }
    for (const spec of holdings.addresses) {
      this.attempt(
        () => this.addresses.deleteAddress(spec),
        ["EADDRNOTAVAIL"],
        () => `delete ${formatAddressSpec(spec)}`,
        log,
      );
    }
    if (holdings.blocked.length > 0)
      this.attempt(
        () => this.noAccept.unblock(holdings.blocked),
        [],
        () => "no-accept mode: unblock the VIPs",
        log,
      );
  }

  /** Adds one address (again); already present is fine. */
  restore(spec: AddressSpec, log: Log): void {
    this.attempt(
      () => this.addresses.addAddress(spec),
      ["EEXIST"],
      () => `add ${formatAddressSpec(spec)}`,
      log,
    );
  }

  /**
   * Runs a netlink operation; the errno names listed (an AdapterError's code) mean "already as wanted" and are not errors. `what` is
   * formatted only for an error: formatting every VIP on the takeover path cost 0.3 ms there.
   */
  private attempt(operation: () => void, fine: readonly string[], what: () => string, log: Log): void {
    try {
      operation();
    } catch (error) {
      if (error instanceof AdapterError && fine.includes(error.code)) return;
      log.error(`${what()} failed: ${describe(error)}`);
    }
  }
}

/** What `a` holds that `b` does not: addresses by interface, address and prefix; routes and rules by content. */
export function holdingsMinus(a: Holdings, b: Holdings): Holdings {
  const addressKey = (s: AddressSpec) => `${s.ifindex}|${s.address.join(".")}|${s.prefixlen}`;
  const contentKey = (x: RouteSpec | RuleSpec) => JSON.stringify(x, (_k, v: unknown) => (v instanceof Uint8Array ? [...v].join(".") : v));
  const inB = new Set(b.addresses.map(addressKey));
  const blockedInB = new Set(b.blocked.map((x) => x.join(".")));
  const routesInB = new Set(b.routes.map(contentKey));
  const rulesInB = new Set(b.rules.map(contentKey));
  return {
    addresses: a.addresses.filter((s) => !inB.has(addressKey(s))),
    routes: a.routes.filter((r) => !routesInB.has(contentKey(r))),
    rules: a.rules.filter((r) => !rulesInB.has(contentKey(r))),
    blocked: a.blocked.filter((x) => !blockedInB.has(x.join("."))),
  };
}

export function formatAddressSpec(spec: AddressSpec): string {
  return `${formatIp(spec.address)}/${spec.prefixlen}`;
}
