/*
 * Hextile's tiles (RFC 6143 §7.7.4) in one call: the same choices, byte for byte, as HextileEncoder in
 * src/rfb/encoders/hextile.ts (which stays the reference and the fallback): solid tiles as a background,
 * two colours as monochrome subrects of the less frequent one, more as coloured subrects on the most
 * frequent one (ties: the colour whose first run ended first), whichever of that and Raw is smaller.
 * Loaded through koffi by src/rfb/encoders/native-hextile.ts.
 *
 * The caller (TypeScript) has checked every size: `values` holds w×h client pixel values (packed rows),
 * `out` holds out_len bytes, and out_len covers the worst case (every tile Raw: one byte plus its pixels).
 * The check below is a second line: nothing is written past out_len.
 */
#include <stdint.h>
#include <string.h>

#define TILE 16
#define MAX_TILE_SUBRECTS 255
#define TABLE_SLOTS 512 /* power of two, at least twice the 256 colours a tile can hold */

enum { SUB_RAW = 1, SUB_BG = 2, SUB_FG = 4, SUB_ANY = 8, SUB_COLOURED = 16 };

typedef struct {
  uint32_t colours[TILE * TILE];
  uint32_t counts[TILE * TILE];
  int16_t slot_index[TABLE_SLOTS];
  int16_t slot_of[TILE * TILE];
  int size;
} colour_table;

static void table_reset(colour_table *t) {
  for (int i = 0; i < t->size; i++) t->slot_index[t->slot_of[i]] = -1;
  t->size = 0;
}

static void table_add(colour_table *t, uint32_t value, uint32_t count) {
  uint32_t slot = (value * 0x9e3779b1u) >> (32 - 9);
  for (;;) {
    const int i = t->slot_index[slot];
    if (i < 0) break;
    if (t->colours[i] == value) {
      t->counts[i] += count;
      return;
    }
    slot = (slot + 1) & (TABLE_SLOTS - 1);
  }
  const int i = t->size++;
  t->slot_index[slot] = (int16_t)i;
  t->slot_of[i] = (int16_t)slot;
  t->colours[i] = value;
  t->counts[i] = count;
}

/* The most frequent value of a tile, counted a run at a time; the first inserted wins ties. */
static uint32_t most_frequent(colour_table *t, const uint32_t *v, int stride, int w, int h) {
  table_reset(t);
  for (int y = 0; y < h; y++) {
    const uint32_t *row = v + (size_t)y * stride;
    uint32_t run = row[0];
    uint32_t len = 0;
    for (int x = 0; x < w; x++) {
      if (row[x] == run) {
        len++;
      } else {
        table_add(t, run, len);
        run = row[x];
        len = 1;
      }
    }
    table_add(t, run, len);
  }
  int best = 0;
  for (int i = 1; i < t->size; i++)
    if (t->counts[i] > t->counts[best]) best = i;
  return t->colours[best];
}

/* Whether the tile has more than max corners: pixels (!= bg when has_bg) unlike their left and upper
   neighbours, each of which starts a subrect of its own (subrects.ts tooManySubrects). */
static int too_many_subrects(const uint32_t *v, int stride, int w, int h, int has_bg, uint32_t bg, int max) {
  int corners = 0;
  for (int y = 0; y < h; y++) {
    const uint32_t *row = v + (size_t)y * stride;
    for (int x = 0; x < w; x++) {
      const uint32_t c = row[x];
      if ((has_bg && c == bg) || (x > 0 && row[x - 1] == c) || (y > 0 && row[x - stride] == c)) continue;
      if (++corners > max) return 1;
    }
  }
  return 0;
}

typedef struct {
  uint8_t x, y, w, h;
  uint32_t colour;
} subrect;

