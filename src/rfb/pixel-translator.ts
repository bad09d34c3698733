/**
 * Console pixels (XRGB8888 words, 0x00RRGGBB) into a client's pixel format. The two formats real clients
 * use most have straight paths: TigerVNC keeps the server's XRGB little-endian (a copy) and noVNC asks for
 * R,G,B,X bytes (a red/blue swap). Everything else goes through three 256-entry tables per channel, built
 * once per format, so a pixel costs three lookups and an OR. Nothing is allocated per pixel or per rect.
 */
import { bytesPerPixel, type PixelFormat } from "./pixel-format.ts";

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Rows at least this wide are copied through a view of the surface row (set() runs at memory speed); shorter
 * ones word by word: a view is a new object per row, and the many short rows of a desktop's damage made
 * such views most of what our server allocated (and then collected) a frame.
 */
const VIEW_COPY_MIN_WIDTH = 256;

type Path = "copy" | "swapRB" | "table";

export class PixelTranslator {
  readonly bytesPerPixel: 1 | 2 | 4;
  /** ZRLE's CPIXEL: 3 bytes when a 32-bit pixel's colour fits in its low or high three bytes */
  readonly cpixelBytes: 1 | 2 | 3 | 4;
  /** for a 3-byte CPIXEL: skip the pixel's first byte (colour in the high three bytes of a LE word) */
  private readonly cpixelSkipFirst: boolean;
  /** Tight's TPIXEL: R, G, B bytes when the format is 32 bpp, depth 24, 8-bit channels */
  readonly tpixel24: boolean;
  private readonly path: Path;
  private readonly red = new Uint32Array(256);
  private readonly green = new Uint32Array(256);
  private readonly blue = new Uint32Array(256);

  constructor(readonly format: PixelFormat) {
    this.bytesPerPixel = bytesPerPixel(format);
    for (let i = 0; i < 256; i++) {
      // round to the nearest representable level, as TigerVNC's transformer does
      this.red[i] = (Math.floor((i * format.redMax + 127) / 255) * 2 ** format.redShift) >>> 0;
      this.green[i] = (Math.floor((i * format.greenMax + 127) / 255) * 2 ** format.greenShift) >>> 0;
      this.blue[i] = (Math.floor((i * format.blueMax + 127) / 255) * 2 ** format.blueShift) >>> 0;
    }
    const eightBit = format.redMax === 255 && format.greenMax === 255 && format.blueMax === 255;
    const nativeOrder = format.bigEndian !== LITTLE_ENDIAN_HOST;
    if (format.bitsPerPixel === 32 && eightBit && nativeOrder && format.greenShift === 8) {
      if (format.redShift === 16 && format.blueShift === 0) this.path = "copy";
      else if (format.redShift === 0 && format.blueShift === 16) this.path = "swapRB";
      else this.path = "table";
    } else {
      this.path = "table";
    }
    const colourBits = (2 ** format.redShift * format.redMax) | (2 ** format.greenShift * format.greenMax) | (2 ** format.blueShift * format.blueMax);
    const fitsLow = (colourBits & 0xff000000) === 0;
    const fitsHigh = (colourBits & 0xff) === 0;
    if (format.bitsPerPixel === 32 && format.depth <= 24 && (fitsLow || fitsHigh)) {
      this.cpixelBytes = 3;
      // the byte of the pixel (as sent) that carries no colour is dropped
      this.cpixelSkipFirst = fitsLow ? format.bigEndian : !format.bigEndian;
    } else {
      this.cpixelBytes = this.bytesPerPixel;
      this.cpixelSkipFirst = false;
    }
    this.tpixel24 = format.bitsPerPixel === 32 && format.depth === 24 && eightBit;
  }

  /** The client pixel value of one XRGB word. */
  pixel(xrgb: number): number {
    return (this.red[(xrgb >>> 16) & 0xff]! | this.green[(xrgb >>> 8) & 0xff]! | this.blue[xrgb & 0xff]!) >>> 0;
  }

