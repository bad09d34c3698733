/**
 * Frame-sized output buffers, reused instead of allocated per frame. A Raw rectangle of a full-motion 1080p
 * frame is 8 MB (33 MB at 4K); a fresh buffer for every frame costs the kernel's first-touch page faults and
 * then the garbage collector's helper threads freeing it: on the comparison bench's 1080p video, Raw, that
 * was about half of the server's CPU per frame.
 *
 * A buffer may be handed out again only once nothing can still read it: the encode cache gives a buffer back
 * when its entry is cleared and every connection that writes the entry's bytes has been told by its
 * transport that they left (see EncodeCache.lease). A buffer never given back is simply garbage collected;
 * a buffer given back twice is ignored, so a bookkeeping slip can cost an allocation, never shared memory.
 */

/**
 * Smaller outputs come from the ordinary allocator: pooling them would cost more than it saves. Larger
 * ones, down to rect size, are pooled: V8 counts ArrayBuffer memory towards the heap's growth, and a 1080p
 * desktop's damage (~170 KB of small Raw rects a frame, each in a fresh buffer) made it run a full
 * mark-compact every ~40 frames, each ~50 ms of CPU over its threads (~1 ms a frame); pooled from 1 KiB up,
 * a third as many.
 */
export const POOLED_MIN_BYTES = 1024;

/** At most this many free buffers are kept (a desktop frame's rects are a few hundred). */
const MAX_FREE_BUFFERS = 2048;

/** Buffers an encoder writes its output into, for one encode-cache entry. */
export interface OutputBuffers {
  /** n bytes, not zeroed: the encoder writes every byte it sends */
  take(n: number): Buffer;
}

export class OutputPool {
  /** free memory, smallest first */
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  /** memory handed out by take() and not given back: only these are accepted by give() */
  private readonly lent = new WeakSet<ArrayBuffer>();
  reused = 0;
  allocated = 0;

  /**
   * `maxFreeBytes`: how much free memory is kept, two 4K frames by default (buffers in use — a slow
   * client's frames in flight — are not counted: they are not free).
   */
  constructor(private readonly maxFreeBytes = 2 * 3840 * 2160 * 4) {}

  /**
   * n bytes, not zeroed. A free buffer is used when it holds n bytes and is no more than twice n (a small
   * rect does not pin a frame's worth); else a new one is allocated.
   */
  take(n: number): Buffer {
    if (n < POOLED_MIN_BYTES) return Buffer.allocUnsafeSlow(n);
    const i = this.firstFreeOf(n);
    let memory: ArrayBuffer;
    if (i < this.free.length && this.free[i]!.byteLength <= 2 * n) {
      memory = this.free.splice(i, 1)[0]!;
      this.freeBytes -= memory.byteLength;
      this.reused++;
    } else {
      // allocUnsafeSlow: its own ArrayBuffer of exactly n bytes, never a slice of Node's shared pool
      memory = Buffer.allocUnsafeSlow(n).buffer as ArrayBuffer;
      this.allocated++;
    }
    this.lent.add(memory);
    return Buffer.from(memory, 0, n);
  }

  /** Where the first free buffer of at least n bytes is (the list is sorted by size), or its length. */
  private firstFreeOf(n: number): number {
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.free[mid]!.byteLength >= n) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Memory from take() that nothing reads any more (a view of it is enough). Anything else is ignored. */
  give(bytes: Uint8Array): void {
    const memory = bytes.buffer as ArrayBuffer;
    if (!this.lent.delete(memory)) return;
    this.free.splice(this.firstFreeOf(memory.byteLength), 0, memory);
    this.freeBytes += memory.byteLength;
    // over a limit: the smallest go first, as the largest serve more sizes
    while (this.freeBytes > this.maxFreeBytes || this.free.length > MAX_FREE_BUFFERS) this.freeBytes -= this.free.shift()!.byteLength;
  }

  /** Free buffers held now, and their bytes. */
  get freeBuffers(): { count: number; bytes: number } {
    return { count: this.free.length, bytes: this.freeBytes };
  }

  /** A fresh set of buffers for one encode-cache entry: every buffer it takes is listed for giving back. */
  buffersFor(taken: Buffer[]): OutputBuffers {
    // a method, not a named arrow: tsx names an arrow in an object literal with Object.defineProperty each
    // time the literal is made, a slow call on a path that runs every frame
    const pool = this;
    return {
      take(n) {
        const b = pool.take(n);
        if (n >= POOLED_MIN_BYTES) taken.push(b);
        return b;
      },
    };
  }
}

/** n output bytes for an encoder: from the context's pool when it has one, else freshly allocated. */
export function outputBuffer(output: OutputBuffers | undefined, n: number): Buffer {
  return output ? output.take(n) : Buffer.allocUnsafeSlow(n);
}
