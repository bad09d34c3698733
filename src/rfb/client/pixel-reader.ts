/**
 * The client side of a pixel format: wire pixels (in the format the client asked for) back into XRGB8888
 * words (0x00RRGGBB), each channel scaled back to 8 bits. Also reads ZRLE's 3-byte CPIXEL and Tight's
 * R,G,B TPIXEL. Lossless round trips hold exactly for 8-bit channels; narrower formats compare after
 * quantising the expected pixels the same way (see quantise()).
 */
import { bytesPerPixel, type PixelFormat } from "../pixel-format.ts";

export class PixelReader {
  readonly bytesPerPixel: 1 | 2 | 4;
  readonly cpixelBytes: 1 | 2 | 3 | 4;
  private readonly cpixelSkipFirst: boolean;
  readonly tpixel24: boolean;

  constructor(readonly format: PixelFormat) {
    this.bytesPerPixel = bytesPerPixel(format);
    const colourBits =
      (2 ** format.redShift * format.redMax) | (2 ** format.greenShift * format.greenMax) | (2 ** format.blueShift * format.blueMax);
    const fitsLow = (colourBits & 0xff000000) === 0;
    const fitsHigh = (colourBits & 0xff) === 0;
    if (format.bitsPerPixel === 32 && format.depth <= 24 && (fitsLow || fitsHigh)) {
      this.cpixelBytes = 3;
      this.cpixelSkipFirst = fitsLow ? format.bigEndian : !format.bigEndian;
    } else {
      this.cpixelBytes = this.bytesPerPixel;
      this.cpixelSkipFirst = false;
    }
    this.tpixel24 = format.bitsPerPixel === 32 && format.depth === 24 && format.redMax === 255 && format.greenMax === 255 && format.blueMax === 255;
  }

  /** The raw pixel value at b[off] in the format's byte order. */
  value(b: Uint8Array, off: number): number {
    switch (this.bytesPerPixel) {
      case 1:
        return b[off]!;
      case 2:
        return this.format.bigEndian ? (b[off]! << 8) | b[off + 1]! : b[off]! | (b[off + 1]! << 8);
      default:
        return this.format.bigEndian
          ? ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0
          : (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
    }
  }

  /** A pixel value as XRGB8888. */
  toXrgb(value: number): number {
    const f = this.format;
    const r = scale(Math.floor(value / 2 ** f.redShift) & f.redMax, f.redMax);
    const g = scale(Math.floor(value / 2 ** f.greenShift) & f.greenMax, f.greenMax);
    const b = scale(Math.floor(value / 2 ** f.blueShift) & f.blueMax, f.blueMax);
    return ((r << 16) | (g << 8) | b) >>> 0;
  }

  /** The pixel at b[off] as XRGB8888. */
  xrgb(b: Uint8Array, off: number): number {
    return this.toXrgb(this.value(b, off));
  }

  /** A ZRLE CPIXEL at b[off] as XRGB8888. */
  cpixel(b: Uint8Array, off: number): number {
    if (this.cpixelBytes !== 3) return this.xrgb(b, off);
    let v: number;
    if (this.format.bigEndian) {
      v = (b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]!;
      if (!this.cpixelSkipFirst) v = v * 256;
    } else {
      v = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16);
      if (this.cpixelSkipFirst) v = v * 256;
    }
    return this.toXrgb(v >>> 0);
  }

  /** A Tight TPIXEL at b[off] as XRGB8888 (R, G, B bytes when tpixel24, else a whole pixel). */
  tpixel(b: Uint8Array, off: number): number {
    if (!this.tpixel24) return this.xrgb(b, off);
    return ((b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]!) >>> 0;
  }

  /** Bytes of one TPIXEL. */
  get tpixelBytes(): number {
    return this.tpixel24 ? 3 : this.bytesPerPixel;
  }

  /** What an XRGB pixel becomes after a round trip through this format (for lossless comparisons). */
  quantise(xrgb: number): number {
    const f = this.format;
    const q = (c: number, max: number): number => scale(Math.floor((c * max + 127) / 255), max);
    return ((q((xrgb >>> 16) & 0xff, f.redMax) << 16) | (q((xrgb >>> 8) & 0xff, f.greenMax) << 8) | q(xrgb & 0xff, f.blueMax)) >>> 0;
  }
}

/** An n-bit channel value back to 8 bits (max maps to 255). */
function scale(c: number, max: number): number {
  return max === 255 ? c : Math.round((c * 255) / max);
}
