/**
 * ZRLE (encoding 16, RFC 6143 §7.7.6): u32 length + zlib data of the rect in 64×64 tiles (smaller at the
 * right and bottom), left to right, top to bottom. Pixels are CPIXELs (3 bytes for 32 bpp formats whose
 * colour fits three bytes). Each tile is one subencoding byte and its data:
 *   0 raw CPIXELs; 1 solid (one CPIXEL); 2–16 packed palette (palette, then 1/2/4-bit indices, rows padded
 *   to a byte, leftmost pixel in the high bits); 128 plain RLE (CPIXEL + run length); 130–255 palette RLE
 *   (palette of n − 128 colours, then an index per run, top bit set when a run length follows).
 * A run length L is sent as L − 1 in bytes of 255 ending with one below 255; runs go on across rows.
 *
 * Like TigerVNC, one pass per tile counts colours (up to 127) and runs; unlike its estimates, the sizes of
 * all candidate subencodings are computed exactly from the run lengths, and the smallest is sent (ties go
 * to the palette forms, which deflate better). Compression and the zlib splice follow deflate-rect.ts;
 * big rects are sent as bands of whole tile rows, compressed in parallel.
 */
import { Encoding } from "../encodings.ts";
import type { PixelTranslator } from "../pixel-translator.ts";
import { ColourTable } from "./colour-table.ts";
import type { EncodeContext, EncodedRect, RectEncoder } from "./encoder.ts";
import { BAND_PIXELS, deflatedRect, settle } from "./deflate-rect.ts";
import { atLeastUint32, atLeastUint8, readPixelValues } from "./pixel-values.ts";

export const ZRLE_TILE = 64;
export const ZrleSubencoding = { Raw: 0, Solid: 1, PlainRle: 128 } as const;
const MAX_PALETTE = 127;

const enum Kind {
  Raw,
  Solid,
  Packed,
  PlainRle,
  PaletteRle,
}

/** Bytes of a run length (L − 1 as 255s and a final byte below 255). */
const lengthBytes = (len: number): number => (((len - 1) / 255) | 0) + 1;

