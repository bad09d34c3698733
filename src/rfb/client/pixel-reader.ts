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

  /** How the bulk readers decode (chosen once per format; see Bulk). */
  private readonly bulk: Bulk;
  /** every wire value of a 1- or 2-byte format as XRGB, built on first bulk use */
  private table: Uint32Array | undefined;
  /** viewOf()'s last views */
  private dstView: DestinationView | undefined;

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
    // a valid format's 8-bit channels sit at shifts 0…24; anything else takes the per-pixel path
    const eightBitChannels = [format.redMax, format.greenMax, format.blueMax].every((m) => m === 255) && Math.max(format.redShift, format.greenShift, format.blueShift) <= 24;
    const xrgbBytes = !format.bigEndian && format.redShift === 16 && format.greenShift === 8 && format.blueShift === 0;
    this.bulk = !this.bulkAllowed()
      ? Bulk.PerPixel
      : this.bytesPerPixel < 4
        ? Bulk.Table
        : !eightBitChannels
          ? Bulk.PerPixel
          : xrgbBytes
            ? Bulk.Xrgb
            : Bulk.Shifts;
  }

  /** Whether the bulk readers may skip toXrgb; a reader that changes toXrgb says no. */
  protected bulkAllowed(): boolean {
    return true;
  }

  /**
   * `count` wire pixels packed at b[off…] as XRGB8888 into dst[d…]: what xrgb() gives for each, at memory
   * speed for the formats clients use (a whole 1080p Raw frame took 200 ms pixel by pixel through xrgb()).
   */
  pixelsInto(b: Uint8Array, off: number, dst: Uint32Array, d: number, count: number): void {
    if (this.bulk === Bulk.Xrgb) {
      // the wire's bytes are B, G, R, X: a long run is copied as it is and its X bytes cleared (1080p: 0.8 ms
      // against 7 ms through the shifts); a short one (a Hextile tile's row) is cheaper read byte by byte
      if (count >= COPY_MIN_PIXELS) {
        const view = this.viewOf(dst);
        view.bytes.set(b.subarray(off, off + count * 4), d * 4);
        // through Int32Array: a Uint32Array element above 2^31 is a double to V8 (4× slower here)
        const words = view.words;
        for (let i = d, end = d + count; i < end; i++) words[i]! &= 0xffffff;
      } else {
        xrgbBlockInto(b, off, dst, d, count, count, 1);
      }
    } else if (this.bulk === Bulk.Shifts) {
      const { redShift: rs, greenShift: gs, blueShift: bs } = this.format;
      if (this.format.bigEndian) {
        for (let i = 0; i < count; i++, off += 4) dst[d + i] = channels((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!, rs, gs, bs);
      } else {
        for (let i = 0; i < count; i++, off += 4) dst[d + i] = channels(b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24), rs, gs, bs);
      }
    } else if (this.bulk === Bulk.Table) {
      const table = this.valueTable();
      if (this.bytesPerPixel === 1) {
        for (let i = 0; i < count; i++) dst[d + i] = table[b[off + i]!]!;
      } else if (this.format.bigEndian) {
        for (let i = 0; i < count; i++, off += 2) dst[d + i] = table[(b[off]! << 8) | b[off + 1]!]!;
      } else {
        for (let i = 0; i < count; i++, off += 2) dst[d + i] = table[b[off]! | (b[off + 1]! << 8)]!;
      }
    } else {
      const bpp = this.bytesPerPixel;
      for (let i = 0; i < count; i++, off += bpp) dst[d + i] = this.xrgb(b, off);
    }
  }

  /**
   * A w×h block of wire pixels packed at b[off…] as XRGB8888 into dst[d…], its rows `stride` words apart:
   * pixelsInto per row, but a narrow Xrgb block (a Hextile tile) in one loop, not a call per 16-pixel row.
   */
  rectInto(b: Uint8Array, off: number, dst: Uint32Array, d: number, stride: number, w: number, h: number): void {
    if (this.bulk === Bulk.Xrgb && w < COPY_MIN_PIXELS) {
      xrgbBlockInto(b, off, dst, d, stride, w, h);
      return;
    }
    const rowBytes = w * this.bytesPerPixel;
    for (let row = 0; row < h; row++, off += rowBytes, d += stride) this.pixelsInto(b, off, dst, d, w);
  }

  /** `count` CPIXELs packed at b[off…] as XRGB8888 into dst[d…]: what cpixel() gives for each. */
  cpixelsInto(b: Uint8Array, off: number, dst: Uint32Array, d: number, count: number): void {
    if (this.cpixelBytes !== 3) {
      this.pixelsInto(b, off, dst, d, count);
      return;
    }
    if (!this.byShifts) {
      for (let i = 0; i < count; i++, off += 3) dst[d + i] = this.cpixel(b, off);
      return;
    }
    // the three bytes are the value's low (or, skipping the first, high) three bytes in wire order
    const up = this.format.bigEndian !== this.cpixelSkipFirst ? 8 : 0;
    const { redShift: rs, greenShift: gs, blueShift: bs } = this.format;
    if (this.format.bigEndian) {
      for (let i = 0; i < count; i++, off += 3) dst[d + i] = channels(((b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]!) << up, rs, gs, bs);
    } else {
      for (let i = 0; i < count; i++, off += 3) dst[d + i] = channels((b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16)) << up, rs, gs, bs);
    }
  }

  /** Whether each channel is a shift and a mask (the Xrgb and Shifts bulk paths). */
  private get byShifts(): boolean {
    return this.bulk === Bulk.Shifts || this.bulk === Bulk.Xrgb;
  }

  /** A 32-bit value of such a format as XRGB (for a single pixel; the bulk loops hoist the shifts). */
  private fromShifts(v: number): number {
    return channels(v, this.format.redShift, this.format.greenShift, this.format.blueShift);
  }

  /** Byte and signed-word views of `dst` (kept for the last one asked: a decoder draws into one framebuffer). */
  private viewOf(dst: Uint32Array): DestinationView {
    const v = this.dstView;
    if (v?.bytes.buffer === dst.buffer && v.bytes.byteOffset === dst.byteOffset && v.words.length === dst.length) return v;
    this.dstView = { bytes: new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength), words: new Int32Array(dst.buffer, dst.byteOffset, dst.length) };
    return this.dstView;
  }

  private valueTable(): Uint32Array {
    if (!this.table) {
      this.table = new Uint32Array(1 << (8 * this.bytesPerPixel));
      for (let v = 0; v < this.table.length; v++) this.table[v] = this.toXrgb(v);
    }
    return this.table;
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
    const v = this.value(b, off);
    return this.byShifts ? this.fromShifts(v) : this.toXrgb(v);
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
    return this.byShifts ? this.fromShifts(v) : this.toXrgb(v >>> 0);
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

/**
 * How a reader decodes many pixels at once: Xrgb for the little-endian 32 bpp format whose bytes are
 * B, G, R, X (the server's own, and what most clients ask for: a copy and a mask), Shifts for the other
 * 32 bpp formats with 8-bit channels (each channel is a shift and a mask), Table for 8 and 16 bpp (a lookup
 * of every value), PerPixel through xrgb() for the rest (32 bpp with channels of other widths, which no
 * client we know uses).
 */
const enum Bulk {
  Xrgb,
  Shifts,
  Table,
  PerPixel,
}

interface DestinationView {
  bytes: Uint8Array;
  words: Int32Array;
}

/** Pixels at or above which pixelsInto copies a run of Xrgb pixels instead of reading them one by one. */
const COPY_MIN_PIXELS = 64;

/**
 * A 32-bit value of a format with 8-bit channels as XRGB (the value's bits, signed or not, are what count).
 * The shifts are the caller's locals: read from the format once per run, not once per pixel.
 */
function channels(v: number, redShift: number, greenShift: number, blueShift: number): number {
  return (((v >>> redShift) & 0xff) << 16) | (((v >>> greenShift) & 0xff) << 8) | ((v >>> blueShift) & 0xff);
}

/** A w×h block of B, G, R, X wire pixels at b[off…] into dst[d…], rows `stride` words apart, byte by byte. */
function xrgbBlockInto(b: Uint8Array, off: number, dst: Uint32Array, d: number, stride: number, w: number, h: number): void {
  for (let row = 0; row < h; row++, d += stride) {
    for (let i = 0; i < w; i++, off += 4) dst[d + i] = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16);
  }
}

/** An n-bit channel value back to 8 bits (max maps to 255). */
function scale(c: number, max: number): number {
  return max === 255 ? c : Math.round((c * 255) / max);
}
