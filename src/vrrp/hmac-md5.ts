// MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), written here because the core may import nothing (not even node:crypto)
// and keepalived authenticates AH adverts with HMAC-MD5-96 (vrrp_ipsecah.c). One HmacMd5 owns all its scratch
// space: computing a digest allocates nothing, so sending and checking an AH advert stays allocation-free.

const BLOCK_BYTES = 64;
export const MD5_DIGEST_BYTES = 16;

/** Per-round left rotations and the sine-derived constants of RFC 1321 §3.4. */
const SHIFTS = new Uint8Array([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11,
  16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);
const SINES = new Int32Array(64);
for (let i = 0; i < 64; i++) SINES[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0;

/** An incremental MD5: reset(), update() any number of times, finish() into a 16-byte buffer. */
class Md5 {
  private readonly state = new Int32Array(4);
  private readonly block = new Uint8Array(BLOCK_BYTES);
  private readonly words = new Int32Array(16);
  private blockFill = 0;
  private totalBytes = 0;

  reset(): void {
    this.state[0] = 0x67452301;
    this.state[1] = 0xefcdab89 | 0;
    this.state[2] = 0x98badcfe | 0;
    this.state[3] = 0x10325476;
    this.blockFill = 0;
    this.totalBytes = 0;
  }

  update(data: Uint8Array, offset: number, length: number): void {
    this.totalBytes += length;
    for (let i = 0; i < length; i++) {
      this.block[this.blockFill++] = data[offset + i]!;
      if (this.blockFill === BLOCK_BYTES) {
        this.compress();
        this.blockFill = 0;
      }
    }
  }

  /** Saves the state after whole blocks (a padded key), to resume from it with `restore`. */
  save(into: Int32Array): void {
    if (this.blockFill !== 0) throw new Error("md5: saved between blocks only");
    into.set(this.state);
  }

  restore(from: Int32Array, totalBytes: number): void {
    this.state.set(from);
    this.blockFill = 0;
    this.totalBytes = totalBytes;
  }

  finish(out: Uint8Array): void {
    const bits = this.totalBytes * 8;
    this.block[this.blockFill++] = 0x80;
    if (this.blockFill > BLOCK_BYTES - 8) {
      this.block.fill(0, this.blockFill);
      this.compress();
      this.blockFill = 0;
    }
    this.block.fill(0, this.blockFill, BLOCK_BYTES - 8);
    // The message length in bits, little-endian, low word first (lengths here stay far below 2^32 bytes).
    const low = bits >>> 0;
    const high = Math.floor(bits / 0x100000000) >>> 0;
    for (let i = 0; i < 4; i++) {
      this.block[56 + i] = (low >>> (8 * i)) & 0xff;
      this.block[60 + i] = (high >>> (8 * i)) & 0xff;
    }
    this.compress();
    for (let i = 0; i < 16; i++) out[i] = (this.state[i >> 2]! >>> (8 * (i & 3))) & 0xff;
  }

  private compress(): void {
    const w = this.words;
    const b8 = this.block;
    for (let i = 0; i < 16; i++) w[i] = b8[i * 4]! | (b8[i * 4 + 1]! << 8) | (b8[i * 4 + 2]! << 16) | (b8[i * 4 + 3]! << 24);
    let a = this.state[0]!;
    let b = this.state[1]!;
    let c = this.state[2]!;
    let d = this.state[3]!;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + SINES[i]! + w[g]!) | 0;
      const s = SHIFTS[i]!;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    this.state[0] = (this.state[0]! + a) | 0;
    this.state[1] = (this.state[1]! + b) | 0;
    this.state[2] = (this.state[2]! + c) | 0;
    this.state[3] = (this.state[3]! + d) | 0;
  }
}

/**
 * HMAC-MD5 with a fixed key: begin(), update() over the message's pieces, finish() into a 16-byte digest. The MD5
 * states after the two padded keys are computed once, so a digest costs two compressions fewer.
 */
export class HmacMd5 {
  private readonly md5 = new Md5();
  private readonly innerState = new Int32Array(4);
  private readonly outerState = new Int32Array(4);
  private readonly innerDigest = new Uint8Array(MD5_DIGEST_BYTES);

  constructor(key: Uint8Array) {
    // RFC 2104 §2: a key longer than the block is replaced by its hash.
    let k = key;
    if (k.length > BLOCK_BYTES) {
      k = new Uint8Array(MD5_DIGEST_BYTES);
      this.md5.reset();
      this.md5.update(key, 0, key.length);
      this.md5.finish(k);
    }
    const innerPad = new Uint8Array(BLOCK_BYTES);
    const outerPad = new Uint8Array(BLOCK_BYTES);
    for (let i = 0; i < BLOCK_BYTES; i++) {
      const byte = i < k.length ? k[i]! : 0;
      innerPad[i] = byte ^ 0x36;
      outerPad[i] = byte ^ 0x5c;
    }
    this.md5.reset();
    this.md5.update(innerPad, 0, BLOCK_BYTES);
    this.md5.save(this.innerState);
    this.md5.reset();
    this.md5.update(outerPad, 0, BLOCK_BYTES);
    this.md5.save(this.outerState);
  }

  begin(): void {
    this.md5.restore(this.innerState, BLOCK_BYTES);
  }

  update(data: Uint8Array, offset: number, length: number): void {
    this.md5.update(data, offset, length);
  }

  finish(out: Uint8Array): void {
    this.md5.finish(this.innerDigest);
    this.md5.restore(this.outerState, BLOCK_BYTES);
    this.md5.update(this.innerDigest, 0, MD5_DIGEST_BYTES);
    this.md5.finish(out);
  }
}
