// keepalived's options for how a MASTER answers other masters and how long a BACKUP waits before taking over:
// the same keys in [global] (the default) and in an instance (vrrp_* in keepalived's global_defs).

import { DOWN_TIMER_ADVERTS } from "../vrrp/timing.ts";
import type { ElectionConfig } from "./schema.ts";
import type { TableReader } from "./table-reader.ts";

export const ELECTION_KEYS = ["lower_prio_no_advert", "higher_prio_send_advert", "down_timer_adverts"] as const;

/**
 * vipd's defaults. keepalived's higher_prio_send_advert is off; vipd's is on: after a partition heals, the
 * winner hears the loser's last advert and answers with gratuitous ARPs, so clients still pointing at the loser
 * move over at once (keepalived without it waits for garp_master_refresh or the clients' ARP timeout).
 */
export const DEFAULT_ELECTION: ElectionConfig = {
  lowerPrioNoAdvert: false,
  higherPrioSendAdvert: true,
  downTimerAdverts: DOWN_TIMER_ADVERTS,
};

/** keepalived's limit. */
export const MAX_DOWN_TIMER_ADVERTS = 100;

export function readElection(r: TableReader, base: ElectionConfig): ElectionConfig {
  return {
    lowerPrioNoAdvert: r.bool("lower_prio_no_advert", base.lowerPrioNoAdvert),
    higherPrioSendAdvert: r.bool("higher_prio_send_advert", base.higherPrioSendAdvert),
    downTimerAdverts: r.int("down_timer_adverts", 1, MAX_DOWN_TIMER_ADVERTS, base.downTimerAdverts),
  };
}
