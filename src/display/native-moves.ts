/**
 * The native half of move detection: native/move-blocks.c (native-library.ts loads it), the block test and
 * the anchor search of MoveDetector in C, where memcmp runs without a JS loop per pixel. Without the
 * library MoveDetector keeps its JavaScript loops, which give the same moves.
 *
 * This file is the boundary to C: every size and offset is checked here, so the C code never touches
 * memory outside the arrays it is given.
 */
import type { Rect } from "./damage-tracker.ts";
import { isInt32Size, nativeBinding } from "./native-library.ts";

/** The two frames (width×height pixels each) a detector compares. */
export interface MoveFrames {
  current: Int32Array;
  previous: Int32Array;
  width: number;
  height: number;
}

export interface NativeMoves {
  /**
   * For each `block`-pixel block of rect r (grid in frame coordinates, clipped to r): the index of the first
   * of `count` candidates (dx, dy pairs) under which it equals the previous frame, the left neighbour's
   * first; −1 when none. Written to grid row-major; returns how many matched.
   */
  matchBlocks(f: MoveFrames, r: Rect, block: number, candidates: Int32Array, count: number, grid: Int16Array): number;
  /** Matches of the `words` pixels at (ax, ay) in the previous frame within `range`, nearest rows first: (dx, dy) pairs into out; returns how many. */
  searchAnchor(f: MoveFrames, ax: number, ay: number, words: number, range: number, maxMatches: number, out: Int32Array): number;
  /** previous := current over the first `count` rects of `rects` (x, y, w, h quadruples), each inside the frame. */
  copyRects(f: MoveFrames, rects: Int32Array, count: number): void;
}

/** The native loops, or undefined when the library is not built or is switched off. */
export const nativeMoves = nativeBinding<NativeMoves>((lib) => {
  const match = lib.func(
    "int32_t vd_match_blocks(const int32_t *cur, const int32_t *prev, int32_t width, int32_t height, int32_t rx, int32_t ry, int32_t rw, int32_t rh, int32_t block, const int32_t *cand, int32_t ncand, int16_t *grid)",
  );
  const search = lib.func(
    "int32_t vd_search_anchor(const int32_t *cur, const int32_t *prev, int32_t width, int32_t height, int32_t ax, int32_t ay, int32_t words, int32_t range, int32_t max_matches, int32_t *out)",
  );
  const copy = lib.func("void vd_copy_rects(int32_t *prev, const int32_t *cur, int32_t width, int32_t height, const int32_t *rects, int32_t n)");
  return {
    matchBlocks(f, r, block, candidates, count, grid) {
      checkFrames(f);
      if (![r.x, r.y, r.w, r.h, block, count].every(isInt32Size) || r.w === 0 || r.h === 0 || block === 0 || r.x + r.w > f.width || r.y + r.h > f.height) {
        throw new RangeError(`native moves: rect ${JSON.stringify(r)} or block ${block} outside the ${f.width}x${f.height} frame`);
      }
      const cells = (Math.ceil((r.x + r.w) / block) - Math.floor(r.x / block)) * (Math.ceil((r.y + r.h) / block) - Math.floor(r.y / block));
      if (candidates.length < 2 * count || grid.length < cells) throw new RangeError(`native moves: ${count} candidates or ${cells} blocks do not fit their arrays`);
      return match(f.current, f.previous, f.width, f.height, r.x, r.y, r.w, r.h, block, candidates, count, grid) as number;
    },
    searchAnchor(f, ax, ay, words, range, maxMatches, out) {
      checkFrames(f);
      if (![ax, ay, words, range, maxMatches].every(isInt32Size) || ax + words > f.width || ay >= f.height || out.length < 2 * maxMatches) {
        throw new RangeError(`native moves: anchor of ${words} at ${ax},${ay} (range ${range}, ${maxMatches} matches) does not fit`);
      }
      return search(f.current, f.previous, f.width, f.height, ax, ay, words, range, maxMatches, out) as number;
    },
    copyRects(f, rects, count) {
      checkFrames(f);
      if (!isInt32Size(count) || rects.length < 4 * count) throw new RangeError(`native moves: ${count} rects do not fit an array of ${rects.length}`);
      for (let i = 0; i < 4 * count; i += 4) {
        const x = rects[i]!;
        const y = rects[i + 1]!;
        const w = rects[i + 2]!;
        const h = rects[i + 3]!;
        // Int32Array entries are integers: only signs and extents are left to check
        if (x < 0 || y < 0 || w < 0 || h < 0 || w > f.width - x || h > f.height - y) throw new RangeError(`native moves: rect ${x},${y} ${w}x${h} outside the ${f.width}x${f.height} frame`);
      }
      copy(f.previous, f.current, f.width, f.height, rects, count);
    },
  };
});

function checkFrames(f: MoveFrames): void {
  if (!isInt32Size(f.width) || !isInt32Size(f.height) || f.current.length !== f.width * f.height || f.previous.length !== f.width * f.height) {
    throw new RangeError(`native moves: frames of ${f.current.length} and ${f.previous.length} pixels are not ${f.width}x${f.height}`);
  }
}
