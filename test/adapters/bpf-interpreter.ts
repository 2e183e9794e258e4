// A classic BPF interpreter for the instructions vipd's socket filters use, as the kernel runs them
// (net/core/filter.c): a load past the end of the packet ends the program with 0 (dropped). Lets the filters be
// tried on hand-built packets without root.
import * as C from "../../ffi/constants.ts";
import type { sockFilter } from "../../ffi/structs/index.ts";

export interface BpfPacket {
  bytes: Uint8Array;
  /** sll_pkttype, read through SKF_AD_OFF + SKF_AD_PKTTYPE (PACKET_HOST by default). */
  pktType?: number;
}

/** Runs `program` on the packet: how many bytes it keeps (0: dropped). Throws on an instruction it does not know. */
export function runBpf(program: readonly sockFilter.Instruction[], packet: BpfPacket): number {
  const b = packet.bytes;
  const mem = new Uint32Array(16);
  let a = 0;
  let x = 0;
  const load = (at: number, size: 1 | 2 | 4): number | null => {
    if (at === C.SKF_AD_OFF + C.SKF_AD_PKTTYPE) return packet.pktType ?? 0;
    if (at < 0 || at + size > b.length) return null;
    let v = 0;
    for (let i = 0; i < size; i++) v = (v << 8) | b[at + i]!;
    return v >>> 0;
  };
  for (let pc = 0, steps = 0; pc < program.length && steps < 4096; pc++, steps++) {
    const { code, jt, jf, k } = program[pc]!;
    const cls = code & 0x07;
    const size = (code & 0x18) === C.BPF_B ? 1 : (code & 0x18) === C.BPF_H ? 2 : 4;
    const mode = code & 0xe0;
    if (cls === C.BPF_LD || cls === C.BPF_LDX) {
      let v: number | null;
      if (mode === C.BPF_ABS) v = load(k, size);
      else if (mode === C.BPF_IND) v = load(x + k, size);
      else if (mode === C.BPF_MEM) v = mem[k]!;
      else if (mode === C.BPF_LEN) v = b.length;
      else if (mode === C.BPF_IMM) v = k >>> 0;
      else throw new Error(`BPF load mode ${mode.toString(16)} at ${pc}`);
      if (v === null) return 0;
      if (cls === C.BPF_LD) a = v;
      else x = v;
    } else if (cls === C.BPF_ST) {
      mem[k] = a;
    } else if (cls === C.BPF_ALU) {
      const operand = (code & C.BPF_X) !== 0 ? x : k >>> 0;
      const op = code & 0xf0;
      if (op === C.BPF_ADD) a = (a + operand) >>> 0;
      else if (op === C.BPF_LSH) a = (a << operand) >>> 0;
      else throw new Error(`BPF ALU op ${op.toString(16)} at ${pc}`);
    } else if (cls === C.BPF_JMP) {
      const operand = (code & C.BPF_X) !== 0 ? x : k >>> 0;
      const op = code & 0xf0;
      const taken = op === C.BPF_JEQ ? a === operand : op === C.BPF_JGT ? a > operand : null;
      if (taken === null) throw new Error(`BPF jump op ${op.toString(16)} at ${pc}`);
      pc += taken ? jt : jf;
    } else if (cls === C.BPF_RET) {
      return (code & 0x18) === C.BPF_A ? a : k >>> 0;
    } else if (cls === C.BPF_MISC && (code & 0xf8) === C.BPF_TAX) {
      x = a;
    } else {
      throw new Error(`BPF instruction ${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error("BPF program ran off its end");
}