  /** Write one pixel value (from pixel()) in the client's byte order; returns the offset after it. */
  writePixel(value: number, out: Uint8Array, off: number): number {
    switch (this.bytesPerPixel) {
      case 1:
        out[off] = value;
        return off + 1;
      case 2:
        if (this.format.bigEndian) {
          out[off] = value >>> 8;
          out[off + 1] = value;
        } else {
          out[off] = value;
          out[off + 1] = value >>> 8;
        }
        return off + 2;
      default:
        if (this.format.bigEndian) {
          out[off] = value >>> 24;
          out[off + 1] = value >>> 16;
          out[off + 2] = value >>> 8;
          out[off + 3] = value;
        } else {
          out[off] = value;
          out[off + 1] = value >>> 8;
          out[off + 2] = value >>> 16;
          out[off + 3] = value >>> 24;
        }
        return off + 4;
    }
  }

  /** Write one pixel value as a ZRLE CPIXEL; returns the offset after it. */
  writeCPixel(value: number, out: Uint8Array, off: number): number {
    if (this.cpixelBytes !== 3) return this.writePixel(value, out, off);
    if (this.format.bigEndian) {
      // sent as b3 b2 b1 b0; drop b3 (colour in the low three bytes) or b0
      const v = this.cpixelSkipFirst ? value : value >>> 8;
      out[off] = v >>> 16;
      out[off + 1] = v >>> 8;
      out[off + 2] = v;
    } else {
      const v = this.cpixelSkipFirst ? value >>> 8 : value;
      out[off] = v;
      out[off + 1] = v >>> 8;
      out[off + 2] = v >>> 16;
    }
    return off + 3;
  }

  /**
   * Translate the w×h rect at (x, y) of a surface `width` pixels wide into `out` at `off`, packed rows.
   * Returns the offset after the last byte written.
   */
  translateRect(src: Uint32Array, width: number, x: number, y: number, w: number, h: number, out: Uint8Array, off: number): number {
    const bpp = this.bytesPerPixel;
    if (this.path !== "table" && (out.byteOffset + off) % 4 === 0) {
      const words = new Uint32Array(out.buffer, out.byteOffset + off, w * h);
      // whole rows are one span of the surface: one copy instead of one per row
      if (this.path === "copy" && x === 0 && w === width) {
        words.set(src.subarray(y * width, (y + h) * width));
        return off + w * h * 4;
      }
      let o = 0;
      for (let row = 0; row < h; row++) {
        const start = (y + row) * width + x;
        if (this.path === "copy" && w >= VIEW_COPY_MIN_WIDTH) {
          words.set(src.subarray(start, start + w), o);
          o += w;
        } else if (this.path === "copy") {
          for (let i = start, end = start + w; i < end; i++) words[o++] = src[i]!;
        } else {
          for (let i = start, end = start + w; i < end; i++) {
            const v = src[i]!;
            words[o++] = ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff);
          }
        }
      }
      return off + w * h * 4;
    }
    const r = this.red;
    const g = this.green;
    const b = this.blue;
    const big = this.format.bigEndian;
    let o = off;
    for (let row = 0; row < h; row++) {
      const start = (y + row) * width + x;
      for (let i = start, end = start + w; i < end; i++) {
        const v = src[i]!;
        const p = r[(v >>> 16) & 0xff]! | g[(v >>> 8) & 0xff]! | b[v & 0xff]!;
        if (bpp === 1) {
          out[o++] = p;
        } else if (bpp === 2) {
          if (big) {
            out[o++] = p >>> 8;
            out[o++] = p;
          } else {
            out[o++] = p;
            out[o++] = p >>> 8;
          }
        } else if (big) {
          out[o++] = p >>> 24;
          out[o++] = p >>> 16;
          out[o++] = p >>> 8;
          out[o++] = p;
        } else {
          out[o++] = p;
          out[o++] = p >>> 8;
          out[o++] = p >>> 16;
          out[o++] = p >>> 24;
        }
      }
    }
    return o;
  }
}
