/**
 * Hextile (5): 16×16 tiles, each a subencoding byte (1 Raw, 2 BackgroundSpecified, 4 ForegroundSpecified,
 * 8 AnySubrects, 16 SubrectsColoured) and its data. Background and foreground carry over from tile to tile
 * within the rect (Raw tiles leave them as they were) and start undefined in every rect.
 *
 * A tile is decoded in place from the bytes already buffered (ByteSource.head): its length is known from
 * its first few bytes, and a tile wholly in the buffer costs no promise and no buffer. Only a tile that is
 * not all here yet (or straddles two socket chunks) is waited for, as one peeked buffer. A whole 4K video
 * frame is 32,400 tiles: two awaits and two views a tile were most of its decode.
 */
import { Encoding } from "../../encodings.ts";
import type { ByteSource } from "../byte-source.ts";
import { DecodeError, type ClientFramebuffer, type DecodeContext, type RectDecoder } from "../decoder.ts";
import type { PixelReader } from "../pixel-reader.ts";
import { checkRectInFramebuffer, drawWirePixels, fillRect } from "./rect-bounds.ts";

const RAW = 1;
const BACKGROUND = 2;
const FOREGROUND = 4;
const ANY_SUBRECTS = 8;
const COLOURED = 16;
const TILE = 16;

/** A tile as error messages name it (built only for an error: a tile's decode allocates no strings). */
const tileName = (tw: number, th: number, x: number, y: number): string => `hextile tile ${tw}x${th} at (${x},${y})`;

/** One rect's decode: where it draws, and the colours that carry over from tile to tile. */
interface RectState {
  readonly fb: ClientFramebuffer;
  readonly px: PixelReader;
  bg: number | undefined;
  fg: number | undefined;
}

export class HextileDecoder implements RectDecoder {
  readonly encoding = Encoding.Hextile;

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    checkRectInFramebuffer(ctx.framebuffer, this.encoding, x, y, w, h);
    const state: RectState = { fb: ctx.framebuffer, px: ctx.pixels, bg: undefined, fg: undefined };
    const src = ctx.source;
    let head = src.head();
    let at = 0;
    for (let ty = 0; ty < h; ty += TILE) {
      const th = Math.min(TILE, h - ty);
      for (let tx = 0; tx < w; tx += TILE) {
        const tw = Math.min(TILE, w - tx);
        let len = tileLength(head, at, tw, th, state);
        if (len > head.length - at && at > 0) {
          // not in what is left of this chunk: consume what was drawn, and look again from the tile's start
          // (at the next chunk when this one ended exactly where the tile starts)
          src.skip(at);
          head = src.head();
          at = 0;
          len = tileLength(head, 0, tw, th, state);
        }
        if (len <= head.length - at) {
          drawTile(state, head, at, x + tx, y + ty, tw, th);
          at += len;
          continue;
        }
        await waitedTile(src, state, x + tx, y + ty, tw, th);
        head = src.head();
        at = 0;
      }
    }
    src.skip(at);
  }
}

/** A tile not wholly buffered: peek until its length is known and all of it is here, then draw and consume it. */
async function waitedTile(src: ByteSource, state: RectState, x: number, y: number, tw: number, th: number): Promise<void> {
  let known = 1;
  for (;;) {
    const bytes = await src.peek(known);
    const len = tileLength(bytes, 0, tw, th, state);
    if (len <= known) {
      drawTile(state, bytes, 0, x, y, tw, th);
      src.skip(len);
      return;
    }
    known = len;
  }
}

/**
 * The length of the tile at b[at…] as far as the bytes there tell: exact once it is ≤ what is there (its
 * subencoding and, with subrects, their count are in view), else how many bytes to look at before asking
 * again. A tile that breaks a rule ends where drawTile can tell (at its first byte, or after the subrect
 * count for subrects with no foreground), so it is rejected as soon as those bytes are here, not after the
 * bytes it claims that may never come.
 */
function tileLength(b: Uint8Array, at: number, tw: number, th: number, state: RectState): number {
  if (at >= b.length) return 1;
  const sub = b[at]!;
  if (sub > 31 || ((sub & FOREGROUND) !== 0 && (sub & COLOURED) !== 0)) return 1;
  const bpp = state.px.bytesPerPixel;
  if (sub & RAW) return 1 + tw * th * bpp;
  if ((sub & BACKGROUND) === 0 && state.bg === undefined) return 1;
  let len = 1 + (sub & BACKGROUND ? bpp : 0) + (sub & FOREGROUND ? bpp : 0);
  if ((sub & ANY_SUBRECTS) === 0) return len;
  len += 1; // the subrect count
  if ((sub & (FOREGROUND | COLOURED)) === 0 && state.fg === undefined) return len;
  if (at + len > b.length) return len;
  return len + b[at + len - 1]! * (sub & COLOURED ? bpp + 2 : 2);
}

/** Draw the tile whose bytes are all at b[at…] (tileLength long), checking every rule of the encoding. */
function drawTile(state: RectState, b: Uint8Array, at: number, x: number, y: number, tw: number, th: number): void {
  const { fb, px } = state;
  const bpp = px.bytesPerPixel;
  const sub = b[at++]!;
  if (sub > 31) throw new DecodeError(`${tileName(tw, th, x, y)}: subencoding 0x${sub.toString(16)} sets undefined bits`);
  if (sub & RAW) {
    drawWirePixels(fb, px, b, at, x, y, tw, th);
    return;
  }
  if ((sub & FOREGROUND) !== 0 && (sub & COLOURED) !== 0) {
    throw new DecodeError(`${tileName(tw, th, x, y)}: ForegroundSpecified and SubrectsColoured are both set`);
  }
  if (sub & BACKGROUND) {
    state.bg = px.xrgb(b, at);
    at += bpp;
  }
  if (state.bg === undefined) throw new DecodeError(`${tileName(tw, th, x, y)}: no background (none specified in this rect yet)`);
  if (sub & FOREGROUND) {
    state.fg = px.xrgb(b, at);
    at += bpp;
  }
  fillRect(fb, x, y, tw, th, state.bg);
  if ((sub & ANY_SUBRECTS) === 0) return;
  const n = b[at++]!;
  const coloured = (sub & COLOURED) !== 0;
  if (!coloured && state.fg === undefined) throw new DecodeError(`${tileName(tw, th, x, y)}: subrects without a foreground (none specified in this rect yet)`);
  const per = coloured ? bpp + 2 : 2;
  for (let i = 0; i < n; i++, at += per) {
    const colour = coloured ? px.xrgb(b, at) : state.fg!;
    const xy = b[at + per - 2]!;
    const wh = b[at + per - 1]!;
    const sx = xy >>> 4;
    const sy = xy & 15;
    const sw = (wh >>> 4) + 1;
    const sh = (wh & 15) + 1;
    if (sx + sw > tw || sy + sh > th) {
      throw new DecodeError(`${tileName(tw, th, x, y)}: subrect ${i} (${sw}x${sh} at (${sx},${sy})) falls outside the tile`);
    }
    fillRect(fb, x + sx, y + sy, sw, sh, colour);
  }
}
