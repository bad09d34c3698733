/**
 * Tight's 24-bit TPIXEL packing in C (native/tpixel-pack.c, loaded by display/native-library.ts): the same
 * bytes as packRgb's and packRgbGradient's TypeScript loops, at memory speed instead of ~4 ns a pixel (8 ms
 * of a full-motion 1080p frame in Tight). Without the library the loops are kept.
 *
 * This file is the boundary to C: the rect and both arrays are checked here, so the C code never reads or
 * writes outside them.
 */
import type { LibraryHandle } from "koffi";
import { checkSurfaceRect, isInt32Size, nativeBinding } from "../../display/native-library.ts";

/** Packs the w×h rect at (x, y) of a surface `stride` pixels wide into out[offset…] as R, G, B bytes. */
export type NativePackRgb = (pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, out: Uint8Array, offset: number) => number;

/** `symbol` (vd_pack_rgb's signature) behind the checks; `what` names it in errors. */
function bindPack(lib: LibraryHandle, symbol: string, what: string): NativePackRgb {
  const pack = lib.func(`int32_t ${symbol}(const uint32_t *pixels, int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h, uint8_t *out, int32_t out_len)`);
  return (pixels, stride, x, y, w, h, out, offset) => {
    checkSurfaceRect(what, pixels, stride, x, y, w, h);
    const need = w * h * 3;
    if (!isInt32Size(offset) || !isInt32Size(need) || out.length - offset < need) throw new RangeError(`${what}: ${out.length - offset} bytes from offset ${offset} cannot hold ${need}`);
    const n = pack(pixels, pixels.length, stride, x, y, w, h, offset === 0 ? out : out.subarray(offset), need) as number;
    if (n !== need) throw new RangeError(`${what} refused a ${w}x${h} rect`);
    return offset + n;
  };
}

/** The C loop of the copy filter, or undefined when the library is not built or is switched off. */
export const nativePackRgb = nativeBinding<NativePackRgb>((lib) => bindPack(lib, "vd_pack_rgb", "native packRgb"));

/** The C loop of the gradient filter (residuals of R, G, B), or undefined as nativePackRgb. */
export const nativePackRgbGradient = nativeBinding<NativePackRgb>((lib) => bindPack(lib, "vd_pack_rgb_gradient", "native packRgbGradient"));
