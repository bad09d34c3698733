/** RRE (2): u32 count, background pixel, then count × (pixel, u16 x, y, w, h) inside the rect. */
import { Encoding } from "../../encodings.ts";
import { DecodeError, type DecodeContext, type RectDecoder } from "../decoder.ts";
import { checkRectInFramebuffer, fillRect } from "./rect-bounds.ts";

export class RreDecoder implements RectDecoder {
  readonly encoding = Encoding.RRE;

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    const fb = ctx.framebuffer;
    checkRectInFramebuffer(fb, this.encoding, x, y, w, h);
    const bpp = ctx.pixels.bytesPerPixel;
    const head = await ctx.source.read(4 + bpp);
    const n = head.readUInt32BE(0);
    // no sane server covers a rect with more subrects than it has pixels; refusing bounds the read below
    if (n > w * h) throw new DecodeError(`RRE rect ${w}x${h} at (${x},${y}) claims ${n} subrects, more than its ${w * h} pixels`);
    fillRect(fb, x, y, w, h, ctx.pixels.xrgb(head, 4));
    if (n === 0) return;
    const per = bpp + 8;
    const data = await ctx.source.read(n * per);
    for (let i = 0, o = 0; i < n; i++, o += per) {
      const colour = ctx.pixels.xrgb(data, o);
      const sx = data.readUInt16BE(o + bpp);
      const sy = data.readUInt16BE(o + bpp + 2);
      const sw = data.readUInt16BE(o + bpp + 4);
      const sh = data.readUInt16BE(o + bpp + 6);
      if (sx + sw > w || sy + sh > h) {
        throw new DecodeError(`RRE subrect ${i} (${sw}x${sh} at (${sx},${sy})) falls outside its ${w}x${h} rect at (${x},${y})`);
      }
      fillRect(fb, x + sx, y + sy, sw, sh, colour);
    }
  }
}
