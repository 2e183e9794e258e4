// Capabilities of the calling thread (capget/capset, prctl): read them, narrow them. Linux keeps every set per
// thread; a thread created later copies its creator's, and execve recomputes them from the bounding set.
import * as C from "./constants.ts";
import { lastErrno, lastError, libc } from "./libc.ts";
import { stableBuffer } from "./socket.ts";
import * as capUserData from "./structs/cap-user-data.ts";
import * as capUserHeader from "./structs/cap-user-header.ts";
import { ERRNO } from "./errno.ts";

/** The thread's sets as 64-bit masks, bit N = capability N. */
export interface ThreadCapabilities {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
}

const header = stableBuffer(capUserHeader.SIZE);
const data = stableBuffer(capUserData.SIZE * C._LINUX_CAPABILITY_U32S_3);

export function capget(): ThreadCapabilities {
  capUserHeader.encodeForThisThread(header, C._LINUX_CAPABILITY_VERSION_3);
  if (libc.capget(header, data) !== 0) throw lastError("capget");
  const count = C._LINUX_CAPABILITY_U32S_3;
  return {
    effective: capUserData.readMask(data, "effective", count),
    permitted: capUserData.readMask(data, "permitted", count),
    inheritable: capUserData.readMask(data, "inheritable", count),
  };
}

/** Sets the thread's three sets; the kernel refuses (EPERM) to add anything that is not already permitted. */
export function capset(sets: ThreadCapabilities): void {
  capUserHeader.encodeForThisThread(header, C._LINUX_CAPABILITY_VERSION_3);
  const count = C._LINUX_CAPABILITY_U32S_3;
  capUserData.writeMask(data, "effective", count, sets.effective);
  capUserData.writeMask(data, "permitted", count, sets.permitted);
  capUserData.writeMask(data, "inheritable", count, sets.inheritable);
  if (libc.capset(header, data) !== 0) throw lastError("capset");
}

/** Whether `cap` is in the bounding set; null when this kernel does not know `cap` (EINVAL). */
export function boundingSetHas(cap: number): boolean | null {
  const result = libc.prctl(C.PR_CAPBSET_READ, cap, 0, 0, 0);
  if (result >= 0) return result === 1;
  if (lastErrno() === ERRNO.EINVAL) return null;
  throw lastError("prctl(PR_CAPBSET_READ)", String(cap));
}

/** Removes `cap` from the bounding set for good (needs CAP_SETPCAP in the effective set). */
export function dropFromBoundingSet(cap: number): void {
  if (libc.prctl(C.PR_CAPBSET_DROP, cap, 0, 0, 0) !== 0) throw lastError("prctl(PR_CAPBSET_DROP)", String(cap));
}

/** Empties the ambient set (no privilege needed). */
export function clearAmbientSet(): void {
  if (libc.prctl(C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) !== 0) throw lastError("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
}

/** Whether `cap` is in the ambient set. */
export function ambientSetHas(cap: number): boolean {
  const result = libc.prctl(C.PR_CAP_AMBIENT, C.PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
  if (result < 0) throw lastError("prctl(PR_CAP_AMBIENT_IS_SET)", String(cap));
  return result === 1;
}
