// Narrowing the calling thread's capabilities: bounding set first (dropping from it needs CAP_SETPCAP, which the
// last step gives up), then the ambient set, then effective/permitted/inheritable in one capset.
import { readdirSync, readFileSync } from "node:fs";
import {
  ambientSetHas,
  boundingSetHas,
  CAP_KILL,
  CAP_NET_ADMIN,
  CAP_NET_RAW,
  CAP_SETGID,
  CAP_SETPCAP,
  CAP_SETUID,
  capget,
  capset,
  clearAmbientSet,
  dropFromBoundingSet,
} from "../../../ffi/index.ts";
import { adapterCall } from "../adapter-error.ts";
import type { CapabilityDrop, CapabilityName, CapabilitySets } from "../capabilities.ts";

const CAPABILITY_NUMBERS: Readonly<Record<CapabilityName, number>> = {
  CAP_NET_ADMIN,
  CAP_NET_RAW,
  CAP_SETUID,
  CAP_SETGID,
  CAP_KILL,
};

/** Capability numbers are below 64 (two 32-bit words in the kernel's interface); the kernel's last is far lower. */
const MAX_CAPABILITIES = 64;

function bit(cap: number): bigint {
  return 1n << BigInt(cap);
}

/** Every capability this kernel knows, by asking the bounding set until it answers EINVAL. */
function knownCapabilities(): number[] {
  const known: number[] = [];
  for (let cap = 0; cap < MAX_CAPABILITIES && boundingSetHas(cap) !== null; cap++) known.push(cap);
  return known;
}

/** The calling thread's five sets. */
export function threadCapabilities(): CapabilitySets {
  return adapterCall("read capabilities", () => {
    const { effective, permitted, inheritable } = capget();
    let bounding = 0n;
    let ambient = 0n;
    for (const cap of knownCapabilities()) {
      if (boundingSetHas(cap)) bounding |= bit(cap);
      if (ambientSetHas(cap)) ambient |= bit(cap);
    }
    return { effective, permitted, inheritable, bounding, ambient };
  });
}

export function keepOnlyCapabilities(keep: readonly CapabilityName[]): CapabilityDrop {
  const keepMask = keep.reduce((mask, name) => mask | bit(CAPABILITY_NUMBERS[name]), 0n);
  return adapterCall(`keep only ${keep.join(", ")}`, () => {
    const before = capget();
    const surplus = knownCapabilities().filter((cap) => (keepMask & bit(cap)) === 0n && boundingSetHas(cap));
    const boundingNarrowed = surplus.length === 0 || (before.effective & bit(CAP_SETPCAP)) !== 0n;
    if (boundingNarrowed) for (const cap of surplus) dropFromBoundingSet(cap);
    clearAmbientSet();
    // Only ever narrows: a capability the thread does not hold is not claimed (capset would refuse it).
    const kept = before.permitted & keepMask;
    capset({ effective: kept, permitted: kept, inheritable: 0n });
    const missing = keep.filter((name) => (kept & bit(CAPABILITY_NUMBERS[name])) === 0n);
    return { after: threadCapabilities(), boundingNarrowed, threadsHoldingMore: threadsHoldingMore(kept), missing };
  });
}

/** The process's threads whose effective or permitted set holds more than `mask` (from /proc/self/task). */
function threadsHoldingMore(mask: bigint): number[] {
  const found: number[] = [];
  for (const tid of readdirSync("/proc/self/task")) {
    let status: string;
    try {
      status = readFileSync(`/proc/self/task/${tid}/status`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const field of ["CapEff", "CapPrm"]) {
      const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status)?.[1];
      if (hex !== undefined && (BigInt(`0x${hex}`) & ~mask) !== 0n) {
        found.push(Number(tid));
        break;
      }
    }
  }
  return found;
}
