// vipd and the real keepalived 2.2.7 as a VRRPv2 pair (multicast without and with PASS authentication, unicast):
// elections, priority-0 handover, preemption, nopreempt and crashes, both ways round. The matrix and the story are
// in interop-matrix.ts.
import { CONFIGS, defineInteropMatrix } from "./interop-matrix.ts";

defineInteropMatrix(CONFIGS.filter((c) => c.version === 2));
