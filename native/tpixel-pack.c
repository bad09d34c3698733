/*
 * Tight's 24-bit TPIXELs (R, G, B bytes) from XRGB8888 words, a rect at a time, as they are (the copy
 * filter) or as the gradient filter's residuals: the same bytes as packRgb and packRgbGradient in
 * src/rfb/encoders/tight-tpixel.ts (which stay the reference and the fallback), without a JS loop over
 * every pixel of full-motion content. Loaded through koffi by src/rfb/encoders/native-tpixel.ts.
 *
 * The caller (TypeScript) has checked the sizes: the rect lies inside the `pixels_len` words of a surface
 * whose rows are `stride` words apart, and `out` holds w×h×3 bytes. The checks below are a second line:
 * nothing is read or written outside those arrays (-1 instead).
 */
#include <stdint.h>

/* Whether the w×h rect at (x, y) lies in the surface and its w×h×3 bytes fit in out. */
static int rect_fits(int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h, int32_t out_len) {
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || stride <= 0 || (int64_t)x + w > stride) return 0;
  return ((int64_t)y + h - 1) * stride + x + w <= pixels_len && (int64_t)w * h * 3 <= out_len;
}

int32_t vd_pack_rgb(const uint32_t *pixels, int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h, uint8_t *out,
                    int32_t out_len) {
  if (!rect_fits(pixels_len, stride, x, y, w, h, out_len)) return -1;
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

/* One channel's residual: the value less left + above − above-left clamped to 0…255, modulo 256. */
static inline uint8_t residual(uint32_t v, uint32_t left, uint32_t above, uint32_t above_left, int shift) {
  int p = (int)((left >> shift) & 0xff) + (int)((above >> shift) & 0xff) - (int)((above_left >> shift) & 0xff);
  p = p < 0 ? 0 : p > 255 ? 255 : p;
  return (uint8_t)(((v >> shift) & 0xff) - (uint32_t)p);
}

/* The gradient filter (rfbproto, Tight): pixels outside the rect predict as 0. */
int32_t vd_pack_rgb_gradient(const uint32_t *pixels, int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h,
                             uint8_t *out, int32_t out_len) {
  if (!rect_fits(pixels_len, stride, x, y, w, h, out_len)) return -1;
  uint8_t *o = out;
  for (int32_t row = y; row < y + h; row++) {
    const uint32_t *p = pixels + (int64_t)row * stride + x;
    const uint32_t *above = row > y ? p - stride : 0;
    uint32_t left = 0, above_left = 0;
    for (int32_t i = 0; i < w; i++) {
      const uint32_t v = p[i];
      const uint32_t up = above ? above[i] : 0;
      o[0] = residual(v, left, up, above_left, 16);
      o[1] = residual(v, left, up, above_left, 8);
      o[2] = residual(v, left, up, above_left, 0);
      o += 3;
      left = v;
      above_left = up;
    }
  }
  return w * h * 3;
}
