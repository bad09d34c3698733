/**
 * TightPNG (encoding −260), server side: what noVNC accepts — Fill (1000), JPEG (1001) and PNG (1010,
 * compact length + PNG file); no basic zlib compression. The choice per rectangle follows Tight
 * (tight.ts): solid areas → Fill; per sub-rectangle, 1 colour → Fill; when the client allows lossy and the
 * rect has more colours than Tight's palette limit (24 / 96) → JPEG; otherwise PNG, indexed when it has
 * ≤ 256 colours (exact and small), else RGB. PNG's zlib level stays low (1…3 from the compression level):
 * the browser's PNG decoder is the cost that matters on the other side, and level 6+ buys little on
 * screen content for 2–3× the CPU (TOOLING.md §5).
 */
import { Encoding } from "../encodings.ts";
import type { EncodeContext, EncodedRect, RectEncoder } from "./encoder.ts";
import { encodePalettePng, encodeRgbPng } from "./png-image.ts";
import { analyseColours, MAX_PALETTE, sharedPaletteScratch } from "./tight-analysis.ts";
import { planTightRegions, type TightRegion } from "./tight-layout.ts";
import { encodeTightRegions, fillRect, JPEG_LATER, lengthPrefixedRect, TightControl, tightJpegAllowed, tightPaletteLimit } from "./tight.ts";

/** PNG zlib level for a Tight compression level (−1 → 2). */
export function pngZlibLevel(compressLevel: number): number {
  if (!(compressLevel >= 0 && compressLevel <= 9)) return 2;
  return Math.min(3, Math.max(1, compressLevel));
}

export class TightPngEncoder implements RectEncoder {
  readonly encoding = Encoding.TightPNG;

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] | Promise<EncodedRect[]> {
    const regions: TightRegion[] = [];
    planTightRegions(ctx.pixels, ctx.width, x, y, w, h, regions);
    const jpeg = tightJpegAllowed(ctx);
    const level = pngZlibLevel(ctx.compressLevel);
    return encodeTightRegions(ctx, regions, (r) => this.encodeRegion(ctx, r, jpeg, level), Encoding.TightPNG);
  }

  /** A region's rect, or JPEG_LATER for one that goes as JPEG (joined with its neighbours first). */
  private encodeRegion(ctx: EncodeContext, r: TightRegion, jpeg: boolean, level: number): EncodedRect | Promise<EncodedRect> | typeof JPEG_LATER {
    if (r.solid >= 0) return fillRect(ctx.translator, r, r.solid, Encoding.TightPNG);
    const s = sharedPaletteScratch;
    const limit = jpeg ? tightPaletteLimit(r.w * r.h, ctx.compressLevel, true) : MAX_PALETTE;
    const n = analyseColours(ctx.pixels, ctx.width, r.x, r.y, r.w, r.h, limit, s);
    if (n === 1) return fillRect(ctx.translator, r, s.colours[0]!, Encoding.TightPNG);
    if (n > limit && jpeg) return JPEG_LATER;
    const png = n <= limit ? encodePalettePng(s.colours, n, s.indices, r.w, r.h, level) : encodeRgbPng(ctx.pixels, ctx.width, r.x, r.y, r.w, r.h, level);
    const wrap = (file: Uint8Array) => lengthPrefixedRect(r, Encoding.TightPNG, TightControl.PNG, file);
    return png instanceof Promise ? png.then(wrap) : wrap(png);
  }
}
