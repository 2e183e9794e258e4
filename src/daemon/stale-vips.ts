// keepalived removes its instances' addresses left behind by an earlier run (a crash, a SIGKILL) at start-up;
// so does vipd, before any instance starts, so a BACKUP never answers for a VIP it does not hold.

import type { AddressManager } from "../adapters/address-manager.ts";
import { formatIp, sameAddress } from "../vrrp/ip-address.ts";
import { describe } from "./describe-error.ts";
import type { Log } from "./log.ts";
import type { InstancePlan } from "./plan.ts";

export function removeStaleVips(
  addresses: AddressManager,
  plans: readonly Pick<InstancePlan, "name" | "addresses">[],
  log: Log,
  ifnameOf: (ifindex: number) => string | undefined,
): void {
  const present = [...addresses.addresses(4), ...addresses.addresses(6)];
  for (const plan of plans) {
    for (const spec of plan.addresses) {
      const found = present.find(
        (a) =>
          a.ifindex === spec.ifindex &&
          a.address.length === spec.address.length &&
          sameAddress(a.address, 0, spec.address, 0, spec.address.length),
      );
      if (!found) continue;
      try {
        addresses.deleteAddress({ ...spec, prefixlen: found.prefixlen });
        log.warn(
          `removed ${formatIp(spec.address)}/${found.prefixlen} from ${ifnameOf(spec.ifindex) ?? spec.ifindex}: left behind by an earlier run of ${plan.name}`,
        );
      } catch (error) {
        log.error(`could not remove stale ${formatIp(spec.address)} of ${plan.name}: ${describe(error)}`);
      }
    }
  }
}
