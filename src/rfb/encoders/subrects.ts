/**
 * Covering the pixels of a block that are not its background with solid subrectangles (RRE and Hextile).
 * Greedy, in scan order: from the first pixel not yet covered, grow a rect of its colour two ways (as wide
 * as the run, then down while whole rows match; as tall as the column run, then right while whole columns
 * match) and keep the larger. Overlap with earlier subrects of the same colour is harmless (they paint the
 * same value), so growth only checks colours; `covered` just stops pixels from starting a second rect.
 */

/** A `bg` for tooManySubrects that no pixel value equals: every pixel counts. */
export const NO_BACKGROUND = -1;

/**
 * Whether the block has more than `max` corners: pixels ≠ bg whose left and upper neighbours (inside the
 * block) both differ from them. Such a pixel can only be the top-left corner of a subrect, so each starts
 * one of its own: with bg the background, more than `max` corners prove that covering needs more than
 * `max` subrects, without running findSubrects to find the same. Stops counting past `max`.
 */
export function tooManySubrects(values: Uint32Array, base: number, stride: number, w: number, h: number, bg: number, max: number): boolean {
  let corners = 0;
  for (let y = 0; y < h; y++) {
    const row = base + y * stride;
    for (let x = 0; x < w; x++) {
      const c = values[row + x]!;
      if (c === bg || (x > 0 && values[row + x - 1] === c) || (y > 0 && values[row + x - stride] === c)) continue;
      if (++corners > max) return true;
    }
  }
  return false;
}

/** Subrects are stored as 5 words each in the output array: x, y, w, h (relative to the block), colour. */
export const SUBRECT_WORDS = 5;

/**
 * Find subrects covering every pixel ≠ bg of the w×h block whose top-left value is values[base] (row
 * stride `stride`). Writes at most maxCount subrects to `out` and returns how many, or −1 as soon as more
 * would be needed. `covered` must hold at least w×h bytes; it is cleared here.
 */
export function findSubrects(
  values: Uint32Array,
  base: number,
  stride: number,
  w: number,
  h: number,
  bg: number,
  covered: Uint8Array,
  out: Uint32Array,
  maxCount: number,
): number {
  covered.fill(0, 0, w * h);
  let n = 0;
  for (let y = 0; y < h; y++) {
    const rowBase = base + y * stride;
    for (let x = 0; x < w; x++) {
      const c = values[rowBase + x]!;
      if (c === bg || covered[y * w + x] !== 0) continue;
      if (n === maxCount) return -1;

      // horizontal first: the run, then the rows below that repeat it
      let hw = 1;
      while (x + hw < w && values[rowBase + x + hw] === c) hw++;
      let hh = 1;
      rows: while (y + hh < h) {
        const r = base + (y + hh) * stride + x;
        for (let i = 0; i < hw; i++) if (values[r + i] !== c) break rows;
        hh++;
      }
      // vertical first: the column run, then the columns to the right that repeat it
      let vh = 1;
      while (y + vh < h && values[base + (y + vh) * stride + x] === c) vh++;
      let vw = 1;
      cols: while (x + vw < w) {
        const col = rowBase + x + vw;
        for (let i = 0; i < vh; i++) if (values[col + i * stride] !== c) break cols;
        vw++;
      }
      let sw = hw;
      let sh = hh;
      if (vw * vh > hw * hh) {
        sw = vw;
        sh = vh;
      }
      for (let yy = y; yy < y + sh; yy++) covered.fill(1, yy * w + x, yy * w + x + sw);
      const o = n * SUBRECT_WORDS;
      out[o] = x;
      out[o + 1] = y;
      out[o + 2] = sw;
      out[o + 3] = sh;
      out[o + 4] = c;
      n++;
    }
  }
  return n;
}
