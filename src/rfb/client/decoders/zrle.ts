/**
 * ZRLE (16): u32 length + data of the connection's one zlib stream; the inflated bytes are the rect's
 * 64×64 tiles, each a subencoding (0 raw, 1 solid, 2–16 packed palette, 128 plain RLE, 130–255 palette
 * RLE) with CPIXELs. Every byte is checked before it is used: a tile that runs past the data, an undefined
 * subencoding, a palette index beyond the palette, a run past the end of the tile, or data left over after
 * the last tile is a DecodeError naming the tile.
 */
import { Encoding } from "../../encodings.ts";
import { DecodeError, type ClientFramebuffer, type DecodeContext, type RectDecoder } from "../decoder.ts";
import type { PixelReader } from "../pixel-reader.ts";
import { PersistentInflate } from "./persistent-inflate.ts";
import { checkRectInFramebuffer, fillRect } from "./rect-bounds.ts";
import { maxCompressedLength } from "./zlib.ts";

const TILE = 64;

/** A tile as error messages name it (built only for an error: a tile's decode allocates nothing). */
const tileName = (tw: number, th: number, x: number, y: number): string => `ZRLE tile ${tw}x${th} at (${x},${y})`;

/** The tile's data must hold n more bytes at p for its `what`. */
function need(data: Uint8Array, p: number, n: number, what: string, tw: number, th: number, x: number, y: number): void {
  if (p + n > data.length) throw new DecodeError(`${tileName(tw, th, x, y)}: the data ends inside its ${what}`);
}

export class ZrleDecoder implements RectDecoder {
  readonly encoding = Encoding.ZRLE;
  private readonly stream = new PersistentInflate("ZRLE");
  private readonly palette = new Uint32Array(127);

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    const fb = ctx.framebuffer;
    checkRectInFramebuffer(fb, this.encoding, x, y, w, h);
    const cp = ctx.pixels.cpixelBytes;
    const tiles = Math.ceil(w / TILE) * Math.ceil(h / TILE);
    // the largest tile data that makes sense: a full palette plus one plain-RLE run per pixel
    const sensible = tiles * (1 + 127 * cp) + w * h * (cp + 1);
    const length = await ctx.source.u32();
    if (length > maxCompressedLength(sensible)) {
      throw new DecodeError(`ZRLE rect ${w}x${h} at (${x},${y}): ${length} compressed bytes is more than any tile data needs`);
    }
    const data = await this.stream.inflateRect(await ctx.source.read(length));
    let p = 0;
    for (let ty = 0; ty < h; ty += TILE) {
      const th = Math.min(TILE, h - ty);
      for (let tx = 0; tx < w; tx += TILE) {
        p = this.tile(data, p, fb, ctx.pixels, x + tx, y + ty, Math.min(TILE, w - tx), th);
      }
    }
    if (p !== data.length) {
      throw new DecodeError(`ZRLE rect ${w}x${h} at (${x},${y}): ${data.length - p} bytes left over after the last tile`);
    }
  }

  /** Draw one tile from data[p…]; returns the offset after it. */
  private tile(data: Uint8Array, p: number, fb: ClientFramebuffer, px: PixelReader, x: number, y: number, tw: number, th: number): number {
    const cp = px.cpixelBytes;
    need(data, p, 1, "subencoding", tw, th, x, y);
    const sub = data[p++]!;
    if (sub === 0) {
      need(data, p, tw * th * cp, "raw pixels", tw, th, x, y);
      for (let r = 0; r < th; r++, p += tw * cp) px.cpixelsInto(data, p, fb.pixels, (y + r) * fb.width + x, tw);
      return p;
    }
    if (sub === 1) {
      need(data, p, cp, "solid colour", tw, th, x, y);
      fillRect(fb, x, y, tw, th, px.cpixel(data, p));
      return p + cp;
    }
    if ((sub > 16 && sub < 128) || sub === 129) throw new DecodeError(`${tileName(tw, th, x, y)}: subencoding ${sub} is not defined`);

    const paletteSize = sub <= 16 ? sub : sub === 128 ? 0 : sub - 128;
    need(data, p, paletteSize * cp, "palette", tw, th, x, y);
    const palette = this.palette;
    px.cpixelsInto(data, p, palette, 0, paletteSize);
    p += paletteSize * cp;

    if (sub <= 16) {
      const bits = paletteSize === 2 ? 1 : paletteSize <= 4 ? 2 : 4;
      const mask = (1 << bits) - 1;
      const rowBytes = (tw * bits + 7) >> 3;
      need(data, p, th * rowBytes, "packed pixels", tw, th, x, y);
      for (let r = 0; r < th; r++) {
        let d = (y + r) * fb.width + x;
        const row = p + r * rowBytes;
        for (let i = 0; i < tw; i++) {
          const bit = i * bits;
          const index = (data[row + (bit >> 3)]! >> (8 - bits - (bit & 7))) & mask;
          if (index >= paletteSize) throw new DecodeError(`${tileName(tw, th, x, y)}: palette index ${index} at pixel (${i},${r}) beyond the palette of ${paletteSize}`);
          fb.pixels[d++] = palette[index]!;
        }
      }
      return p + th * rowBytes;
    }

    // plain RLE (128) or palette RLE (130–255): runs in tile order, across rows
    const total = tw * th;
    let done = 0;
    let col = 0;
    let d = y * fb.width + x;
    while (done < total) {
      let colour: number;
      let long: boolean;
      if (sub === 128) {
        need(data, p, cp, "run colour", tw, th, x, y);
        colour = px.cpixel(data, p);
        p += cp;
        long = true;
      } else {
        need(data, p, 1, "run index", tw, th, x, y);
        const b = data[p++]!;
        const index = b & 127;
        if (index >= paletteSize) throw new DecodeError(`${tileName(tw, th, x, y)}: palette index ${index} at pixel ${done} beyond the palette of ${paletteSize}`);
        colour = palette[index]!;
        long = (b & 128) !== 0;
      }
      let length = 1;
      if (long) {
        let b: number;
        do {
          need(data, p, 1, "run length", tw, th, x, y);
          b = data[p++]!;
          length += b;
        } while (b === 255);
      }
      if (length > total - done) throw new DecodeError(`${tileName(tw, th, x, y)}: a run of ${length} at pixel ${done} goes past the tile's ${total} pixels`);
      done += length;
      for (let k = 0; k < length; k++) {
        fb.pixels[d + col] = colour;
        if (++col === tw) {
          col = 0;
          d += fb.width;
        }
      }
    }
    return p;
  }

  close(): void {
    this.stream.close();
  }
}
