/**
 * Tight's pixel forms: a TPIXEL is R, G, B bytes when the client's format is 32 bpp, depth 24 with 8-bit
 * channels (translator.tpixel24), else the whole pixel in the client's format. Full-colour data is a run
 * of TPIXELs (the copy filter), or of their channels' residuals after the gradient filter.
 */
import { outputBuffer, type OutputBuffers } from "../output-pool.ts";
import type { PixelTranslator } from "../pixel-translator.ts";
import { nativePackRgb, nativePackRgbGradient } from "./native-tpixel.ts";

/** Bytes of one TPIXEL for this client. */
export function tpixelBytes(t: PixelTranslator): number {
  return t.tpixel24 ? 3 : t.bytesPerPixel;
}

/** Write one XRGB colour as a TPIXEL at out[off]; returns the offset after it. */
export function writeTPixel(t: PixelTranslator, xrgb: number, out: Uint8Array, off: number): number {
  if (t.tpixel24) {
    out[off] = xrgb >>> 16;
    out[off + 1] = xrgb >>> 8;
    out[off + 2] = xrgb;
    return off + 3;
  }
  return t.writePixel(t.pixel(xrgb), out, off);
}

/** From this many pixels a rect is packed in C (a koffi call costs about what the loop does on 300 pixels). */
const NATIVE_PACK_PIXELS = 1024;

/** Packs the w×h rect at (x, y) of an XRGB surface `stride` pixels wide into out[off…]; returns the end offset. */
type PackRect = (pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, out: Uint8Array, off: number) => number;

/** The C loop for rects of NATIVE_PACK_PIXELS or more when the library has it, else the TypeScript loop. */
function nativeOrLoop(native: () => PackRect | undefined, loop: PackRect): PackRect {
  return (pixels, stride, x, y, w, h, out, off) => {
    const c = w * h >= NATIVE_PACK_PIXELS ? native() : undefined;
    return c ? c(pixels, stride, x, y, w, h, out, off) : loop(pixels, stride, x, y, w, h, out, off);
  };
}

/** Pack the w×h rect at (x, y) of an XRGB surface as R, G, B bytes into out[off…]; returns the end offset. */
export const packRgb: PackRect = nativeOrLoop(nativePackRgb, packRgbLoop);

/** packRgb's TypeScript loop (native/tpixel-pack.c does the same): the reference and the fallback. */
export function packRgbLoop(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, out: Uint8Array, off: number): number {
  let o = off;
  for (let row = y; row < y + h; row++) {
    for (let i = row * stride + x, end = i + w; i < end; i++) {
      const v = pixels[i]!;
      out[o] = v >>> 16;
      out[o + 1] = v >>> 8;
      out[o + 2] = v;
      o += 3;
    }
  }
  return o;
}

/** Pack the rect's R, G, B bytes through the gradient filter (packRgbGradientLoop) into out[off…]; returns the end offset. */
export const packRgbGradient: PackRect = nativeOrLoop(nativePackRgbGradient, packRgbGradientLoop);

/**
 * packRgbGradient's TypeScript loop (native/tpixel-pack.c does the same): each channel sent as
 * (V − P) mod 256, P = left + above − above-left clamped to 0…255, pixels outside the rect counting as 0.
 * The neighbours are read from the surface, so nothing but `out` is written.
 */
export function packRgbGradientLoop(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, out: Uint8Array, off: number): number {
  let o = off;
  for (let row = y; row < y + h; row++) {
    const start = row * stride + x;
    const above = row > y ? start - stride : -1;
    let left = 0;
    let aboveLeft = 0;
    for (let i = 0; i < w; i++) {
      const v = pixels[start + i]!;
      const up = above >= 0 ? pixels[above + i]! : 0;
      out[o] = (v >>> 16) - clampPrediction(((left >>> 16) & 0xff) + ((up >>> 16) & 0xff) - ((aboveLeft >>> 16) & 0xff));
      out[o + 1] = (v >>> 8) - clampPrediction(((left >>> 8) & 0xff) + ((up >>> 8) & 0xff) - ((aboveLeft >>> 8) & 0xff));
      out[o + 2] = v - clampPrediction((left & 0xff) + (up & 0xff) - (aboveLeft & 0xff));
      o += 3;
      left = v;
      aboveLeft = up;
    }
  }
  return o;
}

function clampPrediction(p: number): number {
  return p < 0 ? 0 : p > 255 ? 255 : p;
}

/** The rect as TPIXELs in a buffer of its own (the copy filter's data; from `output` when given). */
export function packTPixels(
  t: PixelTranslator,
  pixels: Uint32Array,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
  output?: OutputBuffers,
): Uint8Array {
  // not zeroed: every byte is written
  const out = outputBuffer(output, w * h * tpixelBytes(t));
  if (t.tpixel24) packRgb(pixels, stride, x, y, w, h, out, 0);
  else t.translateRect(pixels, stride, x, y, w, h, out, 0);
  return out;
}

/** The rect's R, G, B bytes through the gradient filter, in a buffer of its own (from `output` when given). */
export function packGradientTPixels(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, output?: OutputBuffers): Uint8Array {
  // not zeroed: every byte is written
  const out = outputBuffer(output, w * h * 3);
  packRgbGradient(pixels, stride, x, y, w, h, out, 0);
  return out;
}
