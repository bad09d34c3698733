/*
 * Client pixel values of a rect for the 32-bit true-colour layouts real clients use (the console word with
 * its top byte cleared, or with red and blue swapped as well): the same values as readPixelValues in
 * src/rfb/encoders/pixel-values.ts (which stays the reference and the fallback), without a JS loop over
 * every pixel of a frame. Loaded through koffi by src/rfb/encoders/native-pixel-values.ts.
 *
 * The caller (TypeScript) has checked the sizes: the rect lies inside the `pixels_len` words of a surface
 * whose rows are `stride` words apart, and `out` holds w×h words. The checks below are a second line:
 * nothing is read or written outside those arrays (-1 instead).
 */
#include <stdint.h>

int32_t vd_pixel_values(const uint32_t *pixels, int32_t pixels_len, int32_t stride, int32_t x, int32_t y, int32_t w, int32_t h, int32_t swap,
                        uint32_t *out, int32_t out_len) {
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || stride <= 0 || (int64_t)x + w > stride) return -1;
  if (((int64_t)y + h - 1) * stride + x + w > pixels_len || (int64_t)w * h > out_len) return -1;
  uint32_t *o = out;
  for (int32_t row = y; row < y + h; row++) {
    const uint32_t *p = pixels + (int64_t)row * stride + x;
    if (swap) {
      for (int32_t i = 0; i < w; i++) {
        const uint32_t v = p[i];
        o[i] = ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff);
      }
    } else {
      for (int32_t i = 0; i < w; i++) o[i] = p[i] & 0xffffff;
    }
    o += w;
  }
  return w * h;
}
