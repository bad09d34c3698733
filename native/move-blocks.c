/*
 * The hot loops of move detection: the same rules as MoveDetector's block test and anchor search in
 * src/display/move-detector.ts (which stay the reference and the fallback), where memcmp runs without a
 * JS loop per pixel. Loaded through koffi by src/display/native-moves.ts.
 *
 * The caller (TypeScript) has checked every size and offset: cur and prev hold height rows of width
 * pixels; the rect, the anchor and every candidate's source are tested against those bounds here before
 * any read; grid holds the rect's blocks. Nothing here reads or writes outside them.
 */
#include <stdint.h>
#include <string.h>

/* Whether n pixels at a and b are equal. A whole block row (16 pixels) is compared inline, in 64-bit words
   (memcpy loads: the source is seldom 8-byte aligned): a libc call per 64 bytes costs more than the compare. */
static inline int pixels_equal(const int32_t *a, const int32_t *b, int32_t n) {
  if (n != 16) return memcmp(a, b, (size_t)n * 4) == 0;
  uint64_t diff = 0;
  for (int k = 0; k < 8; k++) {
    uint64_t u, v;
    memcpy(&u, a + 2 * k, 8);
    memcpy(&v, b + 2 * k, 8);
    diff |= u ^ v;
  }
  return diff == 0;
}

/* Whether the block [x0, x1) x [y0, y1) of cur equals prev at (x0 - dx, y0 - dy), the source inside the frame. */
static int block_matches(const int32_t *cur, const int32_t *prev, int32_t width, int32_t height,
                         int32_t x0, int32_t x1, int32_t y0, int32_t y1, int32_t dx, int32_t dy) {
  const int32_t sx = x0 - dx, sy = y0 - dy;
  if (sx < 0 || sy < 0 || sx + (x1 - x0) > width || sy + (y1 - y0) > height) return 0;
  const int32_t n = x1 - x0;
  const int32_t *c = cur + (size_t)y0 * width + x0;
  const int32_t *p = prev + (size_t)sy * width + sx;
  for (int32_t y = y0; y < y1; y++, c += width, p += width) {
    /* most misses differ in the first pixel: skip the rest for those */
    if (c[0] != p[0] || !pixels_equal(c, p, n)) return 0;
  }
  return 1;
}

/*
 * For each block of the rect (rx, ry, rw, rh) on the grid of `block` pixels (frame coordinates): the index
 * of the first candidate (dx, dy pairs in cand) under which it equals the previous frame, the left
 * neighbour's candidate tried first; -1 when none. grid is the rect's blocks, row-major. Returns how many
 * blocks matched.
 */
int32_t vd_match_blocks(const int32_t *cur, const int32_t *prev, int32_t width, int32_t height,
                        int32_t rx, int32_t ry, int32_t rw, int32_t rh, int32_t block,
                        const int32_t *cand, int32_t ncand, int16_t *grid) {
  const int32_t bx0 = rx / block, by0 = ry / block;
  const int32_t cols = (rx + rw + block - 1) / block - bx0;
  const int32_t rows = (ry + rh + block - 1) / block - by0;
  int32_t matched = 0;
  for (int32_t row = 0; row < rows; row++) {
    const int32_t top = (by0 + row) * block;
    const int32_t y0 = top > ry ? top : ry;
    const int32_t y1 = top + block < ry + rh ? top + block : ry + rh;
    int32_t hint = -1;
    for (int32_t col = 0; col < cols; col++) {
      const int32_t left = (bx0 + col) * block;
      const int32_t x0 = left > rx ? left : rx;
      const int32_t x1 = left + block < rx + rw ? left + block : rx + rw;
      int32_t found = -1;
      if (hint >= 0 && block_matches(cur, prev, width, height, x0, x1, y0, y1, cand[2 * hint], cand[2 * hint + 1])) found = hint;
      for (int32_t k = 0; found < 0 && k < ncand; k++) {
        if (k != hint && block_matches(cur, prev, width, height, x0, x1, y0, y1, cand[2 * k], cand[2 * k + 1])) found = k;
      }
      grid[row * cols + col] = (int16_t)found;
      if (found >= 0) {
        hint = found;
        matched++;
      }
    }
  }
  return matched;
}

/*
 * Look for the `words` pixels of cur at (ax, ay) in prev, within `range` pixels in each axis, the nearest
 * rows first (ay, ay - 1, ay + 1, ...), each row left to right. Writes up to max_matches vectors (dx, dy)
 * = (ax - ox, ay - oy) to out; returns how many.
 */
int32_t vd_search_anchor(const int32_t *cur, const int32_t *prev, int32_t width, int32_t height,
                         int32_t ax, int32_t ay, int32_t words, int32_t range, int32_t max_matches, int32_t *out) {
  if (words <= 0 || ax < 0 || ay < 0 || ax + words > width || ay >= height) return 0;
  const int32_t *a = cur + (size_t)ay * width + ax;
  const int32_t first = a[0], last = a[words - 1];
  const int32_t x0 = ax - range > 0 ? ax - range : 0;
  const int32_t x1 = ax + range < width - words ? ax + range : width - words;
  int32_t matches = 0;
  for (int32_t d = 0; d <= range; d++) {
    for (int32_t side = d == 0 ? 1 : 0; side < 2; side++) {
      const int32_t oy = side == 0 ? ay - d : ay + d;
      if (oy < 0 || oy >= height) continue;
      const int32_t *row = prev + (size_t)oy * width;
      for (int32_t ox = x0; ox <= x1; ox++) {
        if (row[ox] != first || row[ox + words - 1] != last) continue;
        if (memcmp(row + ox, a, (size_t)words * 4) != 0) continue;
        out[2 * matches] = ax - ox;
        out[2 * matches + 1] = ay - oy;
        if (++matches == max_matches) return matches;
      }
    }
  }
  return matches;
}

/*
 * prev := cur over n rects (x, y, w, h quadruples in rects), both frames width x height pixels: how the
 * detector keeps its previous frame in step after a search, one call a frame instead of a copy per row. A
 * rect that is not wholly inside the frame is skipped (the caller has already refused such rects).
 */
void vd_copy_rects(int32_t *prev, const int32_t *cur, int32_t width, int32_t height, const int32_t *rects, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    const int32_t x = rects[4 * i], y = rects[4 * i + 1], w = rects[4 * i + 2], h = rects[4 * i + 3];
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || w > width - x || h > height - y) continue;
    if (w == width) {
      memcpy(prev + (size_t)y * width, cur + (size_t)y * width, (size_t)w * h * 4);
      continue;
    }
    for (int32_t row = y; row < y + h; row++) memcpy(prev + (size_t)row * width + x, cur + (size_t)row * width + x, (size_t)w * 4);
  }
}
