// The process's capabilities, narrowed once at start (the policy, which ones and why, is src/daemon/privileges.ts).
// The Linux implementation is src/adapters/linux/capabilities.ts.

/** The capabilities a policy may name (a new one is added here, to the Linux table and to the policy). */
export const CAPABILITY_NAMES = ["CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID", "CAP_KILL"] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** The calling thread's sets, as /proc/PID/status shows them: 64-bit masks, bit N = capability N. */
export interface CapabilitySets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  bounding: bigint;
  ambient: bigint;
}

export interface CapabilityDrop {
  /** The sets once narrowed. */
  after: CapabilitySets;
  /**
   * False when the bounding set could not be narrowed (no CAP_SETPCAP, e.g. started without full root): programs
   * run later may then regain the capabilities through setuid-root or file capabilities.
   */
  boundingNarrowed: boolean;
  /**
   * Other threads of the process (ids) that still hold more: capset reaches only the calling thread, so threads
   * started before the drop keep what they had (see the pre-restart narrowing in src/cli/entry.ts).
   */
  threadsHoldingMore: number[];
  /** Capabilities asked for that the process never had (started without full root): what needs them will fail. */
  missing: CapabilityName[];
}

/** Keeps only `keep` in every set of the calling thread; throws (AdapterError) when the kernel refuses. */
export type KeepOnlyCapabilities = (keep: readonly CapabilityName[]) => CapabilityDrop;

/** `mask` as /proc/PID/status prints it (16 hex digits). */
export function capabilityMaskText(mask: bigint): string {
  return mask.toString(16).padStart(16, "0");
}
