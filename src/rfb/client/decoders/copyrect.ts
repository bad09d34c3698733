/** CopyRect (1): u16 src-x, src-y; copy that area of the framebuffer to the rect (source and target may overlap). */
import { Encoding } from "../../encodings.ts";
import { DecodeError, type DecodeContext, type RectDecoder } from "../decoder.ts";
import { checkRectInFramebuffer } from "./rect-bounds.ts";

export class CopyRectDecoder implements RectDecoder {
  readonly encoding = Encoding.CopyRect;

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    const fb = ctx.framebuffer;
    checkRectInFramebuffer(fb, this.encoding, x, y, w, h);
    const b = await ctx.source.read(4);
    const sx = b.readUInt16BE(0);
    const sy = b.readUInt16BE(2);
    if (sx + w > fb.width || sy + h > fb.height) {
      throw new DecodeError(`CopyRect source ${w}x${h} at (${sx},${sy}) exceeds the ${fb.width}x${fb.height} framebuffer`);
    }
    const px = fb.pixels;
    // rows in the order that never reads a row already overwritten; copyWithin handles overlap within a row
    if (sy < y) {
      for (let row = h - 1; row >= 0; row--) px.copyWithin((y + row) * fb.width + x, (sy + row) * fb.width + sx, (sy + row) * fb.width + sx + w);
    } else {
      for (let row = 0; row < h; row++) px.copyWithin((y + row) * fb.width + x, (sy + row) * fb.width + sx, (sy + row) * fb.width + sx + w);
    }
  }
}
