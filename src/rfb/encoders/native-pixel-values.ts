/**
 * readPixelValues' two 32-bit paths in C (native/pixel-values.c, loaded by display/native-library.ts): the
 * same values as its TypeScript loops, at memory speed (a 4K frame is 8.3 million pixels). Without the
 * library readPixelValues keeps its loops.
 *
 * This file is the boundary to C: the rect and both arrays are checked here, so the C code never reads or
 * writes outside them.
 */
import { checkSurfaceRect, nativeBinding } from "../../display/native-library.ts";

/** The w×h rect at (x, y) of a surface `stride` pixels wide into out[0…w·h): top byte cleared, or red and blue swapped too. */
export type NativePixelValues = (pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, swap: boolean, out: Uint32Array) => void;

/** The C loop, or undefined when the library is not built or is switched off. */
export const nativePixelValues = nativeBinding<NativePixelValues>((lib) => {
  const values = lib.func(
    "int32_t vd_pixel_values(const uint32_t *pixels, int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h, int32_t swap, uint32_t *out, int32_t out_len)",
  );
  return (pixels, stride, x, y, w, h, swap, out) => {
    checkSurfaceRect("native pixel values", pixels, stride, x, y, w, h);
    if (w * h > out.length) throw new RangeError(`native pixel values: ${out.length} values cannot hold a ${w}x${h} rect`);
    if ((values(pixels, pixels.length, stride, x, y, w, h, swap ? 1 : 0, out, out.length) as number) !== w * h) {
      throw new RangeError(`native pixel values refused a ${w}x${h} rect`);
    }
  };
});
