// Classic BPF programs for the IPv6 VRRP receive path. The AF_PACKET/SOCK_DGRAM socket sees the IPv6 header at
// offset 0, so the hop limit reaches user space through Bun's stream (which cannot carry ancillary data).
import * as C from "../../../ffi/constants.ts";
import type { sockFilter } from "../../../ffi/structs/index.ts";
import { IPPROTO_VRRP } from "../../vrrp/constants.ts";
import { IPV6_HEADER_LENGTH } from "./ip-datagrams.ts";

type Insn = sockFilter.Instruction;

const stmt = (code: number, k: number): Insn => ({ code, jt: 0, jf: 0, k });
const jump = (code: number, k: number, jt: number, jf: number): Insn => ({ code, jt, jf, k });

const IPV6_NEXT_HEADER_OFFSET = 6;
const IPV6_PAYLOAD_LENGTH_OFFSET = 4;

/**
 * Accept only packets received from others (not PACKET_OUTGOING: a packet socket also sees what this host sends)
 * whose next header is VRRP and whose payload length fits the frame; deliver exactly 40 + payload length bytes, so
 * Ethernet padding never sits between two packets of a chunk.
 */
export const VRRP6_RECEIVE_FILTER: readonly Insn[] = [
  /* 0 */ stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, C.SKF_AD_OFF + C.SKF_AD_PKTTYPE),
  /* 1 */ jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, C.PACKET_OUTGOING, 7, 0),
  /* 2 */ stmt(C.BPF_LD | C.BPF_B | C.BPF_ABS, IPV6_NEXT_HEADER_OFFSET),
  /* 3 */ jump(C.BPF_JMP | C.BPF_JEQ | C.BPF_K, IPPROTO_VRRP, 0, 5),
  /* 4 */ stmt(C.BPF_LDX | C.BPF_W | C.BPF_LEN, 0),
  /* 5 */ stmt(C.BPF_LD | C.BPF_H | C.BPF_ABS, IPV6_PAYLOAD_LENGTH_OFFSET),
  /* 6 */ stmt(C.BPF_ALU | C.BPF_ADD | C.BPF_K, IPV6_HEADER_LENGTH),
  /* 7 */ jump(C.BPF_JMP | C.BPF_JGT | C.BPF_X, 0, 1, 0),
  /* 8 */ stmt(C.BPF_RET | C.BPF_A, 0),
  /* 9 */ stmt(C.BPF_RET | C.BPF_K, 0),
];

/** Receive nothing: for send-only sockets whose protocol would otherwise queue every incoming VRRP packet. */
export const DROP_ALL_FILTER: readonly Insn[] = [stmt(C.BPF_RET | C.BPF_K, 0)];
