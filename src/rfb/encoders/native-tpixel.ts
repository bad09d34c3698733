/**
 * Tight's 24-bit TPIXEL packing in C (native/tpixel-pack.c, loaded by display/native-library.ts): the same
 * bytes as packRgb's TypeScript loop, at memory speed instead of ~4 ns a pixel (8 ms of a full-motion 1080p
 * frame in Tight). Without the library packRgb keeps its loop.
 *
 * This file is the boundary to C: the rect and both arrays are checked here, so the C code never reads or
 * writes outside them.
 */
import { checkSurfaceRect, isInt32Size, nativeBinding } from "../../display/native-library.ts";

/** Packs the w×h rect at (x, y) of a surface `stride` pixels wide into out[offset…] as R, G, B bytes. */
export type NativePackRgb = (pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, out: Uint8Array, offset: number) => number;

/** The C loop, or undefined when the library is not built or is switched off. */
export const nativePackRgb = nativeBinding<NativePackRgb>((lib) => {
  const pack = lib.func("int32_t vd_pack_rgb(const uint32_t *pixels, int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h, uint8_t *out, int32_t out_len)");
  return (pixels, stride, x, y, w, h, out, offset) => {
    checkSurfaceRect("native packRgb", pixels, stride, x, y, w, h);
    const need = w * h * 3;
    if (!isInt32Size(offset) || !isInt32Size(need) || out.length - offset < need) throw new RangeError(`native packRgb: ${out.length - offset} bytes from offset ${offset} cannot hold ${need}`);
    const n = pack(pixels, pixels.length, stride, x, y, w, h, offset === 0 ? out : out.subarray(offset), need) as number;
    if (n !== need) throw new RangeError(`native packRgb refused a ${w}x${h} rect`);
    return offset + n;
  };
});
