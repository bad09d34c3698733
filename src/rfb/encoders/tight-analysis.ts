/**
 * Colour analysis for Tight and TightPNG: count a sub-rectangle's distinct colours up to a limit and, in
 * the same pass, write each pixel's palette index, so a rect that turns out to need a palette is never read
 * twice. A 1024-slot open-addressing hash (≤ 256 colours, so at most a quarter full) maps colour → index;
 * a one-entry cache skips it on runs of one colour. The scratch arrays belong to the module: the analysis
 * is synchronous and its results are copied out before anything awaits.
 */
import { SUBRECT_MAX_AREA } from "./tight-layout.ts";

export const MAX_PALETTE = 256;
const SLOTS = 1024;
const RGB = 0xffffff;

export class PaletteScratch {
  /** the palette, 0x00RRGGBB, in order of first appearance */
  readonly colours = new Uint32Array(MAX_PALETTE);
  /** one palette index per pixel, packed rows of the analysed rect */
  readonly indices = new Uint8Array(SUBRECT_MAX_AREA);
  readonly keys = new Int32Array(SLOTS);
  readonly values = new Uint8Array(SLOTS);
}

export const sharedPaletteScratch = new PaletteScratch();

/**
 * Distinct colours of the w×h rect at (x, y) (w·h ≤ SUBRECT_MAX_AREA), counting stops past `limit`
 * (≤ 256): returns the count, or limit + 1 when there are more. When the count is ≤ limit,
 * s.colours[0…count) is the palette and s.indices the rect's pixels as indices.
 */
export function analyseColours(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, limit: number, s: PaletteScratch): number {
  if (w * h > SUBRECT_MAX_AREA) throw new RangeError(`analyseColours: ${w}x${h} is larger than ${SUBRECT_MAX_AREA} pixels`);
  if (limit > MAX_PALETTE) throw new RangeError(`analyseColours: limit ${limit} > ${MAX_PALETTE}`);
  const keys = s.keys;
  const values = s.values;
  const colours = s.colours;
  const indices = s.indices;
  keys.fill(-1);
  let count = 0;
  let last = -1;
  let lastIndex = 0;
  let o = 0;
  for (let row = y; row < y + h; row++) {
    for (let i = row * stride + x, end = i + w; i < end; i++) {
      const c = pixels[i]! & RGB;
      if (c !== last) {
        let slot = Math.imul(c, 0x9e3779b1) >>> 22;
        for (;;) {
          const k = keys[slot]!;
          if (k === c) {
            lastIndex = values[slot]!;
            break;
          }
          if (k === -1) {
            if (count === limit) return limit + 1;
            keys[slot] = c;
            values[slot] = count;
            colours[count] = c;
            lastIndex = count++;
            break;
          }
          slot = (slot + 1) & (SLOTS - 1);
        }
        last = c;
      }
      indices[o++] = lastIndex;
    }
  }
  return count;
}
