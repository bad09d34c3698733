/**
 * Little-endian field access on plain byte arrays.
 *
 * Every struct that crosses the DeviceFile seam is little-endian (x86-64, arm64). These helpers read and
 * write fields without creating DataView objects, so hot paths (QUERY_GFX_PLANE at millions of calls per
 * second) allocate nothing. The caller checks bounds first: these never throw and never grow an array.
 */

export function getU16(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8)) >>> 0;
}

export function setU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

export function getU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

export function getI32(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24);
}

export function setU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** A u64 as a bigint (allocates: keep it off hot paths; use getU32 on both halves there). */
export function getU64(b: Uint8Array, off: number): bigint {
  return (BigInt(getU32(b, off + 4)) << 32n) | BigInt(getU32(b, off));
}

export function setU64(b: Uint8Array, off: number, v: bigint): void {
  const masked = BigInt.asUintN(64, v);
  setU32(b, off, Number(masked & 0xffffffffn));
  setU32(b, off + 4, Number(masked >> 32n));
}

/** Write a u64 given as two u32 halves: the allocation-free form of setU64. */
export function setU64Parts(b: Uint8Array, off: number, lo: number, hi: number): void {
  setU32(b, off, lo);
  setU32(b, off + 4, hi);
}

/** A u64 as a JS number; exact below 2^53, which covers every size and offset a device fd uses. */
export function getU64Number(b: Uint8Array, off: number): number {
  return getU32(b, off + 4) * 0x1_0000_0000 + getU32(b, off);
}

export function setU64Number(b: Uint8Array, off: number, v: number): void {
  setU32(b, off, v % 0x1_0000_0000);
  setU32(b, off + 4, Math.floor(v / 0x1_0000_0000));
}

/** Raised by a decoder given fewer bytes than its struct's minimum size. */
export class StructTooShortError extends Error {
  override readonly name = "StructTooShortError";
  constructor(
    readonly struct: string,
    readonly minimum: number,
    readonly actual: number,
  ) {
    super(`${struct}: need at least ${minimum} bytes, got ${actual}`);
  }
}

export function requireLength(struct: string, bytes: Uint8Array, minimum: number): void {
  if (bytes.length < minimum) throw new StructTooShortError(struct, minimum, bytes.length);
}

/**
 * Copy a fully encoded struct into the caller's buffer without writing past argsz (nor past the buffer):
 * the rule every VFIO ioctl follows for its result.
 */
export function copyWithinArgsz(encoded: Uint8Array, target: Uint8Array, argsz: number): number {
  const n = Math.max(0, Math.min(encoded.length, target.length, argsz));
  for (let i = 0; i < n; i++) target[i] = encoded[i]!;
  return n;
}
