/**
 * RRE (encoding 2, RFC 6143 §7.7.3): u32 subrect count, background pixel, then per subrect a pixel and
 * u16 x, y, w, h relative to the rectangle. The background is the rect's most frequent colour; subrects
 * come from the greedy cover in subrects.ts.
 *
 * RRE costs 8 + bpp bytes per subrect, so busy content (text on gradients, photos, noise) can be several
 * times the size of Raw. When RRE would be larger than Raw, this encoder does not send it:
 *   1. the whole rect is tried first, with at most MAX_WHOLE_RECT_SUBRECTS subrects (bounds the scratch);
 *   2. if that fails, the rect is cut into 64×64 blocks and each block is sent as RRE when that is smaller
 *      than Raw, else as Raw.
 * Raw is mandatory for every RFB client (RFC 6143 §7.7.1: "Clients are required to support this encoding
 * type"), so the fallback is always decodable; VNC 4's RRE encoder fell back to Raw the same way.
 */
import { Encoding } from "../encodings.ts";
import { mostFrequentValue } from "./background.ts";
import { ColourTable } from "./colour-table.ts";
import { RECT_HEADER_BYTES, writeRectHeader, type EncodeContext, type EncodedRect, type RectEncoder } from "./encoder.ts";
import { atLeastUint32, atLeastUint8, readPixelValues } from "./pixel-values.ts";
import { rawRect } from "./raw.ts";
import { findSubrects, SUBRECT_WORDS } from "./subrects.ts";

export const RRE_FALLBACK_BLOCK = 64;
const MAX_WHOLE_RECT_SUBRECTS = 1 << 15;

export class RreEncoder implements RectEncoder {
  readonly encoding = Encoding.RRE;
  // scratch, only used inside one synchronous encode()
  private values = new Uint32Array(0);
  private covered = new Uint8Array(0);
  private subrects = new Uint32Array(0);
  private readonly table = new ColourTable(256);

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] {
    const whole = this.tryRre(ctx, x, y, w, h, MAX_WHOLE_RECT_SUBRECTS);
    if (whole) return [whole];
    const out: EncodedRect[] = [];
    for (let by = 0; by < h; by += RRE_FALLBACK_BLOCK) {
      const bh = Math.min(RRE_FALLBACK_BLOCK, h - by);
      for (let bx = 0; bx < w; bx += RRE_FALLBACK_BLOCK) {
        const bw = Math.min(RRE_FALLBACK_BLOCK, w - bx);
        out.push(this.tryRre(ctx, x + bx, y + by, bw, bh, Infinity) ?? rawRect(ctx, x + bx, y + by, bw, bh));
      }
    }
    return out;
  }

  /** The RRE rectangle when it is no larger than Raw and needs at most `cap` subrects; else undefined. */
  private tryRre(ctx: EncodeContext, x: number, y: number, w: number, h: number, cap: number): EncodedRect | undefined {
    const t = ctx.translator;
    const bpp = t.bytesPerPixel;
    const area = w * h;
    const perSubrect = bpp + 8;
    const maxCount = Math.min(cap, Math.floor((area * bpp - 4 - bpp) / perSubrect));
    if (maxCount < 0) return undefined;
    this.values = atLeastUint32(this.values, area);
    this.covered = atLeastUint8(this.covered, area);
    this.subrects = atLeastUint32(this.subrects, maxCount * SUBRECT_WORDS);
    const values = this.values;
    readPixelValues(ctx, x, y, w, h, values);
    const bg = mostFrequentValue(values, 0, w, w, h, this.table);
    const n = findSubrects(values, 0, w, w, h, bg, this.covered, this.subrects, maxCount);
    if (n < 0) return undefined;

    const out = new Uint8Array(RECT_HEADER_BYTES + 4 + bpp + n * perSubrect);
    let o = writeRectHeader(out, 0, x, y, w, h, Encoding.RRE);
    out[o++] = n >>> 24;
    out[o++] = n >>> 16;
    out[o++] = n >>> 8;
    out[o++] = n;
    o = t.writePixel(bg, out, o);
    const s = this.subrects;
    for (let i = 0; i < n; i++) {
      const k = i * SUBRECT_WORDS;
      o = t.writePixel(s[k + 4]!, out, o);
      for (let j = 0; j < 4; j++) {
        const v = s[k + j]!;
        out[o++] = v >>> 8;
        out[o++] = v;
      }
    }
    return { bytes: out };
  }
}
