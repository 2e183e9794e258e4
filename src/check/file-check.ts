// keepalived 2.2.7's FILE_CHECK verdict from the number in its track file (track_file.c,
// process_update_checker_track_file_status): with weight 0 the number is a switch, 0 up and anything else down
// (reverse: the other way round); otherwise number × weight (negated by reverse), kept within 32 bits, is added to
// the real server's weight, and the bottom of that range (-2147483648) means down. A file that is missing or holds
// no number counts as 0, as keepalived reads it.

import type { FileCheck } from "./check-definition.ts";

export interface FileCheckVerdict {
  up: boolean;
  /** Added to the real server's weight while up. */
  weightDelta: number;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export function fileCheckVerdict(check: FileCheck, value: number | null): FileCheckVerdict {
  const number = value ?? 0;
  if (check.weight === 0) return { up: (number === 0) !== check.reverse, weightDelta: 0 };
  const product = number * check.weight * (check.reverse ? -1 : 1);
  if (product <= INT_MIN) return { up: false, weightDelta: 0 };
  return { up: true, weightDelta: Math.min(INT_MAX, product) };
}
