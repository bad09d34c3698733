/**
 * The compressed body shared by Zlib (6) and ZRLE (16): u32 length, then raw deflate of the rect's data,
 * compressed on its own and ended with a full flush (no final block, no history from other rects). A
 * client's persistent inflate stream can then take these rects in any order once the 2-byte zlib header
 * has been spliced in front of the first one it gets (see encoder.ts and `zlibStream`). Tight's zlib data
 * is made the same way (deflateStandalone), with its own length field.
 *
 * Small inputs are compressed synchronously (a thread-pool round trip costs more than they do), on one
 * raw-deflate stream per level kept for the process (native-deflate.ts): after a full flush a stream
 * refers to nothing before it, so continuing it gives stand-alone pieces like a fresh stream does, without
 * a fresh stream's setup. Large ones go to libuv's thread pool, so big frames leave the event loop free
 * and bands compress in parallel.
 */
import zlib from "node:zlib";
import { outputBuffer, type OutputBuffers } from "../output-pool.ts";
import { NativeDeflateStream } from "./native-deflate.ts";
import { nativeDeflatePool } from "./native-deflate-pool.ts";
import { RECT_HEADER_BYTES, writeRectHeader, type EncodedRect, type SplicedZlibStream } from "./encoder.ts";

/**
 * The level used when the client sent no compress level: 2, what noVNC and TigerVNC's viewer send by
 * default, so a client that is silent gets what most clients ask for. It is in zlib's fast range (levels
 * 1–3 use deflate_fast), which a 4K desktop at 60 fps needs: level 6 costs several times the CPU for
 * output only some 10 % smaller on desktop content.
 */
export const DEFAULT_ZLIB_LEVEL = 2;

/** Inputs below this are compressed on the calling thread. */
export const SYNC_DEFLATE_BELOW = 64 * 1024;

/**
 * Rects with at most this much zlib input keep a copy of it (EncodedRect.zlibInput), and updates with at
 * most this much in all are compressed per client with history (client-zlib-history.ts): a typed glyph's
 * tile is about 23 bytes, a word's a few hundred.
 */
export const KEPT_ZLIB_INPUT_MAX = 1024;

/** Rows of about this many pixels form one rectangle (one deflate call) when a big rect is split. */
export const BAND_PIXELS = 1 << 18;

/**
 * Node's zlib hands its output over in chunks of `chunkSize` (16 KiB by default): a callback, a new buffer
 * and a final concatenation of them all per chunk. Chunks as large as the input (plus deflate's few bytes of
 * overhead on incompressible data) make it one: on full-motion 1080p Tight that was 350 chunks a frame and
 * a third of the main thread's time, with the garbage they left.
 */
export function wholeOutputChunk(inputBytes: number): number {
  return inputBytes + (inputBytes >> 10) + 1024;
}

export function zlibLevel(compressLevel: number): number {
  return Number.isInteger(compressLevel) && compressLevel >= 0 && compressLevel <= 9 ? compressLevel : DEFAULT_ZLIB_LEVEL;
}

function frame(
  x: number,
  y: number,
  w: number,
  h: number,
  encoding: number,
  deflated: Uint8Array,
  stream: SplicedZlibStream,
  output: OutputBuffers | undefined,
  zlibInput?: EncodedRect["zlibInput"],
): EncodedRect {
  // every byte is written below
  const out = outputBuffer(output, RECT_HEADER_BYTES + 4 + deflated.length);
  let o = writeRectHeader(out, 0, x, y, w, h, encoding);
  const n = deflated.length;
  out[o++] = n >>> 24;
  out[o++] = n >>> 16;
  out[o++] = n >>> 8;
  out[o++] = n;
  out.set(deflated, o);
  return zlibInput ? { bytes: out, zlibStream: stream, zlibInput } : { bytes: out, zlibStream: stream };
}

/**
 * One compressed rectangle from `data`. `data` may be scratch the caller reuses as soon as this returns:
 * it is either compressed before returning or copied first.
 */
export function deflatedRect(
  x: number,
  y: number,
  w: number,
  h: number,
  encoding: number,
  data: Uint8Array,
  compressLevel: number,
  stream: SplicedZlibStream,
  output?: OutputBuffers,
): EncodedRect | Promise<EncodedRect> {
  const level = zlibLevel(compressLevel);
  const deflated = deflateStandalone(data, level, output);
  if (deflated instanceof Promise) return deflated.then((d) => frame(x, y, w, h, encoding, d, stream, output));
  return frame(x, y, w, h, encoding, deflated, stream, output, keptZlibInput(data, level));
}

/** The copy of a small rect's zlib input a sender may compress again with its client's history (EncodedRect.zlibInput). */
export function keptZlibInput(data: Uint8Array, level: number): EncodedRect["zlibInput"] {
  // (a copy: `data` is the caller's scratch)
  return data.length <= KEPT_ZLIB_INPUT_MAX ? { data: data.slice(), level } : undefined;
}

/**
 * Raw deflate of `data` at `level` that refers to nothing before it and ends with a full flush, so it can
 * follow anything on a client's stream. Below `asyncFrom` bytes on the calling thread, else on libuv's thread
 * pool (its output into a buffer from `output`). `data` may be the caller's scratch: it is compressed or
 * copied before this returns.
 */
export function deflateStandalone(data: Uint8Array, level: number, output?: OutputBuffers, asyncFrom = SYNC_DEFLATE_BELOW): Uint8Array | Promise<Uint8Array> {
  if (data.length < asyncFrom) {
    const native = rawStream(level);
    return native ? native.deflate(data, zlib.constants.Z_FULL_FLUSH) : zlib.deflateRawSync(data, { level, finishFlush: zlib.constants.Z_FULL_FLUSH });
  }
  const pool = nativeDeflatePool();
  // (the pool copies `data` at once: the caller's scratch may be rewritten before the thread pool runs)
  if (pool) return pool.deflate(data, level, -15, zlib.constants.Z_FULL_FLUSH, output);
  const owned = outputBuffer(output, data.length);
  owned.set(data);
  return new Promise((resolve, reject) => {
    zlib.deflateRaw(owned, { level, finishFlush: zlib.constants.Z_FULL_FLUSH, chunkSize: wholeOutputChunk(owned.length) }, (err, deflated) => {
      if (err) reject(err);
      else resolve(deflated);
    });
  });
}

const rawStreams = new Map<number, NativeDeflateStream | undefined>();

/** The process's raw-deflate stream at `level`, or undefined without native zlib. */
function rawStream(level: number): NativeDeflateStream | undefined {
  if (!rawStreams.has(level)) rawStreams.set(level, NativeDeflateStream.create(level, -15));
  return rawStreams.get(level);
}

/** The rects as an array, or a promise of it when any is still being compressed. */
export function settle(rects: Array<EncodedRect | Promise<EncodedRect>>): EncodedRect[] | Promise<EncodedRect[]> {
  return rects.some((r) => r instanceof Promise) ? Promise.all(rects) : (rects as EncodedRect[]);
}
