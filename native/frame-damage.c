/*
 * Damage detection over many rows in one call: the same rules as DamageTracker.row() in
 * src/display/damage-tracker.ts (which stays the reference and the fallback), done where memcmp and memcpy
 * run without a call per row or per tile. Loaded through koffi by src/display/native-damage.ts.
 *
 * The caller (TypeScript) has checked every size and offset: src holds `count` rows of `width` XRGB8888
 * pixels, `stride` bytes apart; surface holds `height` rows of `width` pixels; the tile arrays have
 * tilesX * tilesY entries (exact and dirty_cells too), the tile-row arrays tilesY, and seg_bits one row of
 * ceil(ceil(width / 8) / 32) words per surface row, prints ROW_PRINT_BYTES and print_valid one byte per
 * surface row. Nothing here reads or writes outside them.
 */
#include <stdint.h>
#include <string.h>

#include "row-print.h"

/* Layout of the state array shared with TypeScript (DamageTracker's move tracking and row counter). */
enum {
  S_RUN_DY,
  S_RUN_START,
  S_RUN_LEN,
  S_SEARCHES,
  S_BEST_Y,
  S_BEST_H,
  S_BEST_DY,
  S_CHANGED_ROWS,
  S_COUNT
};

/* Pixels per damage segment: each changed row records which 8-pixel segments of its dirty spans differ,
   so a static area inside a changed one (a video's on-screen display) can be left out of the rectangles.
   SEGMENT_PIXELS in damage-tracker.ts. */
#define SEGMENT 8

/* Limits shared with TypeScript, passed in so both sides use the same numbers. */
typedef struct {
  int32_t max_searches;
  int32_t max_dy;
} move_limits;

/* The first of n pixels that differ, or -1. memcmp (vectorised in libc) proves most spans equal before
   the scalar scan looks for where. */
static int first_difference(const uint32_t *s, const uint32_t *d, int n) {
  if (n <= 0 || memcmp(s, d, (size_t)n * 4) == 0) return -1;
  for (int k = 0; k < n; k++)
    if (s[k] != d[k]) return k;
  return -1;
}

/* The last of n pixels that differ, when pixel 0 is known to differ (never -1). */
static int last_difference_from(const uint32_t *s, const uint32_t *d, int n) {
  int k = n - 1;
  while (k > 0 && s[k] == d[k]) k--;
  return k;
}

/* The last of n pixels that differ, or -1. */
static int last_difference(const uint32_t *s, const uint32_t *d, int n) {
  if (n <= 0 || memcmp(s, d, (size_t)n * 4) == 0) return -1;
  for (int k = n - 1; k >= 0; k--)
    if (s[k] != d[k]) return k;
  return -1;
}

/* Four pixels in one vector register (GCC/clang vector extension: SSE2 on x86-64, NEON on arm64). */
typedef uint32_t pixels4 __attribute__((vector_size(16)));

/* Copy one whole segment (8 pixels) from s to d; nonzero when it differed. Loads and stores go through
   memcpy, which compiles to unaligned vector moves. */
static inline int segment_compare_copy(const uint32_t *s, uint32_t *d) {
  pixels4 a0, a1, b0, b1;
  memcpy(&a0, s, 16);
  memcpy(&a1, s + 4, 16);
  memcpy(&b0, d, 16);
  memcpy(&b1, d + 4, 16);
  memcpy(d, &a0, 16);
  memcpy(d + 4, &a1, 16);
  const pixels4 x = (a0 ^ b0) | (a1 ^ b1);
  uint64_t lanes[2];
  memcpy(lanes, &x, 16);
  return (lanes[0] | lanes[1]) != 0;
}

/* Mark the segment holding pixel x (x >= 0) as changed. */
static inline void mark_segment(uint32_t *seg_bits, int x) {
  const int seg = x / SEGMENT;
  seg_bits[seg >> 5] |= 1u << (seg & 31);
}

