/**
 * The drawing toolkit workloads use on a LinearImage (XRGB8888, 0x00RRGGBB, row y at y × stridePixels):
 * rectangles, lines, gradients, blits (opaque, scaled, alpha-blended) and bitmap-font text. Every call clips
 * to the image and works in place: nothing is allocated per pixel (at most a typed-array view per row).
 */
import type { BitmapFont } from "../font/psf.ts";
import type { LinearImage } from "../guest-display.ts";

/** A background colour meaning "leave the pixels under the glyph alone". */
export const TRANSPARENT = -1;

export function rgb(r: number, g: number, b: number): number {
  return (((r & 0xff) << 16) | ((g & 0xff) << 8) | (b & 0xff)) >>> 0;
}

/** A new zeroed image with its own memory (stride = width). */
export function createImage(width: number, height: number): LinearImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`image size ${width}x${height}`);
  }
  return { width, height, stridePixels: width, pixels: new Uint32Array(width * height) };
}

/** Fill the rectangle (x, y, w, h), clipped to the image. */
export function fillRect(img: LinearImage, x: number, y: number, w: number, h: number, color: number): void {
  const x0 = Math.max(0, x | 0);
  const y0 = Math.max(0, y | 0);
  const x1 = Math.min(img.width, (x + w) | 0);
  const y1 = Math.min(img.height, (y + h) | 0);
  if (x1 <= x0 || y1 <= y0) return;
  const px = img.pixels;
  const stride = img.stridePixels;
  const c = color >>> 0;
  for (let row = y0; row < y1; row++) {
    const base = row * stride;
    px.fill(c, base + x0, base + x1);
  }
}

export function clear(img: LinearImage, color: number): void {
  fillRect(img, 0, 0, img.width, img.height, color);
}

/** A one-pixel rectangle outline. */
export function strokeRect(img: LinearImage, x: number, y: number, w: number, h: number, color: number): void {
  if (w <= 0 || h <= 0) return;
  fillRect(img, x, y, w, 1, color);
  fillRect(img, x, y + h - 1, w, 1, color);
  fillRect(img, x, y + 1, 1, h - 2, color);
  fillRect(img, x + w - 1, y + 1, 1, h - 2, color);
}

/** A vertical gradient from `top` to `bottom` over the rectangle. */
export function verticalGradient(img: LinearImage, x: number, y: number, w: number, h: number, top: number, bottom: number): void {
  if (h <= 0) return;
  const r0 = (top >>> 16) & 0xff, g0 = (top >>> 8) & 0xff, b0 = top & 0xff;
  const r1 = (bottom >>> 16) & 0xff, g1 = (bottom >>> 8) & 0xff, b1 = bottom & 0xff;
  for (let i = 0; i < h; i++) {
    const f = h === 1 ? 0 : i / (h - 1);
    fillRect(img, x, y + i, w, 1, rgb(r0 + (r1 - r0) * f, g0 + (g1 - g0) * f, b0 + (b1 - b0) * f));
  }
}

/** Copy `src` (or its part sx, sy, w, h) to (dx, dy) of `dst`, clipped to both. */
export function blit(
  dst: LinearImage,
  dx: number,
  dy: number,
  src: LinearImage,
  sx = 0,
  sy = 0,
  w = src.width,
  h = src.height,
): void {
  let x0 = dx | 0, y0 = dy | 0, sx0 = sx | 0, sy0 = sy | 0, ww = w | 0, hh = h | 0;
  if (sx0 < 0) { ww += sx0; x0 -= sx0; sx0 = 0; }
  if (sy0 < 0) { hh += sy0; y0 -= sy0; sy0 = 0; }
  if (x0 < 0) { ww += x0; sx0 -= x0; x0 = 0; }
  if (y0 < 0) { hh += y0; sy0 -= y0; y0 = 0; }
  ww = Math.min(ww, dst.width - x0, src.width - sx0);
  hh = Math.min(hh, dst.height - y0, src.height - sy0);
  if (ww <= 0 || hh <= 0) return;
  const sp = src.pixels, dp = dst.pixels;
  const ss = src.stridePixels, ds = dst.stridePixels;
  if (sp.buffer === dp.buffer) {
    // Same memory (e.g. a scroll inside one framebuffer): memmove row by row in whole-buffer indices,
    // bottom-up when the destination lies after the source so no row is overwritten before it is read.
    const all = new Uint32Array(dp.buffer, 0, dp.buffer.byteLength >>> 2);
    const sBase = (sp.byteOffset >>> 2) + sy0 * ss + sx0;
    const dBase = (dp.byteOffset >>> 2) + y0 * ds + x0;
    const down = dBase > sBase;
    for (let i = 0; i < hh; i++) {
      const row = down ? hh - 1 - i : i;
      const from = sBase + row * ss;
      all.copyWithin(dBase + row * ds, from, from + ww);
    }
    return;
  }
  for (let row = 0; row < hh; row++) {
    const from = (sy0 + row) * ss + sx0;
    dp.set(sp.subarray(from, from + ww), (y0 + row) * ds + x0);
  }
}

