/**
 * The client pixel values of a rectangle as one Uint32Array (packed rows, w per row), for the encoders that
 * analyse colours (RRE, Hextile, ZRLE). They compare client values, not console words: two console colours
 * that one 8- or 16-bit format maps to the same pixel are one colour to that client, which makes solid
 * areas, palettes and runs larger for narrow formats. The values are written to the wire with
 * PixelTranslator.writePixel / writeCPixel.
 */
import type { EncodeContext } from "./encoder.ts";
import { nativePixelValues } from "./native-pixel-values.ts";

/** From this many pixels the 32-bit paths run in C (a koffi call costs about what the loop does on ~500). */
const NATIVE_VALUES_PIXELS = 2048;

/** `native: false` keeps the TypeScript loops (the reference, for tests). */
export function readPixelValues(ctx: EncodeContext, x: number, y: number, w: number, h: number, out: Uint32Array, native = true): void {
  const src = ctx.pixels;
  const stride = ctx.width;
  const t = ctx.translator;
  const f = t.format;
  let o = 0;
  // the two 32-bit layouts real clients use: the value is the word itself or red/blue swapped (the byte
  // order only matters when the value is written, so both endiannesses take these paths)
  if (f.bitsPerPixel === 32 && f.redMax === 255 && f.greenMax === 255 && f.blueMax === 255 && f.greenShift === 8) {
    const swap = f.redShift === 0 && f.blueShift === 16;
    if (swap || (f.redShift === 16 && f.blueShift === 0)) {
      const c = native && w * h >= NATIVE_VALUES_PIXELS ? nativePixelValues() : undefined;
      if (c) {
        c(src, stride, x, y, w, h, swap, out);
        return;
      }
      for (let row = 0; row < h; row++) {
        const start = (y + row) * stride + x;
        for (let i = start, end = start + w; i < end; i++) {
          const v = src[i]!;
          out[o++] = swap ? ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff) : v & 0xffffff;
        }
      }
      return;
    }
  }
  for (let row = 0; row < h; row++) {
    const start = (y + row) * stride + x;
    const end = start + w;
    // runs of the same console word are common (flat areas): translate once per run
    let last = src[start]!;
    let value = t.pixel(last);
    for (let i = start; i < end; i++) {
      const v = src[i]!;
      if (v !== last) {
        last = v;
        value = t.pixel(v);
      }
      out[o++] = value;
    }
  }
}

/** A scratch array at least n long: the same one when it is big enough, else a new one (grown by half again). */
export function atLeastUint32(buf: Uint32Array<ArrayBuffer>, n: number): Uint32Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Uint32Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}

export function atLeastUint8(buf: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  return buf.length >= n ? buf : new Uint8Array(Math.max(n, Math.ceil(buf.length * 1.5)));
}
