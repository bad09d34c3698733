/**
 * Raw (encoding 0, RFC 6143 §7.7.1): the rectangle's pixels in the client's format, rows packed. Every
 * client must accept it, so the other lossless encoders also fall back to it (see rre.ts).
 */
import { Encoding } from "../encodings.ts";
import { outputBuffer } from "../output-pool.ts";
import { RECT_HEADER_BYTES, writeRectHeader, type EncodeContext, type EncodedRect, type RectEncoder } from "./encoder.ts";

/** One Raw rectangle; the translator's copy/swap paths apply (the pixel data starts 4-byte aligned). */
export function rawRect(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect {
  // every byte is written below, so the buffer need not be zeroed first (a whole 4K frame is 33 MB)
  const out = outputBuffer(ctx.output, RECT_HEADER_BYTES + w * h * ctx.translator.bytesPerPixel);
  writeRectHeader(out, 0, x, y, w, h, Encoding.Raw);
  ctx.translator.translateRect(ctx.pixels, ctx.width, x, y, w, h, out, RECT_HEADER_BYTES);
  return { bytes: out };
}

export class RawEncoder implements RectEncoder {
  readonly encoding = Encoding.Raw;

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] {
    return [rawRect(ctx, x, y, w, h)];
  }
}
