/** Raw (0): w×h pixels in the client's format. */
import { Encoding } from "../../encodings.ts";
import type { DecodeContext, RectDecoder } from "../decoder.ts";
import { checkRectInFramebuffer, drawWirePixels } from "./rect-bounds.ts";

export class RawDecoder implements RectDecoder {
  readonly encoding = Encoding.Raw;

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    checkRectInFramebuffer(ctx.framebuffer, this.encoding, x, y, w, h);
    const bpp = ctx.pixels.bytesPerPixel;
    if (w * h === 0) return;
    const data = await ctx.source.read(w * h * bpp);
    drawWirePixels(ctx.framebuffer, ctx.pixels, data, 0, x, y, w, h);
  }
}
