/**
 * Hextile (encoding 5, RFC 6143 §7.7.4): the rect in 16×16 tiles (smaller at the right and bottom
 * edges), left to right, top to bottom; each tile starts with a subencoding byte:
 *   1 Raw, 2 BackgroundSpecified, 4 ForegroundSpecified, 8 AnySubrects, 16 SubrectsColoured.
 * A tile that does not specify a background (or foreground) reuses the previous tile's. This encoder
 * relies on that only inside one rectangle (the client may have decoded anything in between), forgets both
 * after a Raw tile and the foreground after a SubrectsColoured tile (the RFC leaves what they are then
 * unclear; TigerVNC's encoder forgets them too).
 *
 * Per tile: one colour → background only (one byte when it repeats); two colours → monochrome subrects of
 * the less frequent colour; more → coloured subrects on the most frequent colour. Whichever of that and
 * Raw is smaller is sent.
 */
import { Encoding } from "../encodings.ts";
import { outputBuffer } from "../output-pool.ts";
import type { PixelTranslator } from "../pixel-translator.ts";
import { mostFrequentValue } from "./background.ts";
import { ColourTable } from "./colour-table.ts";
import { bandRows, RECT_HEADER_BYTES, STREAM_PIECE_BYTES, writeRectHeader, type EncodeContext, type EncodedRect, type RectEncoder } from "./encoder.ts";
import { hextileWorstCase, nativeHextile, type NativeHextile } from "./native-hextile.ts";
import { atLeastUint32, atLeastUint8, readPixelValues } from "./pixel-values.ts";
import { findSubrects, NO_BACKGROUND, SUBRECT_WORDS, tooManySubrects } from "./subrects.ts";

export const HextileSubencoding = {
  Raw: 1,
  BackgroundSpecified: 2,
  ForegroundSpecified: 4,
  AnySubrects: 8,
  SubrectsColoured: 16,
} as const;

const TILE = 16;
const MAX_TILE_SUBRECTS = 255;

/** Corners beyond which a tile of several colours goes Raw unanalysed (native/hextile-tiles.c uses the same). */
function noisyTileCorners(rawSize: number, bpp: number): number {
  return Math.min(MAX_TILE_SUBRECTS, Math.floor((rawSize - 2) / (bpp + 2))) + TILE;
}

export class HextileEncoder implements RectEncoder {
  readonly encoding = Encoding.Hextile;
  readonly piecewise = true;
  // scratch, only used inside one synchronous encode()
  private values = new Uint32Array(0);
  private data = new Uint8Array(0);
  private readonly covered = new Uint8Array(TILE * TILE);
  private readonly subrects = new Uint32Array(MAX_TILE_SUBRECTS * SUBRECT_WORDS);
  private readonly table = new ColourTable(TILE * TILE);
  /** the tile loop in C (native/hextile-tiles.c), when the library is built */
  private readonly native: NativeHextile | undefined;

  /** `native: false` keeps the TypeScript loop even where the C helper is built (to compare the two). */
  constructor(options: { native?: boolean } = {}) {
    this.native = options.native === false ? undefined : nativeHextile();
  }

