/**
 * zlib for Tight and TightPNG. Each compressed Tight rectangle is a fresh zlib stream (header included,
 * ended by a sync flush, no final block: the shape every Tight server's stream has after a reset), sent
 * with its stream's reset bit, so the bytes are right for every client whatever it decoded before.
 *
 * Small inputs are compressed on the spot; large ones on libuv's thread pool, so a 1080p frame's
 * sub-rectangles compress in parallel and the event loop stays free. Either way the input is a buffer
 * the caller owns: nothing reads the surface after the call.
 */
import { constants, deflate, deflateSync } from "node:zlib";

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

/** Inputs at least this large go to the thread pool. */
const ASYNC_DEFLATE_BYTES = 16 * 1024;

function run(data: Uint8Array, level: number, finishFlush: number): Uint8Array | Promise<Uint8Array> {
  const options = { level, finishFlush };
  if (data.length < ASYNC_DEFLATE_BYTES) return deflateSync(data, options);
  return new Promise((resolve, reject) => deflate(data, options, (err, out) => (err ? reject(err) : resolve(out))));
}

/** A fresh zlib stream of `data` ended with a sync flush (Tight's stream data after a reset). */
export function deflateTight(data: Uint8Array, level: number): Uint8Array | Promise<Uint8Array> {
  return run(data, level, constants.Z_SYNC_FLUSH);
}

/** A complete zlib stream (PNG's IDAT). */
export function deflateComplete(data: Uint8Array, level: number): Uint8Array | Promise<Uint8Array> {
  return run(data, level, constants.Z_FINISH);
}
