/**
 * One-shot deflate of large inputs on libuv's thread pool, through zlib called directly (koffi's
 * asynchronous calls) on streams kept for the process. Node's async zlib API makes a stream object per call
 * whose zlib memory and output chunks count as V8 external memory: on full-motion 1080p Tight (eight bands a
 * frame) that brought about one full garbage collection a frame, ~7 ms of pauses and ~15 ms on the GC's
 * helper threads. Here the streams and their native input and output memory live as long as the process; a
 * call copies its input in, and its output out into a buffer from the caller's output pool.
 *
 * Each call starts its stream afresh (deflateReset): the output is what a fresh stream of the same level
 * and window gives — byte for byte the same zlib's (the system's in the native helper, else Node's: native-deflate.ts).
 * Calls beyond the streams in use wait for one to come free, so memory stays bounded whatever arrives.
 */
import { outputBuffer, type OutputBuffers } from "../output-pool.ts";
import { deflatedBytes, deflateRoom, newStream, pointStream, Scratch, Z_OK, zlibCalls, type ZlibCalls } from "./native-deflate.ts";

/** Streams at most, per level and window: libuv's pool runs four calls at a time by default. */
const MAX_STREAMS = 4;

interface PooledStream {
  strm: bigint;
  fields: DataView;
  input: Scratch;
  output: Scratch;
}

class StreamSet {
  private readonly free: PooledStream[] = [];
  /** callers waiting for a stream, first come first served */
  private readonly waiting: Array<(s: PooledStream) => void> = [];
  private made = 0;

  constructor(
    private readonly z: ZlibCalls,
    private readonly level: number,
    private readonly windowBits: number,
  ) {}

  /** A free stream now (made if fewer than MAX_STREAMS exist), or undefined when all are busy. */
  tryAcquire(): PooledStream | undefined {
    return this.free.pop() ?? (this.made < MAX_STREAMS ? this.make() : undefined);
  }

  /** The first stream to come free. */
  waitForOne(): Promise<PooledStream> {
    return new Promise((start) => this.waiting.push(start));
  }

  release(s: PooledStream): void {
    const next = this.waiting.shift();
    if (next) next(s);
    else this.free.push(s);
  }

  private make(): PooledStream {
    const s = newStream(this.z, this.level, this.windowBits);
    if (!s) throw new Error(`deflateInit2 failed (level ${this.level}, window bits ${this.windowBits})`);
    this.made++;
    return { ...s, input: new Scratch(), output: new Scratch() };
  }
}

export class NativeDeflatePool {
  private readonly sets = new Map<string, StreamSet>();

  private constructor(private readonly z: ZlibCalls) {}

  /** The pool, or undefined without native zlib (callers then use Node's zlib). */
  static create(): NativeDeflatePool | undefined {
    const z = zlibCalls();
    return z ? new NativeDeflatePool(z) : undefined;
  }

  /**
   * `data` deflated on a fresh stream at `level` (`windowBits` 15: zlib header; −15: raw) and ended with
   * `flush` (Z_SYNC_FLUSH or Z_FULL_FLUSH), off the main thread. `data` is copied before this returns, so
   * the caller may reuse it; the result is a buffer of its own (from `output` when given).
   */
  async deflate(data: Uint8Array, level: number, windowBits: number, flush: number, output?: OutputBuffers): Promise<Uint8Array> {
    const key = `${level}/${windowBits}`;
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new StreamSet(this.z, level, windowBits)));
    let s = set.tryAcquire();
    if (s) load(s, data);
    else {
      // every stream is busy: keep a copy until one comes free
      const owned = outputBuffer(output, data.length);
      owned.set(data);
      s = await set.waitForOne();
      load(s, owned);
    }
    try {
      return await this.run(s, data.length, flush, output);
    } finally {
      set.release(s);
    }
  }

  /** Deflate the `length` bytes loaded into the stream's input. */
  private run(s: PooledStream, length: number, flush: number, output: OutputBuffers | undefined): Promise<Uint8Array> {
    const room = deflateRoom(length);
    s.output.ensure(room);
    if (this.z.deflateReset(s.strm) !== Z_OK) return Promise.reject(new Error("deflateReset failed"));
    pointStream(s.fields, s.input, length, s.output, room);
    return new Promise((resolve, reject) => {
      this.z.deflateAsync(s.strm, flush, (err, ret) => {
        try {
          const n = deflatedBytes(s.fields, err ?? ret, room);
          const out = outputBuffer(output, n);
          out.set(s.output.view.subarray(0, n));
          resolve(out);
        } catch (e) {
          reject(e);
        }
      });
    });
  }
}

/** Copy `data` into the stream's native input. */
function load(s: PooledStream, data: Uint8Array): void {
  s.input.ensure(data.length);
  s.input.view.set(data);
}

let shared: NativeDeflatePool | null | undefined;

/** The process's pool, or undefined without native zlib. */
export function nativeDeflatePool(): NativeDeflatePool | undefined {
  if (shared === undefined) shared = NativeDeflatePool.create() ?? null;
  return shared ?? undefined;
}