/* Copy pixels x … end−1 (within one segment) and mark the segment if they differed; 1 if they did. */
static int compare_copy_pixels(const uint32_t *s, uint32_t *d, int x, int end, uint32_t *seg_bits) {
  uint32_t diff = 0;
  for (int i = x; i < end; i++) {
    diff |= s[i] ^ d[i];
    d[i] = s[i];
  }
  if (!diff) return 0;
  mark_segment(seg_bits, x);
  return 1;
}

/* Set bits a … b (inclusive) of a bitmap. */
static void set_bits(uint32_t *bits, int a, int b) {
  for (int w = a >> 5; w <= b >> 5; w++) {
    const int lo = w == a >> 5 ? (a & 31) : 0;
    const int hi = w == b >> 5 ? (b & 31) : 31;
    bits[w] |= (hi == 31 ? 0xffffffffu : (1u << (hi + 1)) - 1) & ~((1u << lo) - 1);
  }
}

/*
 * Copy pixels x0 … x1−1 of a row into the surface and mark its 8-pixel segments in `seg_bits` (the row's
 * bitmap). In a tile whose `exact` flag is set, the copy compares as it goes and marks only the segment
 * pieces (a segment's part in the tile) that differ, counting them in dirty_cells. Runs of other tiles
 * (copied plainly: most of a video) are copied by memcpy, which need not read the surface first, and marked
 * whole, with nothing counted: a run with such tiles in it is only cut where its compared tiles show it
 * static.
 */
static void compare_copy(const uint32_t *s, uint32_t *d, int x0, int x1, int tile, const uint8_t *exact, uint32_t *seg_bits,
                         int32_t *dirty_cells) {
  for (int t = x0 / tile, cx0 = x0; cx0 < x1;) {
    if (!exact[t]) {
      // the tiles after it that are copied plainly too go in the same memcpy
      while ((t + 1) * tile < x1 && !exact[t + 1]) t++;
      const int cx1 = (t + 1) * tile < x1 ? (t + 1) * tile : x1;
      memcpy(d + cx0, s + cx0, (size_t)(cx1 - cx0) * 4);
      set_bits(seg_bits, cx0 / SEGMENT, (cx1 - 1) / SEGMENT);
      cx0 = cx1;
      t++;
      continue;
    }
    const int cx1 = (t + 1) * tile < x1 ? (t + 1) * tile : x1;
    int32_t dirty = 0;
    int x = cx0;
    // a piece of a segment at either end by pixels, the whole segments between as vectors (x >= 0: shifts)
    if (x % SEGMENT != 0) {
      const int end = (x / SEGMENT + 1) * SEGMENT < cx1 ? (x / SEGMENT + 1) * SEGMENT : cx1;
      dirty += compare_copy_pixels(s, d, x, end, seg_bits);
      x = end;
    }
    for (; x + SEGMENT <= cx1; x += SEGMENT) {
      if (segment_compare_copy(s + x, d + x)) {
        mark_segment(seg_bits, x);
        dirty++;
      }
    }
    if (x < cx1) dirty += compare_copy_pixels(s, d, x, cx1, seg_bits);
    dirty_cells[t] += dirty;
    cx0 = cx1;
    t++;
  }
}

static void close_run(int32_t *st) {
  if (st[S_RUN_LEN] > st[S_BEST_H]) {
    st[S_BEST_Y] = st[S_RUN_START];
    st[S_BEST_H] = st[S_RUN_LEN];
    st[S_BEST_DY] = st[S_RUN_DY];
  }
  st[S_RUN_LEN] = 0;
}

/* An unchanged or changed row that continues the current move (its source row, dy further down, is equal). */
static int continues_run(const int32_t *st, int y, int height, const uint8_t *row, const uint32_t *surface, size_t row_bytes) {
  return st[S_RUN_LEN] > 0 && y == st[S_RUN_START] + st[S_RUN_LEN] && y + st[S_RUN_DY] < height &&
         memcmp(row, surface + (size_t)(y + st[S_RUN_DY]) * (row_bytes / 4), row_bytes) == 0;
}