/* Subrects covering every pixel != bg, greedy in scan order (subrects.ts findSubrects); -1 past max. */
static int find_subrects(const uint32_t *v, int stride, int w, int h, uint32_t bg, subrect *out, int max) {
  uint8_t covered[TILE * TILE];
  memset(covered, 0, sizeof covered);
  int n = 0;
  for (int y = 0; y < h; y++) {
    const uint32_t *row = v + (size_t)y * stride;
    for (int x = 0; x < w; x++) {
      const uint32_t c = row[x];
      if (c == bg || covered[y * w + x]) continue;
      if (n == max) return -1;
      int hw = 1;
      while (x + hw < w && row[x + hw] == c) hw++;
      int hh = 1;
      for (; y + hh < h; hh++) {
        const uint32_t *r = v + (size_t)(y + hh) * stride + x;
        int i = 0;
        while (i < hw && r[i] == c) i++;
        if (i < hw) break;
      }
      int vh = 1;
      while (y + vh < h && v[(size_t)(y + vh) * stride + x] == c) vh++;
      int vw = 1;
      for (; x + vw < w; vw++) {
        const uint32_t *col = row + x + vw;
        int i = 0;
        while (i < vh && col[(size_t)i * stride] == c) i++;
        if (i < vh) break;
      }
      int sw = hw, sh = hh;
      if (vw * vh > hw * hh) {
        sw = vw;
        sh = vh;
      }
      for (int yy = y; yy < y + sh; yy++) memset(covered + yy * w + x, 1, (size_t)sw);
      out[n].x = (uint8_t)x;
      out[n].y = (uint8_t)y;
      out[n].w = (uint8_t)sw;
      out[n].h = (uint8_t)sh;
      out[n].colour = c;
      n++;
    }
  }
  return n;
}

static uint8_t *put_pixel(uint8_t *o, uint32_t value, int bpp, int big) {
  if (bpp == 1) {
    *o++ = (uint8_t)value;
  } else if (bpp == 2) {
    if (big) {
      *o++ = (uint8_t)(value >> 8);
      *o++ = (uint8_t)value;
    } else {
      *o++ = (uint8_t)value;
      *o++ = (uint8_t)(value >> 8);
    }
  } else if (big) {
    *o++ = (uint8_t)(value >> 24);
    *o++ = (uint8_t)(value >> 16);
    *o++ = (uint8_t)(value >> 8);
    *o++ = (uint8_t)value;
  } else {
    *o++ = (uint8_t)value;
    *o++ = (uint8_t)(value >> 8);
    *o++ = (uint8_t)(value >> 16);
    *o++ = (uint8_t)(value >> 24);
  }
  return o;
}

/*
 * The tiles of a w×h rect (no rect header) into out; returns the bytes written, or -1 when out_len could
 * not hold the worst case (nothing is written then).
 */
