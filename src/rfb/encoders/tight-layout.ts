/**
 * How Tight and TightPNG cut a damaged rectangle into the rectangles they send, as TigerVNC's
 * EncodeManager does: first look for large solid areas (16×16 blocks of one colour, grown block by block
 * to the right and down, keeping the largest area, then pixel by pixel in every direction) and send each
 * as one Fill; what is left around it is handled the same way; whatever has no solid area is split into
 * sub-rectangles of at most 2048 pixels wide and 65,536 pixels in area (Tight's limits for basic data).
 * Fills are cut to 2048 pixels wide as well (the width limit is Tight's, for every rectangle).
 *
 * Colours are compared on the low 24 bits: the surface's top byte carries nothing.
 */

export const SUBRECT_MAX_WIDTH = 2048;
export const SUBRECT_MAX_AREA = 65536;
export const SOLID_SEARCH_BLOCK = 16;
/** a solid area smaller than this is left inside its sub-rectangle (a Fill of its own would not pay) */
export const SOLID_MIN_AREA = 2048;

export interface TightRegion {
  x: number;
  y: number;
  w: number;
  h: number;
  /** the area's one colour (0x00RRGGBB) when it was found solid, else −1 (the encoder still counts colours) */
  solid: number;
}

const RGB = 0xffffff;

/** The colour of the w×h rect at (x, y) when all its pixels have it, else −1. */
export function solidColour(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number): number {
  const c = pixels[y * stride + x]! & RGB;
  return areaIs(pixels, stride, x, y, w, h, c) ? c : -1;
}

/** Whether the n pixels from index i all have colour c: four per branch (twice as fast in V8). */
function spanIs(pixels: Uint32Array, i: number, n: number, c: number): boolean {
  const quadsEnd = i + (n & ~3);
  const end = i + n;
  for (; i < quadsEnd; i += 4) if ((((pixels[i]! ^ c) | (pixels[i + 1]! ^ c) | (pixels[i + 2]! ^ c) | (pixels[i + 3]! ^ c)) & RGB) !== 0) return false;
  for (; i < end; i++) if (((pixels[i]! ^ c) & RGB) !== 0) return false;
  return true;
}

function areaIs(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, c: number): boolean {
  for (let row = y; row < y + h; row++) if (!spanIs(pixels, row * stride + x, w, c)) return false;
  return true;
}

function rowIs(pixels: Uint32Array, stride: number, x: number, y: number, w: number, c: number): boolean {
  return spanIs(pixels, y * stride + x, w, c);
}

function columnIs(pixels: Uint32Array, stride: number, x: number, y: number, h: number, c: number): boolean {
  for (let i = y * stride + x, end = i + h * stride; i < end; i += stride) if (((pixels[i]! ^ c) & RGB) !== 0) return false;
  return true;
}

/** Append to `out` the regions that cover the w×h rect at (x, y) exactly once. */
export function planTightRegions(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, out: TightRegion[]): void {
  plan(pixels, stride, x, y, w, h, true, out);
}

function plan(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, search: boolean, out: TightRegion[]): void {
  if (w <= 0 || h <= 0) return;
  if (search && w * h >= SOLID_MIN_AREA) {
    const B = SOLID_SEARCH_BLOCK;
    const right = x + w;
    const bottom = y + h;
    for (let by = y; by < bottom; by += B) {
      const bh = Math.min(B, bottom - by);
      for (let bx = x; bx < right; bx += B) {
        const bw = Math.min(B, right - bx);
        const c = solidColour(pixels, stride, bx, by, bw, bh);
        if (c < 0) continue;
        // grow by blocks: the run of solid blocks to the right, then narrowed row by row going down,
        // keeping the largest area seen
        let runEnd = bx + bw;
        while (runEnd < right && solidColour(pixels, stride, runEnd, by, Math.min(B, right - runEnd), bh) === c) runEnd += Math.min(B, right - runEnd);
        let bestW = runEnd - bx;
        let bestH = bh;
        let rowEnd = by + bh;
        let width = bestW;
        while (rowEnd < bottom) {
          const rh = Math.min(B, bottom - rowEnd);
          let end = bx;
          while (end < bx + width && solidColour(pixels, stride, end, rowEnd, Math.min(B, bx + width - end), rh) === c) end += Math.min(B, bx + width - end);
          if (end === bx) break;
          width = end - bx;
          rowEnd += rh;
          if (width * (rowEnd - by) > bestW * bestH) {
            bestW = width;
            bestH = rowEnd - by;
          }
        }
        // then pixel by pixel, in all four directions, inside the rect
        let sx = bx;
        let sy = by;
        let sw = bestW;
        let sh = bestH;
        while (sy > y && rowIs(pixels, stride, sx, sy - 1, sw, c)) (sy--, sh++);
        while (sy + sh < bottom && rowIs(pixels, stride, sx, sy + sh, sw, c)) sh++;
        // sideways four columns at a time while that holds (rows of 4 pixels read better than columns)
        while (sx - 4 >= x && areaIs(pixels, stride, sx - 4, sy, 4, sh, c)) (sx -= 4, sw += 4);
        while (sx > x && columnIs(pixels, stride, sx - 1, sy, sh, c)) (sx--, sw++);
        while (sx + sw + 4 <= right && areaIs(pixels, stride, sx + sw, sy, 4, sh, c)) sw += 4;
        while (sx + sw < right && columnIs(pixels, stride, sx + sw, sy, sh, c)) sw++;
        if (sw * sh < SOLID_MIN_AREA) continue;
        // above: every block there was looked at and gave nothing big enough
        plan(pixels, stride, x, y, w, sy - y, false, out);
        plan(pixels, stride, x, sy, sx - x, sh, true, out);
        // Tight rects stay ≤ 2048 wide even as fills (decoders may hold every Tight rect to the limit)
        for (let fx = sx; fx < sx + sw; fx += SUBRECT_MAX_WIDTH) out.push({ x: fx, y: sy, w: Math.min(SUBRECT_MAX_WIDTH, sx + sw - fx), h: sh, solid: c });
        plan(pixels, stride, sx + sw, sy, right - (sx + sw), sh, true, out);
        plan(pixels, stride, x, sy + sh, w, bottom - (sy + sh), true, out);
        return;
      }
    }
  }
  splitSubRects(x, y, w, h, out);
}

/** Sub-rectangles of at most SUBRECT_MAX_WIDTH wide and SUBRECT_MAX_AREA pixels, rows of them top to bottom. */
export function splitSubRects(x: number, y: number, w: number, h: number, out: TightRegion[]): void {
  if (w <= 0 || h <= 0) return;
  const subW = Math.min(w, SUBRECT_MAX_WIDTH);
  const subH = Math.max(1, Math.min(h, Math.floor(SUBRECT_MAX_AREA / subW)));
  for (let sy = y; sy < y + h; sy += subH) {
    const rh = Math.min(subH, y + h - sy);
    for (let sx = x; sx < x + w; sx += subW) out.push({ x: sx, y: sy, w: Math.min(subW, x + w - sx), h: rh, solid: -1 });
  }
}
