/**
 * Raw (encoding 0, RFC 6143 §7.7.1): the rectangle's pixels in the client's format, rows packed. Every
 * client must accept it, so the other lossless encoders also fall back to it (see rre.ts).
 */
import { Encoding } from "../encodings.ts";
import { outputBuffer } from "../output-pool.ts";
import { bandRows, RECT_HEADER_BYTES, writeRectHeader, type EncodeContext, type EncodedRect, type RectEncoder } from "./encoder.ts";

/**
 * One Raw rectangle; the translator's copy/swap paths apply (the pixel data starts 4-byte aligned). With a
 * `sink`, the rows are translated band by band and each band given to it as soon as it is written.
 */
export function rawRect(ctx: EncodeContext, x: number, y: number, w: number, h: number, sink?: (piece: Uint8Array) => void): EncodedRect {
  const t = ctx.translator;
  const rowBytes = w * t.bytesPerPixel;
  // every byte is written below, so the buffer need not be zeroed first (a whole 4K frame is 33 MB)
  const out = outputBuffer(ctx.output, RECT_HEADER_BYTES + h * rowBytes);
  writeRectHeader(out, 0, x, y, w, h, Encoding.Raw);
  if (!sink) {
    t.translateRect(ctx.pixels, ctx.width, x, y, w, h, out, RECT_HEADER_BYTES);
    return { bytes: out };
  }
  const band = bandRows(w, t.bytesPerPixel, 1);
  let given = 0;
  for (let by = 0; by < h; by += band) {
    const bh = Math.min(band, h - by);
    const at = RECT_HEADER_BYTES + by * rowBytes;
    t.translateRect(ctx.pixels, ctx.width, x, y + by, w, bh, out, at);
    sink(out.subarray(given, at + bh * rowBytes));
    given = at + bh * rowBytes;
  }
  return { bytes: out };
}

export class RawEncoder implements RectEncoder {
  readonly encoding = Encoding.Raw;
  readonly piecewise = true;

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] {
    return [rawRect(ctx, x, y, w, h, ctx.sink)];
  }
}
