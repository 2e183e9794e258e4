// The life of no-accept mode's nftables table in the daemon: set up before any instance that needs it runs (at
// start or on the reload that brings the first one), removed at stop. A table left by a crashed run is replaced
// at start, or removed when no instance needs one any more. While installed it drops only what the MASTERs in
// no-accept mode put in it (AddressClaims), so keeping it across reloads costs nothing.
import type { NoAcceptFilter } from "../adapters/no-accept-filter.ts";
import { describe } from "./describe-error.ts";
import type { Log } from "./log.ts";
import type { InstancePlan } from "./plan.ts";

export class NoAcceptTable {
  private installed = false;

  constructor(
    private readonly filter: NoAcceptFilter,
    private readonly log: Log,
  ) {}

  /** Before the driver runs `plans`. Throws when an instance needs the table and it cannot be set up. */
  prepare(plans: readonly InstancePlan[], atStart: boolean): void {
    const users = plans.filter((p) => p.blocked.length > 0).map((p) => p.name);
    if (users.length > 0 && !this.installed) {
      try {
        this.filter.install();
      } catch (error) {
        throw new Error(`no-accept mode (accept = false) of ${users.join(", ")}: cannot set up the nftables table: ${describe(error)}`);
      }
      this.installed = true;
      this.log.info(`no-accept mode for ${users.join(", ")}: nftables table inet vipd set up`);
    } else if (users.length === 0 && atStart) {
      // Nothing needs one: a table an earlier run left (a crash) must not go on dropping traffic.
      try {
        this.filter.remove();
      } catch (error) {
        this.log.warn(`could not remove a no-accept table an earlier run may have left: ${describe(error)}`);
      }
      // Its netlink socket (and 96 KiB of buffers) is not kept for a table nobody uses; install() opens it again.
      this.filter.close();
    }
  }

  /** At stop, after every VIP is released. */
  remove(): void {
    if (!this.installed) return;
    try {
      this.filter.remove();
      this.installed = false;
    } catch (error) {
      this.log.error(`could not remove the no-accept table (nftables table inet vipd): ${describe(error)}`);
    }
    this.filter.close();
  }
}
