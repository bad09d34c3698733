/*
 * Tight's 24-bit TPIXELs (R, G, B bytes) from XRGB8888 words, a rect at a time: the same bytes as packRgb
 * in src/rfb/encoders/tight-tpixel.ts (which stays the reference and the fallback), without a JS loop over
 * every pixel of full-motion content. Loaded through koffi by src/rfb/encoders/native-tpixel.ts.
 *
 * The caller (TypeScript) has checked the sizes: the rect lies inside the `pixels_len` words of a surface
 * whose rows are `stride` words apart, and `out` holds w×h×3 bytes. The checks below are a second line:
 * nothing is read or written outside those arrays (-1 instead).
 */
#include <stdint.h>

int32_t vd_pack_rgb(const uint32_t *pixels, int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h, uint8_t *out,
                    int32_t out_len) {
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || stride <= 0 || (int64_t)x + w > stride) return -1;
  if (((int64_t)y + h - 1) * stride + x + w > pixels_len || (int64_t)w * h * 3 > out_len) return -1;
  uint8_t *o = out;
  for (int32_t row = y; row < y + h; row++) {
    const uint32_t *p = pixels + (int64_t)row * stride + x;
    for (int32_t i = 0; i < w; i++) {
      const uint32_t v = p[i];
      o[0] = (uint8_t)(v >> 16);
      o[1] = (uint8_t)(v >> 8);
      o[2] = (uint8_t)v;
      o += 3;
    }
  }
  return w * h * 3;
}
