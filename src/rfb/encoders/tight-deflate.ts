/**
 * zlib for Tight and TightPNG.
 *
 * Tight's streams live for one update (TightUpdateStreams): the first rect of an update on each of the
 * four streams starts it afresh (zlib header, the stream's reset bit set), the following rects continue
 * it without the reset bit. Every client that gets the update gets all its rects in order, so the bytes are
 * right for every client whatever it decoded before, and a small rect costs what compressing it costs, not
 * a new stream's setup (native-deflate.ts).
 *
 * Each rect ends with a full flush, not a sync flush: its data refers to nothing in the rects before it.
 * noVNC needs that: its inflater (an old pako) stops keeping its window after a stream reset, so a
 * continued stream whose data reached back into an earlier rect fails there ("zlib inflate failed").
 *
 * Large inputs are compressed on libuv's thread pool, each as a fresh stream, so a frame's big
 * sub-rectangles compress in parallel and the event loop stays free; the next rect on that stream starts
 * afresh again. Either way the input is a buffer the caller owns: nothing reads the surface after the call.
 */
import { constants, deflate, deflateSync } from "node:zlib";
import { wholeOutputChunk } from "./deflate-rect.ts";
import type { OutputBuffers } from "../output-pool.ts";
import { NativeDeflateStream } from "./native-deflate.ts";
import { nativeDeflatePool } from "./native-deflate-pool.ts";

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
  const chunkSize = wholeOutputChunk(data.length);
  return new Promise((resolve, reject) => deflate(data, { ...options, chunkSize }, (err, out) => (err ? reject(err) : resolve(out))));
}

/** A fresh zlib stream of `data` ended with a sync flush (Tight's stream data after a reset). */
export function deflateTight(data: Uint8Array, level: number): Uint8Array | Promise<Uint8Array> {
  return run(data, level, constants.Z_SYNC_FLUSH);
}

/** Compressed data for one Tight rect, and whether it starts its stream afresh (the reset bit). */
export interface TightDeflated {
  data: Uint8Array;
  reset: boolean;
}

const TIGHT_STREAMS = 4;

/**
 * Tight's four zlib streams through one update. An update is known by its encode context: the server makes
 * one per update and encodes all the update's rects with it before any other update's (encodeRects calls
 * every encoder synchronously). A new context starts every stream afresh. The native streams are kept
 * from update to update (reset, not rebuilt), one set for the process: sharedTightStreams.
 */
export class TightUpdateStreams {
  private readonly native = new Map<number, NativeDeflateStream | undefined>();
  /** per stream: whether its next rect must start afresh */
  private readonly fresh: boolean[] = new Array<boolean>(TIGHT_STREAMS).fill(true);
  private update: object | undefined;

  /** The rects that follow belong to the update encoded with `context`. */
  enterUpdate(context: object): void {
    if (context === this.update) return;
    this.update = context;
    this.fresh.fill(true);
  }

  /**
   * `data` compressed on `stream` (0–3) at `level`, continuing the update's stream where it can. Large
   * inputs go to the thread pool (their output into a buffer from `output`).
   */
  deflate(stream: number, data: Uint8Array, level: number, output?: OutputBuffers): TightDeflated | Promise<TightDeflated> {
    if (data.length >= ASYNC_DEFLATE_BYTES) {
      // a fresh stream on the thread pool; the stream's next rect starts afresh too
      this.fresh[stream] = true;
      const pool = nativeDeflatePool();
      const deflated = pool ? pool.deflate(data, level, 15, constants.Z_SYNC_FLUSH, output) : (deflateTight(data, level) as Promise<Uint8Array>);
      return deflated.then((d) => ({ data: d, reset: true }));
    }
    const z = this.stream(stream, level);
    if (!z) return { data: deflateTight(data, level) as Uint8Array, reset: true };
    const reset = this.fresh[stream]!;
    if (reset) z.reset();
    this.fresh[stream] = false;
    return { data: z.deflate(data, constants.Z_FULL_FLUSH), reset };
  }

  /** The native stream for `stream` at `level` (one per stream and level, kept), or undefined without native zlib. */
  private stream(stream: number, level: number): NativeDeflateStream | undefined {
    const key = stream * 10 + level;
    if (!this.native.has(key)) this.native.set(key, NativeDeflateStream.create(level));
    return this.native.get(key);
  }
}

/** A complete zlib stream (PNG's IDAT). */
export function deflateComplete(data: Uint8Array, level: number): Uint8Array | Promise<Uint8Array> {
  return run(data, level, constants.Z_FINISH);
}

/** The process's Tight streams: every TightEncoder uses them (all compression through them is synchronous). */
export const sharedTightStreams = new TightUpdateStreams();
