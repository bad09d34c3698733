/**
 * Raw (encoding 0, RFC 6143 §7.7.1): the rectangle's pixels in the client's format, rows packed. Every
 * client must accept it, so the other lossless encoders also fall back to it (see rre.ts).
 */
import { Encoding } from "../encodings.ts";
import { outputBuffer } from "../output-pool.ts";
import { bandRows, RECT_HEADER_BYTES, writeRectHeader, type EncodeContext, type EncodedRect, type RectEncoder } from "./encoder.ts";

/**
 * One Raw rectangle; the translator's copy/swap paths apply (the pixel data starts 4-byte aligned). With a
 * `sink`, the rows are translated band by band and each band given to it as soon as it is written; with
 * `ctx.piecesLeft` as well, the bands go through one small buffer (rawRectThroughOneBuffer).
 */
export function rawRect(ctx: EncodeContext, x: number, y: number, w: number, h: number, sink?: (piece: Uint8Array) => void): EncodedRect {
  if (sink && ctx.piecesLeft) return rawRectThroughOneBuffer(ctx, x, y, w, h, sink, ctx.piecesLeft);
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

/**
 * A streamed Raw rect that no other client shares: each band is translated into the same small buffer as
 * long as the transport has taken every piece at once (`piecesLeft`), so the kernel copies it out of the
 * CPU's cache, as libvncserver sends from its 30,000-byte buffer. A piece still waiting in the transport
 * keeps its buffer and the next band gets another from the pool. The first piece carries the header, which
 * stays in the first buffer (later bands are written after it) and is all the returned rect keeps.
 */
function rawRectThroughOneBuffer(
  ctx: EncodeContext,
  x: number,
  y: number,
  w: number,
  h: number,
  sink: (piece: Uint8Array) => void,
  piecesLeft: () => boolean,
): EncodedRect {
  const t = ctx.translator;
  const rowBytes = w * t.bytesPerPixel;
  const band = bandRows(w, t.bytesPerPixel, 1);
  // rows start 4-byte aligned after the header, so the translator's copy/swap paths apply
  const bufferBytes = RECT_HEADER_BYTES + Math.min(band, h) * rowBytes;
  let buffer = outputBuffer(ctx.output, bufferBytes);
  const header = buffer.subarray(0, RECT_HEADER_BYTES);
  writeRectHeader(header, 0, x, y, w, h, Encoding.Raw);
  if (h === 0) sink(header);
  let from = 0;
  for (let by = 0; by < h; by += band) {
    if (by > 0 && !piecesLeft()) buffer = outputBuffer(ctx.output, bufferBytes);
    const bh = Math.min(band, h - by);
    t.translateRect(ctx.pixels, ctx.width, x, y + by, w, bh, buffer, RECT_HEADER_BYTES);
    sink(buffer.subarray(from, RECT_HEADER_BYTES + bh * rowBytes));
    from = RECT_HEADER_BYTES;
  }
  return { bytes: header, streamedOnly: true };
}

export class RawEncoder implements RectEncoder {
  readonly encoding = Encoding.Raw;
  readonly piecewise = true;
  readonly reusesPieces = true;

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] {
    return [rawRect(ctx, x, y, w, h, ctx.sink)];
  }
}
