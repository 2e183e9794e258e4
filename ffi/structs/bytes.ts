// Byte-order helpers on plain Uint8Arrays: no DataView is allocated per access, so hot paths stay allocation-free.
// "host" means the C struct's native order; the layouts in ffi/structs assume a little-endian LP64 Linux
// (x86_64, aarch64), and importing this module on anything else fails at once instead of corrupting structs.

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("ffi/structs assume a little-endian host");
}

export function getU16BE(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}
export function putU16BE(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
export function getU32BE(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}
export function putU32BE(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

export function getU16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
export function putU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
export function getU32(b: Uint8Array, o: number): number {
  return getI32(b, o) >>> 0;
}
export function getI32(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24);
}
export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}
/** A host-order 64-bit field holding a value below 2^53 (pointers, sizes). */
export function getU64(b: Uint8Array, o: number): number {
  return getU32(b, o) + getU32(b, o + 4) * 0x1_0000_0000;
}
export function putU64(b: Uint8Array, o: number, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a u64 below 2^53: ${v}`);
  putU32(b, o, v % 0x1_0000_0000);
  putU32(b, o + 4, Math.floor(v / 0x1_0000_0000));
}