static void track_move(int32_t *st, move_limits lim, int y, int height, const uint8_t *row, const uint32_t *surface, size_t row_bytes) {
  if (continues_run(st, y, height, row, surface, row_bytes)) {
    st[S_RUN_LEN]++;
    return;
  }
  close_run(st);
  if (st[S_SEARCHES] >= lim.max_searches) return;
  st[S_SEARCHES]++;
  int max_dy = height - 1 - y;
  if (max_dy > lim.max_dy) max_dy = lim.max_dy;
  for (int dy = 1; dy <= max_dy; dy++) {
    if (memcmp(row, surface + (size_t)(y + dy) * (row_bytes / 4), row_bytes) == 0) {
      st[S_RUN_DY] = dy;
      st[S_RUN_START] = y;
      st[S_RUN_LEN] = 1;
      return;
    }
  }
}

/*
 * Mark the tiles of one changed row (its tile row's dirty flags and changed spans, `tiles_x` of each) with the
 * row's differences: a clean tile that differs becomes dirty with the span of its differences, a dirty tile's
 * span widens to take in this row's. Returns 1 when afterwards every tile of the tile row is dirty from its
 * first column to its last (a full-motion area): no later row of the frame can change them any more.
 */
static int widen_spans(const uint32_t *s, const uint32_t *d, int width, int tile, int tiles_x, uint8_t *dirty_row, int32_t *left,
                       int32_t *right) {
  int whole = 1;
  for (int tx = 0; tx < tiles_x;) {
    const int x0 = tx * tile;
    if (dirty_row[tx]) {
      // already dirty: only the columns outside its changed span can widen it
      const int n = width - x0 < tile ? width - x0 : tile;
      if (left[tx] > x0) {
        const int k = first_difference(s + x0, d + x0, left[tx] - x0);
        if (k >= 0) left[tx] = x0 + k;
      }
      if (right[tx] < x0 + n - 1) {
        const int k = last_difference(s + right[tx] + 1, d + right[tx] + 1, x0 + n - 1 - right[tx]);
        if (k >= 0) right[tx] = right[tx] + 1 + k;
      }
      whole &= left[tx] == x0 && right[tx] == x0 + n - 1;
      tx++;
      continue;
    }
    // a run of clean tiles is usually still clean: one memcmp over the run proves it (a call per tile
    // would cost more than the compare); only a run that differs is looked at tile by tile
    const int run_start = tx;
    while (tx < tiles_x && !dirty_row[tx]) tx++;
    const int run_end = tx * tile < width ? tx * tile : width;
    if (memcmp(s + x0, d + x0, (size_t)(run_end - x0) * 4) == 0) {
      whole = 0;
      continue;
    }
    for (int t = run_start, t0 = x0; t < tx; t++, t0 += tile) {
      const int n = width - t0 < tile ? width - t0 : tile;
      const int first = first_difference(s + t0, d + t0, n);
      if (first < 0) {
        whole = 0;
        continue;
      }
      dirty_row[t] = 1;
      left[t] = t0 + first;
      // the scan from the right stops at `first` at the latest: it differs
      right[t] = t0 + first + last_difference_from(s + t0 + first, d + t0 + first, n - first);
      whole &= first == 0 && right[t] == t0 + n - 1;
    }
  }
  return whole;
}

/* 1 when row prints can be computed on this machine (row-print.h), else 0. */
int32_t vd_row_prints_available(void) { return row_print_available(); }

/* The print of `bytes` bytes at p into out (ROW_PRINT_BYTES); 0 when prints are unavailable here. */
int32_t vd_row_print(const uint8_t *p, uint32_t bytes, uint8_t *out) {
  if (!row_print_available()) return 0;
  row_print(p, bytes, out);
  return 1;
}

/*
 * Rows y0 … y0+count−1 of the frame, row i at src + i*stride. Returns the number of rows that changed.
 *
 * prints holds a row print (ROW_PRINT_BYTES) per surface row and print_valid whether it is the print of
 * what the surface row holds. With use_prints (and prints available), a row whose print matches a valid one
 * is unchanged without reading the surface; every other row is compared as without prints, and its print is
 * kept. Without use_prints a row that changed loses its print (an unchanged one keeps it: still true).
 */
