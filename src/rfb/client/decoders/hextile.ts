/**
 * Hextile (5): 16×16 tiles, each a subencoding byte (1 Raw, 2 BackgroundSpecified, 4 ForegroundSpecified,
 * 8 AnySubrects, 16 SubrectsColoured) and its data. Background and foreground carry over from tile to tile
 * within the rect (Raw tiles leave them as they were) and start undefined in every rect.
 */
import { Encoding } from "../../encodings.ts";
import { DecodeError, type DecodeContext, type RectDecoder } from "../decoder.ts";
import { checkRectInFramebuffer, drawWirePixels, fillRect } from "./rect-bounds.ts";

const RAW = 1;
const BACKGROUND = 2;
const FOREGROUND = 4;
const ANY_SUBRECTS = 8;
const COLOURED = 16;
const TILE = 16;

/** A tile as error messages name it (built only for an error: a tile's decode allocates no strings). */
const tileName = (tw: number, th: number, x: number, y: number): string => `hextile tile ${tw}x${th} at (${x},${y})`;

export class HextileDecoder implements RectDecoder {
  readonly encoding = Encoding.Hextile;

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    const fb = ctx.framebuffer;
    checkRectInFramebuffer(fb, this.encoding, x, y, w, h);
    const px = ctx.pixels;
    const bpp = px.bytesPerPixel;
    const src = ctx.source;
    let bg: number | undefined;
    let fg: number | undefined;
    for (let ty = 0; ty < h; ty += TILE) {
      const th = Math.min(TILE, h - ty);
      for (let tx = 0; tx < w; tx += TILE) {
        const tw = Math.min(TILE, w - tx);
        const sub = await src.u8();
        if (sub > 31) throw new DecodeError(`${tileName(tw, th, x + tx, y + ty)}: subencoding 0x${sub.toString(16)} sets undefined bits`);
        if (sub & RAW) {
          drawWirePixels(fb, px, await src.read(tw * th * bpp), 0, x + tx, y + ty, tw, th);
          continue;
        }
        if ((sub & FOREGROUND) !== 0 && (sub & COLOURED) !== 0) {
          throw new DecodeError(`${tileName(tw, th, x + tx, y + ty)}: ForegroundSpecified and SubrectsColoured are both set`);
        }
        if (sub & BACKGROUND) bg = px.xrgb(await src.read(bpp), 0);
        if (bg === undefined) throw new DecodeError(`${tileName(tw, th, x + tx, y + ty)}: no background (none specified in this rect yet)`);
        if (sub & FOREGROUND) fg = px.xrgb(await src.read(bpp), 0);
        fillRect(fb, x + tx, y + ty, tw, th, bg);
        if ((sub & ANY_SUBRECTS) === 0) continue;
        const n = await src.u8();
        const coloured = (sub & COLOURED) !== 0;
        if (!coloured && fg === undefined) throw new DecodeError(`${tileName(tw, th, x + tx, y + ty)}: subrects without a foreground (none specified in this rect yet)`);
        const per = coloured ? bpp + 2 : 2;
        const data = n === 0 ? undefined : await src.read(n * per);
        for (let i = 0, o = 0; i < n; i++, o += per) {
          let colour = fg!;
          if (coloured) colour = px.xrgb(data!, o);
          const xy = data![o + per - 2]!;
          const wh = data![o + per - 1]!;
          const sx = xy >>> 4;
          const sy = xy & 15;
          const sw = (wh >>> 4) + 1;
          const sh = (wh & 15) + 1;
          if (sx + sw > tw || sy + sh > th) {
            throw new DecodeError(`${tileName(tw, th, x + tx, y + ty)}: subrect ${i} (${sw}x${sh} at (${sx},${sy})) falls outside the tile`);
          }
          fillRect(fb, x + tx + sx, y + ty + sy, sw, sh, colour);
        }
      }
    }
  }
}