export class ZrleEncoder implements RectEncoder {
  readonly encoding = Encoding.ZRLE;
  // scratch, only used inside one synchronous encode()
  private values = new Uint32Array(0);
  private data = new Uint8Array(0);
  private readonly palette = new ColourTable(MAX_PALETTE);

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] | Promise<EncodedRect[]> {
    const t = ctx.translator;
    const bandRows = Math.max(ZRLE_TILE, Math.floor(BAND_PIXELS / Math.max(1, w) / ZRLE_TILE) * ZRLE_TILE);
    const firstRows = Math.min(h, bandRows);
    this.values = atLeastUint32(this.values, w * firstRows);
    // a tile is never larger than raw: 1 + area × cpixel
    this.data = atLeastUint8(this.data, Math.ceil(w / ZRLE_TILE) * Math.ceil(firstRows / ZRLE_TILE) + w * firstRows * t.cpixelBytes);
    const rects: Array<EncodedRect | Promise<EncodedRect>> = [];
    for (let by = 0; by < h; by += bandRows) {
      const bh = Math.min(bandRows, h - by);
      readPixelValues(ctx, x, y + by, w, bh, this.values);
      let o = 0;
      for (let ty = 0; ty < bh; ty += ZRLE_TILE) {
        const th = Math.min(ZRLE_TILE, bh - ty);
        for (let tx = 0; tx < w; tx += ZRLE_TILE) {
          o = this.encodeTile(t, ty * w + tx, w, Math.min(ZRLE_TILE, w - tx), th, o);
        }
      }
      rects.push(deflatedRect(x, y + by, w, bh, Encoding.ZRLE, this.data.subarray(0, o), ctx.compressLevel, "zrle", ctx.output));
    }
    return settle(rects);
  }

  /** One tile of this.values (top-left at `base`, row stride `stride`) into this.data at `o`. */
  private encodeTile(t: PixelTranslator, base: number, stride: number, tw: number, th: number, o: number): number {
    const values = this.values;
    const palette = this.palette;
    const cp = t.cpixelBytes;
    palette.reset();

    // one pass: palette (until it overflows), runs and what they cost in each RLE form
    let overflow = false;
    let runs = 0;
    let plainLengthBytes = 0;
    let paletteRunBytes = 0;
    let runValue = values[base]!;
    let runLength = 0;
    palette.add(runValue, 0);
    for (let r = 0; r < th; r++) {
      const rowStart = base + r * stride;
      for (let i = rowStart, end = rowStart + tw; i < end; i++) {
        const v = values[i]!;
        if (v === runValue) {
          runLength++;
          continue;
        }
        runs++;
        const lb = lengthBytes(runLength);
        plainLengthBytes += lb;
        paletteRunBytes += runLength === 1 ? 1 : 1 + lb;
        runValue = v;
        runLength = 1;
        if (!overflow && palette.add(v, 0) < 0) overflow = true;
      }
    }
    runs++;
    const lastLb = lengthBytes(runLength);
    plainLengthBytes += lastLb;
    paletteRunBytes += runLength === 1 ? 1 : 1 + lastLb;

    const n = palette.size;
    if (!overflow && n === 1) {
      this.data[o++] = ZrleSubencoding.Solid;
      return t.writeCPixel(runValue, this.data, o);
    }
    let kind = Kind.Raw;
    let best = 1 + tw * th * cp;
    const plainRle = 1 + runs * cp + plainLengthBytes;
    if (plainRle < best) {
      kind = Kind.PlainRle;
      best = plainRle;
    }
    let bits = 0;
    if (!overflow) {
      const paletteRle = 1 + n * cp + paletteRunBytes;
      if (paletteRle <= best) {
        kind = Kind.PaletteRle;
        best = paletteRle;
      }
      if (n <= 16) {
        bits = n === 2 ? 1 : n <= 4 ? 2 : 4;
        const packed = 1 + n * cp + th * ((tw * bits + 7) >> 3);
        if (packed <= best) {
          kind = Kind.Packed;
          best = packed;
        }
      }
    }

    const out = this.data;
    switch (kind) {
      case Kind.Raw:
        out[o++] = ZrleSubencoding.Raw;
        for (let r = 0; r < th; r++) {
          const rowStart = base + r * stride;
          for (let i = rowStart, end = rowStart + tw; i < end; i++) o = t.writeCPixel(values[i]!, out, o);
        }
        return o;
      case Kind.Packed: {
        out[o++] = n;
        for (let k = 0; k < n; k++) o = t.writeCPixel(palette.colours[k]!, out, o);
        let lastValue = values[base]!;
        let lastIndex = palette.indexOf(lastValue);
        for (let r = 0; r < th; r++) {
          const rowStart = base + r * stride;
          let acc = 0;
          let used = 0;
          for (let i = rowStart, end = rowStart + tw; i < end; i++) {
            const v = values[i]!;
            if (v !== lastValue) {
              lastValue = v;
              lastIndex = palette.indexOf(v);
            }
            acc = (acc << bits) | lastIndex;
            used += bits;
            if (used === 8) {
              out[o++] = acc;
              acc = 0;
              used = 0;
            }
          }
          if (used > 0) out[o++] = acc << (8 - used);
        }
        return o;
      }
      case Kind.PlainRle:
      case Kind.PaletteRle: {
        const plain = kind === Kind.PlainRle;
        if (plain) {
          out[o++] = ZrleSubencoding.PlainRle;
        } else {
          out[o++] = 128 + n;
          for (let k = 0; k < n; k++) o = t.writeCPixel(palette.colours[k]!, out, o);
        }
        let value = values[base]!;
        let length = 0;
        for (let r = 0; r < th; r++) {
          const rowStart = base + r * stride;
          for (let i = rowStart, end = rowStart + tw; i < end; i++) {
            const v = values[i]!;
            if (v === value) {
              length++;
              continue;
            }
            o = plain ? this.writePlainRun(t, value, length, o) : this.writePaletteRun(palette.indexOf(value), length, o);
            value = v;
            length = 1;
          }
        }
        return plain ? this.writePlainRun(t, value, length, o) : this.writePaletteRun(palette.indexOf(value), length, o);
      }
      default:
        throw new Error("unreachable");
    }
  }

  private writeLength(length: number, o: number): number {
    const out = this.data;
    let rest = length - 1;
    while (rest >= 255) {
      out[o++] = 255;
      rest -= 255;
    }
    out[o++] = rest;
    return o;
  }

  private writePlainRun(t: PixelTranslator, value: number, length: number, o: number): number {
    return this.writeLength(length, t.writeCPixel(value, this.data, o));
  }

  private writePaletteRun(index: number, length: number, o: number): number {
    if (length === 1) {
      this.data[o++] = index;
      return o;
    }
    this.data[o++] = index | 128;
    return this.writeLength(length, o);
  }
}