int32_t vd_damage_rows(const uint8_t *src, uint32_t stride, int32_t y0, int32_t count, uint32_t *surface, int32_t width, int32_t height,
                       int32_t tile, uint8_t *dirty, int32_t *changed_left, int32_t *changed_right, int32_t *first_row, int32_t *last_row,
                       int32_t *st, int32_t max_searches, int32_t max_dy, const uint8_t *exact, uint32_t *seg_bits, int32_t *dirty_cells,
                       uint8_t *prints, uint8_t *print_valid, int32_t use_prints) {
  const move_limits lim = {max_searches, max_dy};
  const size_t row_bytes = (size_t)width * 4;
  const int tiles_x = (width + tile - 1) / tile;
  const int seg_words = ((width + SEGMENT - 1) / SEGMENT + 31) / 32;
  const int printing = use_prints && row_print_available();
  // the tile row, if any, whose tiles are all dirty edge to edge (widen_spans): its later rows only copy
  int whole_tile_row = -1;
  int32_t changed = 0;
  for (int32_t i = 0; i < count; i++) {
    const int y = y0 + i;
    const uint8_t *row = src + (size_t)i * stride;
    const uint32_t *s = (const uint32_t *)row;
    uint32_t *d = surface + (size_t)y * width;
    uint8_t print[ROW_PRINT_BYTES];
    uint8_t *kept = prints + (size_t)y * ROW_PRINT_BYTES;
    if (printing) {
      row_print(row, row_bytes, print);
      if (print_valid[y] && memcmp(print, kept, ROW_PRINT_BYTES) == 0) {
        if (continues_run(st, y, height, row, surface, row_bytes)) st[S_RUN_LEN]++;
        continue;
      }
    }
    if (memcmp(row, d, row_bytes) == 0) {
      if (printing) {
        memcpy(kept, print, ROW_PRINT_BYTES);
        print_valid[y] = 1;
      }
      if (continues_run(st, y, height, row, surface, row_bytes)) st[S_RUN_LEN]++;
      continue;
    }
    track_move(st, lim, y, height, row, surface, row_bytes);
    const int tile_row = y / tile;
    uint8_t *dirty_row = dirty + (size_t)tile_row * tiles_x;
    int32_t *left = changed_left + (size_t)tile_row * tiles_x;
    int32_t *right = changed_right + (size_t)tile_row * tiles_x;
    uint32_t *row_bits = seg_bits + (size_t)y * seg_words;
    const size_t tiles_before = (size_t)tile_row * tiles_x;
    if (tile_row == whole_tile_row) {
      // every tile of this tile row is dirty from its first column to its last: nothing in this row can
      // widen a span, and the runs of dirty tiles are one run over the whole row
      compare_copy(s, d, 0, width, tile, exact + tiles_before, row_bits, dirty_cells + tiles_before);
    } else {
      if (widen_spans(s, d, width, tile, tiles_x, dirty_row, left, right)) whole_tile_row = tile_row;
      // Every difference in this row lies inside a dirty tile's changed span (each span was widened by this
      // row's differences just above): copying from the first span's left to the last span's right of each
      // run of dirty tiles leaves the row equal to the source, and skips the unchanged edges of the run.
      for (int tx = 0; tx < tiles_x;) {
        if (!dirty_row[tx]) {
          tx++;
          continue;
        }
        const int x0 = left[tx];
        while (tx < tiles_x && dirty_row[tx]) tx++;
        const int x1 = right[tx - 1] + 1;
        compare_copy(s, d, x0, x1, tile, exact + tiles_before, row_bits, dirty_cells + tiles_before);
      }
    }
    if (first_row[tile_row] == -1) first_row[tile_row] = y;
    last_row[tile_row] = y;
    changed++;
    // the surface row now equals the source row: the print just taken is its print
    if (printing) memcpy(kept, print, ROW_PRINT_BYTES);
    print_valid[y] = (uint8_t)printing;
  }
  st[S_CHANGED_ROWS] += changed;
  return changed;
}