/** Nearest-neighbour scale of all of `src` into the rectangle (dx, dy, dw, dh) of `dst`, clipped. */
export function blitScaled(dst: LinearImage, dx: number, dy: number, dw: number, dh: number, src: LinearImage): void {
  if (dw <= 0 || dh <= 0 || src.width === 0 || src.height === 0) return;
  const x0 = Math.max(0, dx | 0), y0 = Math.max(0, dy | 0);
  const x1 = Math.min(dst.width, (dx + dw) | 0), y1 = Math.min(dst.height, (dy + dh) | 0);
  const sp = src.pixels, dp = dst.pixels;
  const ss = src.stridePixels, ds = dst.stridePixels;
  for (let y = y0; y < y1; y++) {
    const sy = Math.min(src.height - 1, Math.floor(((y - dy) * src.height) / dh));
    const srow = sy * ss;
    const drow = y * ds;
    for (let x = x0; x < x1; x++) {
      const sx = Math.min(src.width - 1, Math.floor(((x - dx) * src.width) / dw));
      dp[drow + x] = sp[srow + sx]!;
    }
  }
}

/** Draw an ARGB8888 image (0xAARRGGBB, straight alpha) over `dst` at (dx, dy). */
export function blitAlpha(dst: LinearImage, dx: number, dy: number, src: LinearImage): void {
  const x0 = Math.max(0, dx | 0), y0 = Math.max(0, dy | 0);
  const x1 = Math.min(dst.width, (dx + src.width) | 0), y1 = Math.min(dst.height, (dy + src.height) | 0);
  const sp = src.pixels, dp = dst.pixels;
  const ss = src.stridePixels, ds = dst.stridePixels;
  for (let y = y0; y < y1; y++) {
    const srow = (y - dy) * ss - dx;
    const drow = y * ds;
    for (let x = x0; x < x1; x++) {
      const s = sp[srow + x]!;
      const a = s >>> 24;
      if (a === 0) continue;
      if (a === 255) {
        dp[drow + x] = s & 0xffffff;
        continue;
      }
      const d = dp[drow + x]!;
      const na = 255 - a;
      const r = (((s >>> 16) & 0xff) * a + ((d >>> 16) & 0xff) * na) / 255;
      const g = (((s >>> 8) & 0xff) * a + ((d >>> 8) & 0xff) * na) / 255;
      const b = ((s & 0xff) * a + (d & 0xff) * na) / 255;
      dp[drow + x] = ((r << 16) | (g << 8) | b) >>> 0;
    }
  }
}

/**
 * Draw glyph `g` of `font` with its top-left at (x, y): set bits in `fg`, clear bits in `bg` (or untouched
 * when bg is TRANSPARENT). Clipped.
 */
export function drawGlyph(img: LinearImage, font: BitmapFont, x: number, y: number, g: number, fg: number, bg = TRANSPARENT): void {
  const fw = font.width, fh = font.height, bpr = font.bytesPerRow;
  const gx0 = Math.max(0, -x), gy0 = Math.max(0, -y);
  const gx1 = Math.min(fw, img.width - x), gy1 = Math.min(fh, img.height - y);
  if (gx1 <= gx0 || gy1 <= gy0) return;
  const bits = font.bitmaps;
  const px = img.pixels;
  const stride = img.stridePixels;
  const opaque = bg !== TRANSPARENT;
  const f = fg >>> 0, b = bg >>> 0;
  let rowBase = (g * fh + gy0) * bpr;
  for (let gy = gy0; gy < gy1; gy++, rowBase += bpr) {
    const out = (y + gy) * stride + x;
    for (let gx = gx0; gx < gx1; gx++) {
      const on = (bits[rowBase + (gx >> 3)]! >> (7 - (gx & 7))) & 1;
      if (on) px[out + gx] = f;
      else if (opaque) px[out + gx] = b;
    }
  }
}

/**
 * Draw `text` in one line from (x, y) (the top of the cell), one font cell per code point; returns the x
 * after the last glyph. Control characters are drawn as the font's glyph for them (or its fallback).
 */
export function drawText(img: LinearImage, font: BitmapFont, x: number, y: number, text: string, fg: number, bg = TRANSPARENT): number {
  let cx = x;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cx >= img.width) {
      cx += font.width;
      continue;
    }
    drawGlyph(img, font, cx, y, font.glyphFor(cp), fg, bg);
    cx += font.width;
  }
  return cx;
}

/** Width in pixels of `text` drawn with drawText (one cell per code point). */
export function textWidth(font: BitmapFont, text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c < 0xe000 && i > 0) {
      const hi = text.charCodeAt(i - 1);
      if (hi >= 0xd800 && hi < 0xdc00) continue;
    }
    n++;
  }
  return n * font.width;
}

/** A view of the rectangle (x, y, w, h) of `img` (clipped), sharing its memory: drawing into it draws into img. */
export function subImage(img: LinearImage, x: number, y: number, w: number, h: number): LinearImage {
  const x0 = Math.max(0, Math.min(img.width, x | 0)), y0 = Math.max(0, Math.min(img.height, y | 0));
  const x1 = Math.max(x0, Math.min(img.width, (x + w) | 0)), y1 = Math.max(y0, Math.min(img.height, (y + h) | 0));
  const width = x1 - x0, height = y1 - y0;
  const start = y0 * img.stridePixels + x0;
  const end = height === 0 ? start : start + (height - 1) * img.stridePixels + width;
  return { width, height, stridePixels: img.stridePixels, pixels: img.pixels.subarray(start, end) };
}
