/**
 * zlib for Tight and TightPNG.
 *
 * Tight's four streams are treated as ZRLE's one (deflate-rect.ts, encoder.ts): a rect's data is raw deflate
 * that refers to nothing before it and ends with a full flush, and no rect sets a reset bit, so the same
 * bytes are right for every client whatever it was sent before. A client's first rect on each stream gets
 * the 2-byte zlib header spliced in by the sender (EncodedRect.zlibStream "tight0"…"tight3"), and small
 * updates are compressed again on the client's own streams, with history (client-zlib-history.ts).
 *
 * Never resetting matters for noVNC: its inflater (an old pako) stops keeping its window after a stream
 * reset, so after one, data reaching back into an earlier rect fails there ("zlib inflate failed"). Without
 * resets its window is kept, as with TigerVNC's server, which never resets either.
 *
 * Inputs of ASYNC_DEFLATE_BYTES and more are compressed on libuv's thread pool, so a frame's big
 * sub-rectangles compress in parallel and the event loop stays free. Either way the input is a buffer the
 * caller owns: nothing reads the surface after the call.
 */
import { constants, deflate, deflateSync } from "node:zlib";
import { deflateStandalone, wholeOutputChunk } from "./deflate-rect.ts";
import type { OutputBuffers } from "../output-pool.ts";

/** zlib levels per Tight compression level 0–9, as TigerVNC's TightEncoder table (indexed, mono, full colour). */
export const TIGHT_ZLIB_LEVELS: ReadonlyArray<{ indexed: number; mono: number; fullColour: number }> = [
  // TigerVNC sends level 0 (stored) here; without −317 ("Tight without zlib") level 1 costs little more
  // CPU and is far smaller, so level 0 means "the fastest real compression"
  { indexed: 1, mono: 1, fullColour: 1 },
  { indexed: 1, mono: 1, fullColour: 1 },
  { indexed: 3, mono: 3, fullColour: 2 },
  { indexed: 5, mono: 5, fullColour: 2 },
  { indexed: 6, mono: 7, fullColour: 3 },
  { indexed: 7, mono: 8, fullColour: 4 },
  { indexed: 7, mono: 8, fullColour: 5 },
  { indexed: 8, mono: 9, fullColour: 6 },
  { indexed: 9, mono: 9, fullColour: 7 },
  { indexed: 9, mono: 9, fullColour: 9 },
];

/** TigerVNC's default when the client sends no compression level. */
export const DEFAULT_TIGHT_COMPRESS_LEVEL = 2;

/** The client's level 0–9, or the default for −1 (or anything out of range). */
export function tightCompressLevel(requested: number): number {
  return Number.isInteger(requested) && requested >= 0 && requested <= 9 ? requested : DEFAULT_TIGHT_COMPRESS_LEVEL;
}

/** Inputs at least this large go to the thread pool (smaller than ZRLE's threshold: Tight's sub-rects are at most 64 Ki pixels). */
const ASYNC_DEFLATE_BYTES = 16 * 1024;

/** A Tight rect's zlib data: raw deflate standing alone, ended with a full flush (see the header). */
export function deflateTightData(data: Uint8Array, level: number, output?: OutputBuffers): Uint8Array | Promise<Uint8Array> {
  return deflateStandalone(data, level, output, ASYNC_DEFLATE_BYTES);
}

/** A complete zlib stream (PNG's IDAT). */
export function deflateComplete(data: Uint8Array, level: number): Uint8Array | Promise<Uint8Array> {
  const options = { level, finishFlush: constants.Z_FINISH };
  if (data.length < ASYNC_DEFLATE_BYTES) return deflateSync(data, options);
  const chunkSize = wholeOutputChunk(data.length);
  return new Promise((resolve, reject) => deflate(data, { ...options, chunkSize }, (err, out) => (err ? reject(err) : resolve(out))));
}
