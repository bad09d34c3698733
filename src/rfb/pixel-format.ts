/**
 * The RFB PIXEL_FORMAT (16 bytes, RFC 6143 §7.4): how a client wants pixels on the wire. True-colour
 * formats only at 8, 16 and 32 bits per pixel, in either byte order; colour-map formats are refused (a
 * client that asks for one is told why and closed), as are impossible ones (a channel wider than the pixel,
 * maxima that are not 2^n−1, channels that overlap).
 */

export interface PixelFormat {
  readonly bitsPerPixel: 8 | 16 | 32;
  readonly depth: number;
  readonly bigEndian: boolean;
  readonly trueColour: boolean;
  readonly redMax: number;
  readonly greenMax: number;
  readonly blueMax: number;
  readonly redShift: number;
  readonly greenShift: number;
  readonly blueShift: number;
}

export const PIXEL_FORMAT_BYTES = 16;

/** What ServerInit announces: XRGB8888 little-endian, the console's own format (TigerVNC keeps it; BGRX bytes). */
export const SERVER_PIXEL_FORMAT: PixelFormat = Object.freeze({
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
});

/** What noVNC always asks for: bytes R, G, B, X. */
export const RGBX_PIXEL_FORMAT: PixelFormat = Object.freeze({ ...SERVER_PIXEL_FORMAT, redShift: 0, blueShift: 16 });

export function decodePixelFormat(b: Uint8Array, off: number): PixelFormat {
  const dv = new DataView(b.buffer, b.byteOffset + off, PIXEL_FORMAT_BYTES);
  return {
    bitsPerPixel: dv.getUint8(0) as 8 | 16 | 32,
    depth: dv.getUint8(1),
    bigEndian: dv.getUint8(2) !== 0,
    trueColour: dv.getUint8(3) !== 0,
    redMax: dv.getUint16(4),
    greenMax: dv.getUint16(6),
    blueMax: dv.getUint16(8),
    redShift: dv.getUint8(10),
    greenShift: dv.getUint8(11),
    blueShift: dv.getUint8(12),
  };
}

export function encodePixelFormat(pf: PixelFormat, b: Uint8Array, off: number): void {
  const dv = new DataView(b.buffer, b.byteOffset + off, PIXEL_FORMAT_BYTES);
  dv.setUint8(0, pf.bitsPerPixel);
  dv.setUint8(1, pf.depth);
  dv.setUint8(2, pf.bigEndian ? 1 : 0);
  dv.setUint8(3, pf.trueColour ? 1 : 0);
  dv.setUint16(4, pf.redMax);
  dv.setUint16(6, pf.greenMax);
  dv.setUint16(8, pf.blueMax);
  dv.setUint8(10, pf.redShift);
  dv.setUint8(11, pf.greenShift);
  dv.setUint8(12, pf.blueShift);
  dv.setUint8(13, 0);
  dv.setUint8(14, 0);
  dv.setUint8(15, 0);
}

const isMask = (m: number): boolean => m > 0 && (m & (m + 1)) === 0;
const bitsOf = (m: number): number => 32 - Math.clz32(m);

/** Why a client's pixel format cannot be served, or undefined when it can. */
export function pixelFormatProblem(pf: PixelFormat): string | undefined {
  if (pf.bitsPerPixel !== 8 && pf.bitsPerPixel !== 16 && pf.bitsPerPixel !== 32) {
    return `unsupported bits-per-pixel ${pf.bitsPerPixel} (8, 16 or 32)`;
  }
  if (!pf.trueColour) return "colour-map pixel formats are not supported (true colour only)";
  if (pf.depth === 0 || pf.depth > pf.bitsPerPixel) return `depth ${pf.depth} does not fit ${pf.bitsPerPixel} bits per pixel`;
  const channels: Array<[string, number, number]> = [
    ["red", pf.redMax, pf.redShift],
    ["green", pf.greenMax, pf.greenShift],
    ["blue", pf.blueMax, pf.blueShift],
  ];
  let used = 0;
  for (const [name, max, shift] of channels) {
    if (!isMask(max)) return `${name}-max ${max} is not 2^n-1`;
    if (shift + bitsOf(max) > pf.bitsPerPixel) return `${name} channel (max ${max} << ${shift}) does not fit ${pf.bitsPerPixel} bits`;
    const bits = max * 2 ** shift;
    if ((used & bits) !== 0) return `${name} channel overlaps another`;
    used |= bits;
  }
  return undefined;
}

export function bytesPerPixel(pf: PixelFormat): 1 | 2 | 4 {
  return (pf.bitsPerPixel >>> 3) as 1 | 2 | 4;
}

/** A short stable key: clients whose formats have the same key get the same bytes. */
export function pixelFormatKey(pf: PixelFormat): string {
  const endian = pf.bitsPerPixel === 8 ? "" : pf.bigEndian ? "be" : "le";
  return `${pf.bitsPerPixel}${endian}:${pf.redMax}<<${pf.redShift},${pf.greenMax}<<${pf.greenShift},${pf.blueMax}<<${pf.blueShift}`;
}

export function samePixelFormat(a: PixelFormat, b: PixelFormat): boolean {
  return pixelFormatKey(a) === pixelFormatKey(b);
}
