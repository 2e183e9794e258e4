// Classic BPF programs for the IPv6 VRRP receive path. The AF_PACKET/SOCK_DGRAM socket sees the IPv6 header at
// offset 0, so the hop limit reaches user space through Bun's stream (which cannot carry ancillary data).
import * as C from "../../../ffi/constants.ts";
import type { sockFilter } from "../../../ffi/structs/index.ts";
import { IPPROTO_VRRP } from "../../vrrp/constants.ts";
import { IPV6_EXTENSION_HEADERS, IPV6_HEADER_LENGTH } from "./ip-datagrams.ts";

type Insn = sockFilter.Instruction;

const stmt = (code: number, k: number): Insn => ({ code, jt: 0, jf: 0, k });

const IPV6_NEXT_HEADER_OFFSET = 6;
const IPV6_PAYLOAD_LENGTH_OFFSET = 4;
/** Extension headers walked in the kernel; a longer chain is handed to user space, which walks the rest. */
const WALKED_EXTENSION_HEADERS = 5;

/** A jump whose targets are labels, resolved to the forward offsets BPF wants once the program is laid out. */
interface LabelledJump {
  code: number;
  k: number;
  jt: string | null;
  jf: string | null;
}
type Line = Insn | LabelledJump | { label: string };

function assemble(lines: readonly Line[]): Insn[] {
  const at = new Map<string, number>();
  const program: (Insn | LabelledJump)[] = [];
  for (const line of lines) {
    if ("label" in line) at.set(line.label, program.length);
    else program.push(line);
  }
  return program.map((insn, i) => {
    if (typeof insn.jt === "number") return insn as Insn;
    const offset = (label: string | null) => {
      if (label === null) return 0;
      const target = at.get(label);
      if (target === undefined || target <= i || target - i - 1 > 255) throw new Error(`BPF label ${label} out of reach from ${i}`);
      return target - i - 1;
    };
    const j = insn as LabelledJump;
    return { code: j.code, k: j.k, jt: offset(j.jt), jf: offset(j.jf) };
  });
}

const jeq = (k: number, jt: string | null, jf: string | null = null): LabelledJump => ({
  code: C.BPF_JMP | C.BPF_JEQ | C.BPF_K,
  k,
  jt,
  jf,
});

/** A = the next header; goes to `ifExtension` for an extension header, `ifVrrp` for VRRP, `otherwise` else. */
function classify(ifVrrp: string, ifExtension: string, otherwise: string): Line[] {
  const extensions = [...IPV6_EXTENSION_HEADERS];
  const last = extensions.pop()!;
  return [jeq(IPPROTO_VRRP, ifVrrp), ...extensions.map((h) => jeq(h, ifExtension)), jeq(last, ifExtension, otherwise)];
}

function walk(): Line[] {
  const lines: Line[] = [
    stmt(C.BPF_LDX | C.BPF_W | C.BPF_IMM, IPV6_HEADER_LENGTH), // X: where the header after the fixed one starts
    stmt(C.BPF_LD | C.BPF_B | C.BPF_ABS, IPV6_NEXT_HEADER_OFFSET),
  ];
  for (let i = 0; i < WALKED_EXTENSION_HEADERS; i++) {
    lines.push(...classify("accept", `skip${i}`, "drop"), { label: `skip${i}` });
    // Every extension header walked here starts with its next header and its length in 8-byte units beyond the
    // first 8 (the fragment header's reserved byte is 0: 8 bytes, as it is).
    lines.push(
      stmt(C.BPF_LD | C.BPF_B | C.BPF_IND, 0),
      stmt(C.BPF_ST, 0),
      stmt(C.BPF_LD | C.BPF_B | C.BPF_IND, 1),
      stmt(C.BPF_ALU | C.BPF_ADD | C.BPF_K, 1),
      stmt(C.BPF_ALU | C.BPF_LSH | C.BPF_K, 3),
      stmt(C.BPF_ALU | C.BPF_ADD | C.BPF_X, 0),
      stmt(C.BPF_MISC | C.BPF_TAX, 0),
      stmt(C.BPF_LD | C.BPF_MEM, 0),
    );
  }
  return [...lines, ...classify("accept", "accept", "drop")];
}

/**
 * Accept only packets received from others (not PACKET_OUTGOING: a packet socket also sees what this host sends)
 * that carry VRRP, directly or behind extension headers (hop-by-hop, routing, destination options, fragment: user
 * space accepts some and counts the rest by reason, instead of their vanishing here), and whose payload length fits
 * the frame; deliver exactly 40 + payload length bytes, so Ethernet padding never sits between two packets of a
 * chunk. A load past the end of the packet (a truncated extension header) ends the program: dropped.
 */
export const VRRP6_RECEIVE_FILTER: readonly Insn[] = assemble([
  stmt(C.BPF_LD | C.BPF_W | C.BPF_ABS, C.SKF_AD_OFF + C.SKF_AD_PKTTYPE),
  jeq(C.PACKET_OUTGOING, "drop"),
  ...walk(),
  { label: "accept" },
  stmt(C.BPF_LDX | C.BPF_W | C.BPF_LEN, 0),
  stmt(C.BPF_LD | C.BPF_H | C.BPF_ABS, IPV6_PAYLOAD_LENGTH_OFFSET),
  stmt(C.BPF_ALU | C.BPF_ADD | C.BPF_K, IPV6_HEADER_LENGTH),
  { code: C.BPF_JMP | C.BPF_JGT | C.BPF_X, k: 0, jt: "drop", jf: null },
  stmt(C.BPF_RET | C.BPF_A, 0),
  { label: "drop" },
  stmt(C.BPF_RET | C.BPF_K, 0),
]);

/** Receive nothing: for send-only sockets whose protocol would otherwise queue every incoming VRRP packet. */
export const DROP_ALL_FILTER: readonly Insn[] = [stmt(C.BPF_RET | C.BPF_K, 0)];
