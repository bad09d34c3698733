/**
 * A rect's zlib data as a sender handles it, per client: where its length field is (ZRLE and Zlib: a u32
 * at byte 12; Tight: a compact length at `zlibLengthAt`, after the control and filter bytes), and the rect
 * rebuilt around other data — the 2-byte zlib header in front of the shared data on a client's first use
 * of the stream, or the data its own history compressed (client-zlib-history.ts). The data is always the
 * rest of the rect, after the length field.
 */
import { RECT_HEADER_BYTES, type EncodedRect, type SplicedZlibStream } from "./encoder.ts";
import { compactLengthBytes, compactLengthSizeAt, writeCompactLength } from "./tight-compact-length.ts";

/** The zlib header a spliced stream starts with (deflate, 32 KiB window, no dictionary; any level). */
export const ZLIB_STREAM_HEADER: Uint8Array = Uint8Array.of(0x78, 0x01);

/** Where the length field starts, and where the data after it starts. */
function dataOffsets(rect: EncodedRect): { lengthAt: number; dataAt: number } {
  const at = rect.zlibLengthAt;
  if (at === undefined) return { lengthAt: RECT_HEADER_BYTES, dataAt: RECT_HEADER_BYTES + 4 };
  return { lengthAt: at, dataAt: at + compactLengthSizeAt(rect.bytes, at) };
}

/** The rect's bytes before its zlib data, with the length field saying `length` (its size may change: Tight). */
function headSaying(rect: EncodedRect, lengthAt: number, length: number): Buffer {
  const compact = rect.zlibLengthAt !== undefined;
  const head = Buffer.allocUnsafe(lengthAt + (compact ? compactLengthBytes(length) : 4));
  head.set(rect.bytes.subarray(0, lengthAt));
  if (compact) writeCompactLength(length, head, lengthAt);
  else head.writeUInt32BE(length, lengthAt);
  return head;
}

/** The rect in three pieces with the zlib header in front of its data (a client's first rect on the stream). */
export function withZlibHeaderPieces(rect: EncodedRect): Uint8Array[] {
  const { lengthAt, dataAt } = dataOffsets(rect);
  const data = rect.bytes.subarray(dataAt);
  return [headSaying(rect, lengthAt, ZLIB_STREAM_HEADER.length + data.length), ZLIB_STREAM_HEADER, data];
}

/** The rect with `deflated` in place of its zlib data (a new rect; everything before the data is kept). */
export function withZlibData(rect: EncodedRect, deflated: Uint8Array): EncodedRect {
  const { lengthAt } = dataOffsets(rect);
  const bytes = Buffer.concat([headSaying(rect, lengthAt, deflated.length), deflated]);
  return rect.zlibLengthAt === undefined ? { bytes, zlibStream: rect.zlibStream } : { bytes, zlibStream: rect.zlibStream, zlibLengthAt: rect.zlibLengthAt };
}

/**
 * Whether the rect is its client's first on its zlib stream (`started` holds the streams that client has
 * had data on, and is told now): its bytes then need the zlib header spliced in.
 */
export function startsZlibStream(rect: EncodedRect, started: Set<SplicedZlibStream>): boolean {
  const stream = rect.zlibStream;
  if (stream === undefined || started.has(stream)) return false;
  started.add(stream);
  return true;
}

/**
 * A rect's bytes as a connection sends them, copied whole: on its stream's first use with the zlib header
 * spliced in. The connection writes the same in pieces (client-zlib-streams.ts).
 */
export function splicedRectBytes(rect: EncodedRect, started: Set<SplicedZlibStream>): Uint8Array {
  return startsZlibStream(rect, started) ? Buffer.concat(withZlibHeaderPieces(rect)) : rect.bytes;
}