int32_t vd_hextile_tiles(const uint32_t *values, int32_t w, int32_t h, int32_t bpp, int32_t big_endian, uint8_t *out, int32_t out_len) {
  if (w <= 0 || h <= 0 || (bpp != 1 && bpp != 2 && bpp != 4)) return -1;
  const int64_t tiles = (int64_t)((w + TILE - 1) / TILE) * ((h + TILE - 1) / TILE);
  if ((int64_t)out_len < tiles + (int64_t)w * h * bpp) return -1;
  colour_table table; /* on the stack: calls from several threads do not share it */
  memset(table.slot_index, 0xff, sizeof table.slot_index);
  table.size = 0;
  const uint16_t one = 1;
  const int copy_rows = bpp == 4 && !big_endian && *(const uint8_t *)&one == 1; /* the values' bytes are the wire bytes */
  subrect subrects[MAX_TILE_SUBRECTS];
  uint8_t *o = out;
  int bg_valid = 0, fg_valid = 0;
  uint32_t bg = 0, fg = 0;
  for (int ty = 0; ty < h; ty += TILE) {
    const int th = h - ty < TILE ? h - ty : TILE;
    for (int tx = 0; tx < w; tx += TILE) {
      const int tw = w - tx < TILE ? w - tx : TILE;
      const uint32_t *base = values + (size_t)ty * w + tx;
      const int raw_size = 1 + tw * th * bpp;
      const uint32_t c0 = base[0];
      uint32_t c1 = 0;
      int count0 = 0, count1 = 0, multi = 0;
      for (int r = 0; r < th && !multi; r++) {
        const uint32_t *row = base + (size_t)r * w;
        for (int i = 0; i < tw; i++) {
          const uint32_t v = row[i];
          if (v == c0) {
            count0++;
          } else if (count1 == 0) {
            c1 = v;
            count1 = 1;
          } else if (v == c1) {
            count1++;
          } else {
            multi = 1;
            break;
          }
        }
      }
      if (count1 == 0) {
        if (bg_valid && bg == c0) {
          *o++ = 0;
        } else {
          *o++ = SUB_BG;
          o = put_pixel(o, c0, bpp, big_endian);
          bg = c0;
          bg_valid = 1;
        }
        continue;
      }
      uint32_t tile_bg = 0;
      int fixed = 2;
      int n = -1;
      /* noisy tiles go Raw before the background's histogram (hextile.ts noisyTileCorners) */
      int noisy_corners = (raw_size - 2) / (bpp + 2);
      if (noisy_corners > MAX_TILE_SUBRECTS) noisy_corners = MAX_TILE_SUBRECTS;
      if (!multi || !too_many_subrects(base, w, tw, th, 0, 0, noisy_corners + TILE)) {
        if (!multi) {
          tile_bg = count0 >= count1 ? c0 : c1;
          const uint32_t tile_fg = tile_bg == c0 ? c1 : c0;
          if (!fg_valid || fg != tile_fg) fixed += bpp;
        } else {
          tile_bg = most_frequent(&table, base, w, tw, th);
        }
        if (!bg_valid || bg != tile_bg) fixed += bpp;
        const int per_subrect = multi ? bpp + 2 : 2;
        int max_count = (raw_size - fixed) / per_subrect;
        if (max_count > MAX_TILE_SUBRECTS) max_count = MAX_TILE_SUBRECTS;
        const int hopeless = max_count <= 0 || (multi && table.size - 1 > max_count) || too_many_subrects(base, w, tw, th, 1, tile_bg, max_count);
        if (!hopeless) n = find_subrects(base, w, tw, th, tile_bg, subrects, max_count);
      }
      if (n < 0) {
        *o++ = SUB_RAW;
        for (int r = 0; r < th; r++) {
          const uint32_t *row = base + (size_t)r * w;
          if (copy_rows) {
            memcpy(o, row, (size_t)tw * 4);
            o += tw * 4;
          } else {
            for (int i = 0; i < tw; i++) o = put_pixel(o, row[i], bpp, big_endian);
          }
        }
        bg_valid = 0;
        fg_valid = 0;
        continue;
      }
      uint8_t *sub_pos = o++;
      uint8_t sub = SUB_ANY;
      if (!bg_valid || bg != tile_bg) {
        sub |= SUB_BG;
        o = put_pixel(o, tile_bg, bpp, big_endian);
        bg = tile_bg;
        bg_valid = 1;
      }
      if (multi) {
        sub |= SUB_COLOURED;
        fg_valid = 0;
      } else {
        const uint32_t tile_fg = subrects[0].colour;
        if (!fg_valid || fg != tile_fg) {
          sub |= SUB_FG;
          o = put_pixel(o, tile_fg, bpp, big_endian);
          fg = tile_fg;
          fg_valid = 1;
        }
      }
      *sub_pos = sub;
      *o++ = (uint8_t)n;
      for (int i = 0; i < n; i++) {
        if (multi) o = put_pixel(o, subrects[i].colour, bpp, big_endian);
        *o++ = (uint8_t)((subrects[i].x << 4) | subrects[i].y);
        *o++ = (uint8_t)(((subrects[i].w - 1) << 4) | (subrects[i].h - 1));
      }
    }
  }
  return (int32_t)(o - out);
}