  /** Whether the tile loop runs in C on this machine. */
  get nativeLoop(): boolean {
    return this.native !== undefined;
  }

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] {
    const t = ctx.translator;
    const bpp = t.bytesPerPixel;
    const sink = ctx.sink;
    // a tile is never sent larger than Raw (1 + area × bpp): the tiles go into the scratch, and the rect gets
    // a copy of exactly its bytes (unzeroed, as all of it is written)
    const worst = RECT_HEADER_BYTES + hextileWorstCase(w, h, bpp);
    this.data = atLeastUint8(this.data, worst);
    let out: Uint8Array = this.data;
    // with a sink, once the rect's bytes reach half a piece (a busy area: a calm one stays small), the rest
    // goes straight into an output sized for the worst case, whose pieces are sent while later bands are
    // encoded (no copy of the whole rect at the end)
    let streamed: Buffer | undefined;
    let o = writeRectHeader(out, 0, x, y, w, h, Encoding.Hextile);
    let given = 0;
    // band by band, streamed or not, so the bytes are the same either way: each band is whole tile rows,
    // and its first tile specifies its background again (a few bytes a band)
    const band = bandRows(w, bpp, TILE);
    this.values = atLeastUint32(this.values, w * Math.min(band, h));
    for (let by = 0; by < h; by += band) {
      const bh = Math.min(band, h - by);
      const last = by + bh >= h;
      readPixelValues(ctx, x, y + by, w, bh, this.values);
      o = this.native ? this.native.encodeTiles(this.values, w, bh, bpp, t.format.bigEndian, out, o) : this.encodeTiles(t, w, bh, out, o);
      if (!sink) continue;
      if (!streamed && !last && o >= STREAM_PIECE_BYTES / 2) {
        streamed = outputBuffer(ctx.output, worst);
        streamed.set(out.subarray(0, o));
        out = streamed;
      }
      if (streamed && (o - given >= STREAM_PIECE_BYTES / 2 || last)) {
        sink(out.subarray(given, o));
        given = o;
      }
    }
    if (streamed) return [{ bytes: streamed.subarray(0, o) }];
    const bytes = outputBuffer(ctx.output, o);
    bytes.set(out.subarray(0, o));
    sink?.(bytes);
    return [{ bytes }];
  }

  /** The TypeScript tile loop (native/hextile-tiles.c does the same): this.values into `out` from o on. */
  private encodeTiles(t: PixelTranslator, w: number, h: number, out: Uint8Array, o: number): number {
    const bpp = t.bytesPerPixel;
    const values = this.values;
    const covered = this.covered;
    const subrects = this.subrects;
    let bgValid = false;
    let bg = 0;
    let fgValid = false;
    let fg = 0;
    for (let ty = 0; ty < h; ty += TILE) {
      const th = Math.min(TILE, h - ty);
      for (let tx = 0; tx < w; tx += TILE) {
        const tw = Math.min(TILE, w - tx);
        const base = ty * w + tx;
        const rawSize = 1 + tw * th * bpp;

        // up to two colours and their counts, or "more"
        const c0 = values[base]!;
        let c1 = 0;
        let count0 = 0;
        let count1 = 0;
        let multi = false;
        scan: for (let r = 0; r < th; r++) {
          const rowStart = base + r * w;
          for (let i = rowStart, end = rowStart + tw; i < end; i++) {
            const v = values[i]!;
            if (v === c0) count0++;
            else if (count1 === 0) {
              c1 = v;
              count1 = 1;
            } else if (v === c1) count1++;
            else {
              multi = true;
              break scan;
            }
          }
        }

        if (count1 === 0) {
          // solid tile
          if (bgValid && bg === c0) {
            out[o++] = 0;
          } else {
            out[o++] = HextileSubencoding.BackgroundSpecified;
            o = t.writePixel(c0, out, o);
            bg = c0;
            bgValid = true;
          }
          continue;
        }

        let tileBg = 0;
        let fixed = 2; // subencoding + subrect count
        let n = -1;
        // Noisy tiles (photos, video) go Raw before the costly part (the background's histogram): one with
        // more top-left corners (see tooManySubrects) than coloured subrects could fit, by more than a tile's
        // width that the background's corners might take away, would need too many subrects.
        if (!multi || !tooManySubrects(values, base, w, tw, th, NO_BACKGROUND, noisyTileCorners(rawSize, bpp))) {
          if (!multi) {
            tileBg = count0 >= count1 ? c0 : c1;
            const tileFg = tileBg === c0 ? c1 : c0;
            if (!fgValid || fg !== tileFg) fixed += bpp;
          } else {
            tileBg = mostFrequentValue(values, base, w, tw, th, this.table);
          }
          if (!bgValid || bg !== tileBg) fixed += bpp;
          const perSubrect = multi ? bpp + 2 : 2;
          const maxCount = Math.min(MAX_TILE_SUBRECTS, Math.floor((rawSize - fixed) / perSubrect));
          // every colour but the background needs a subrect of its own, and so does every corner that is not
          // the background's: when either is more than fit, findSubrects would fail (it costs more to find)
          const hopeless = maxCount <= 0 || (multi && this.table.size - 1 > maxCount) || tooManySubrects(values, base, w, tw, th, tileBg, maxCount);
          if (!hopeless) n = findSubrects(values, base, w, tw, th, tileBg, covered, subrects, maxCount);
        }

        if (n < 0) {
          out[o++] = HextileSubencoding.Raw;
          for (let r = 0; r < th; r++) {
            const rowStart = base + r * w;
            for (let i = rowStart, end = rowStart + tw; i < end; i++) o = t.writePixel(values[i]!, out, o);
          }
          bgValid = false;
          fgValid = false;
          continue;
        }

        const subPos = o++;
        let sub = HextileSubencoding.AnySubrects;
        if (!bgValid || bg !== tileBg) {
          sub |= HextileSubencoding.BackgroundSpecified;
          o = t.writePixel(tileBg, out, o);
          bg = tileBg;
          bgValid = true;
        }
        if (multi) {
          sub |= HextileSubencoding.SubrectsColoured;
          fgValid = false;
        } else {
          const tileFg = subrects[4]!;
          if (!fgValid || fg !== tileFg) {
            sub |= HextileSubencoding.ForegroundSpecified;
            o = t.writePixel(tileFg, out, o);
            fg = tileFg;
            fgValid = true;
          }
        }
        out[subPos] = sub;
        out[o++] = n;
        for (let i = 0; i < n; i++) {
          const k = i * SUBRECT_WORDS;
          if (multi) o = t.writePixel(subrects[k + 4]!, out, o);
          out[o++] = (subrects[k]! << 4) | subrects[k + 1]!;
          out[o++] = ((subrects[k + 2]! - 1) << 4) | (subrects[k + 3]! - 1);
        }
      }
    }
    return o;
  }
}
