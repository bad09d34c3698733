/**
 * Zlib (encoding 6, rfbproto "Zlib Encoding"): u32 length + zlib data that inflates to the rect's Raw
 * pixels, on one zlib stream per connection. Compression and the header splice follow deflate-rect.ts.
 * Rects taller than BAND_PIXELS / w rows are sent as several full-width rects (bands), compressed in
 * parallel; a deflate window is 32 KiB, so bands of ~1 MiB lose next to nothing in ratio.
 */
import { Encoding } from "../encodings.ts";
import type { EncodeContext, EncodedRect, RectEncoder } from "./encoder.ts";
import { BAND_PIXELS, deflatedRect, settle } from "./deflate-rect.ts";
import { atLeastUint8 } from "./pixel-values.ts";

export class ZlibEncoder implements RectEncoder {
  readonly encoding = Encoding.Zlib;
  // scratch, only used inside one synchronous encode()
  private data = new Uint8Array(0);

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] | Promise<EncodedRect[]> {
    const bpp = ctx.translator.bytesPerPixel;
    const bandRows = Math.max(1, Math.floor(BAND_PIXELS / Math.max(1, w)));
    this.data = atLeastUint8(this.data, Math.min(h, bandRows) * w * bpp);
    const rects: Array<EncodedRect | Promise<EncodedRect>> = [];
    for (let by = 0; by < h; by += bandRows) {
      const bh = Math.min(bandRows, h - by);
      const n = ctx.translator.translateRect(ctx.pixels, ctx.width, x, y + by, w, bh, this.data, 0);
      rects.push(deflatedRect(x, y + by, w, bh, Encoding.Zlib, this.data.subarray(0, n), ctx.compressLevel, "zlib", ctx.output));
    }
    return settle(rects);
  }
}
