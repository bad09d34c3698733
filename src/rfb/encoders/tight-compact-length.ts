/**
 * Tight's "compact length": a length in 1–3 bytes, 7 bits per byte (low bits first, bit 7 = another byte
 * follows) and all 8 bits of the third byte, so at most 2^22 − 1. It prefixes zlib, JPEG and PNG data.
 */

export const MAX_COMPACT_LENGTH = 0x3fffff;

/** Bytes the compact form of `n` takes. */
export function compactLengthBytes(n: number): 1 | 2 | 3 {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : 3;
}

/** Write `n` in compact form at `out[off]`; returns the offset after it. */
export function writeCompactLength(n: number, out: Uint8Array, off: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_COMPACT_LENGTH) {
    throw new RangeError(`Tight compact length ${n} is outside 0…${MAX_COMPACT_LENGTH}`);
  }
  if (n < 0x80) {
    out[off] = n;
    return off + 1;
  }
  out[off] = (n & 0x7f) | 0x80;
  if (n < 0x4000) {
    out[off + 1] = n >>> 7;
    return off + 2;
  }
  out[off + 1] = ((n >>> 7) & 0x7f) | 0x80;
  out[off + 2] = n >>> 14;
  return off + 3;
}

/** Bytes the compact length written at `bytes[off]` takes (bit 7 of each of the first two says another follows). */
export function compactLengthSizeAt(bytes: Uint8Array, off: number): 1 | 2 | 3 {
  if ((bytes[off]! & 0x80) === 0) return 1;
  return (bytes[off + 1]! & 0x80) === 0 ? 2 : 3;
}
