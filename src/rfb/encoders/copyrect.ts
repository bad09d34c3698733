/**
 * CopyRect (encoding 1, RFC 6143 §7.7.2): "copy the w×h area at (srcX, srcY) of what you already show to
 * (dstX, dstY)". Only for moves the server knows the client has the source of (never in reply to a
 * non-incremental request for that area); choosing that is the caller's business, this only builds bytes.
 */
import { Encoding } from "../encodings.ts";
import { RECT_HEADER_BYTES, writeRectHeader, type EncodedRect } from "./encoder.ts";

export const COPYRECT_BYTES = RECT_HEADER_BYTES + 4;

export function copyRect(dstX: number, dstY: number, w: number, h: number, srcX: number, srcY: number): EncodedRect {
  // checked one by one, not through an array of pairs: a dragged window is dozens of copies every frame
  checkU16("dstX", dstX);
  checkU16("dstY", dstY);
  checkU16("w", w);
  checkU16("h", h);
  checkU16("srcX", srcX);
  checkU16("srcY", srcY);
  const out = new Uint8Array(COPYRECT_BYTES);
  writeRectHeader(out, 0, dstX, dstY, w, h, Encoding.CopyRect);
  out[12] = srcX >>> 8;
  out[13] = srcX;
  out[14] = srcY >>> 8;
  out[15] = srcY;
  return { bytes: out };
}

function checkU16(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`copyRect: ${name} ${v} is not a u16`);
}
