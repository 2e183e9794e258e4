// RFC timer arithmetic. Centiseconds are the protocol's unit (v3 carries them; v2's seconds are 100 cs);
// milliseconds are the driver's clock unit.

import type { VrrpVersion } from "./advert.ts";

/**
 * Skew_Time. v2 (RFC 3768 §6.1): (256 − Priority) / 256 seconds, whatever the interval.
 * v3 (RFC 5798 §6.1): ((256 − Priority) × Master_Adver_Interval) / 256 centiseconds.
 */
export function skewTimeMs(version: VrrpVersion, priority: number, masterAdverIntervalCs: number): number {
  if (version === 2) return ((256 - priority) * 1000) / 256;
  return ((256 - priority) * masterAdverIntervalCs * 10) / 256;
}

/** The RFC's count of missed adverts in Master_Down_Interval (keepalived's down_timer_adverts changes it). */
export const DOWN_TIMER_ADVERTS = 3;

/** Master_Down_Interval = N × Master_Adver_Interval + Skew_Time, N = 3 in the RFCs. */
export function masterDownIntervalMs(
  version: VrrpVersion,
  priority: number,
  masterAdverIntervalCs: number,
  downTimerAdverts = DOWN_TIMER_ADVERTS,
): number {
  return downTimerAdverts * masterAdverIntervalCs * 10 + skewTimeMs(version, priority, masterAdverIntervalCs);
}
