/**
 * Hextile's tile loop in C (native/hextile-tiles.c, loaded by display/native-library.ts): the same bytes as
 * HextileEncoder's TypeScript loop, without a JS call per pixel. Full-motion content, where every tile goes
 * Raw, is where it counts. Without the library the encoder keeps its TypeScript loop.
 *
 * This file is the boundary to C: sizes are checked here, so the C code never reads or writes outside the
 * arrays it is given.
 */
import { isInt32Size, nativeBinding } from "../../display/native-library.ts";

const TILE = 16;

export interface NativeHextile {
  /**
   * The tiles of a w×h rect of client pixel values (packed rows) into `out` at `offset`, pixels written as
   * `bytesPerPixel` bytes in the given byte order; returns the offset after the last byte.
   */
  encodeTiles(values: Uint32Array, w: number, h: number, bytesPerPixel: 1 | 2 | 4, bigEndian: boolean, out: Uint8Array, offset: number): number;
}

/** Bytes the tiles of a w×h rect can take at most: every tile Raw (a subencoding byte and its pixels). */
export function hextileWorstCase(w: number, h: number, bytesPerPixel: number): number {
  return Math.ceil(w / TILE) * Math.ceil(h / TILE) + w * h * bytesPerPixel;
}

/** The C tile loop, or undefined when the library is not built or is switched off. */
export const nativeHextile = nativeBinding<NativeHextile>((lib) => {
  const tiles = lib.func("int32_t vd_hextile_tiles(const uint32_t *values, int32_t w, int32_t h, int32_t bpp, int32_t big_endian, uint8_t *out, int32_t out_len)");
  return {
    encodeTiles(values, w, h, bytesPerPixel, bigEndian, out, offset) {
      const need = hextileWorstCase(w, h, bytesPerPixel);
      if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0 || values.length < w * h || !isInt32Size(need)) {
        throw new RangeError(`native hextile: a ${w}x${h} rect does not fit ${values.length} values`);
      }
      if (!Number.isInteger(offset) || offset < 0 || out.length - offset < need) {
        throw new RangeError(`native hextile: ${out.length - offset} bytes from offset ${offset} cannot hold ${need}`);
      }
      const target = offset === 0 ? out : out.subarray(offset);
      const n = tiles(values, w, h, bytesPerPixel, bigEndian ? 1 : 0, target, need) as number;
      if (n < 0) throw new RangeError(`native hextile refused a ${w}x${h} rect at ${bytesPerPixel} bytes per pixel`);
      return offset + n;
    },
  };
});
