// vipd and the real keepalived 2.2.7 as a VRRPv2 pair authenticating with IPsec AH (IP protocol 51), multicast and
// unicast: the interop matrix's failover story both ways round (election, priority-0 handover, preemption by a
// restarted router whose sequence number starts again, crash, nopreempt) with no advert rejected on either side.
// Wrong keys are in interop-mismatch.root.test.ts.
import { defineInteropMatrix } from "./interop-matrix.ts";

defineInteropMatrix([
  { name: "v2 multicast AH", version: 2, family: 4, advertInt: 1, auth: "Aa123456", authType: "AH", crash: "SIGKILL" },
  { name: "v2 unicast AH", version: 2, family: 4, advertInt: 1, auth: "ah1", authType: "AH", unicast: true, crash: "link down" },
]);
