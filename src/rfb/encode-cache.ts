/**
 * Encode once for all clients: the encoded rectangles of one (encoding settings, damage) pair, kept until
 * the console changes again. Every client whose pending damage is the shared state of the current frame and
 * whose settings key matches takes the same bytes, so N identical viewers cost one encoding.
 */
import type { Rect } from "../display/damage-tracker.ts";
import type { EncodeContext, EncodedRect, RectEncoder } from "./encoders/encoder.ts";
import { OutputPool, type OutputBuffers } from "./output-pool.ts";

/** One encoding's rects, held by a connection until its transport has sent them. */
export interface EncodeLease {
  readonly rects: Promise<EncodedRect[]>;
  /** The bytes have left (or will never be sent): their buffers may be reused once the entry is cleared. Once only. */
  release(): void;
}

interface Entry {
  readonly rects: Promise<EncodedRect[]>;
  /** pooled buffers the encoders wrote into, given back once the entry is cleared and no lease is held */
  readonly taken: Buffer[];
  leases: number;
  cleared: boolean;
  given: boolean;
}

/** From this size a piece of an update is written on its own instead of being copied into a joined buffer. */
export const SEPARATE_WRITE_BYTES = 4096;

export class EncodeCache {
  private readonly entries = new Map<string, Entry>();
  /** an encoding's rects as written, made once for however many clients send them */
  private readonly segmentsOf = new WeakMap<EncodedRect[], Uint8Array[]>();
  hits = 0;
  misses = 0;

  constructor(readonly pool = new OutputPool()) {}

  /**
   * The rects' bytes for writing: each run of small rects joined into one buffer, each large rect as it is
   * (a 1080p frame in Tight bands is 5 MB: joined, every frame would be copied once more).
   */
  segments(rects: EncodedRect[]): Uint8Array[] {
    let out = this.segmentsOf.get(rects);
    if (!out) {
      out = writeSegments(rects.map((r) => r.bytes));
      this.segmentsOf.set(rects, out);
    }
    return out;
  }

  /** The console changed: nothing encoded before describes the surface any more. */
  clear(): void {
    for (const e of this.entries.values()) this.drop(e);
    this.entries.clear();
  }

  /**
   * The rects for `key`, encoded by `make` on a miss (into buffers from `output`), or those of an earlier
   * identical request. `key` undefined: never shared. The caller releases the lease once its transport has
   * sent the bytes; until then, and until the entry is cleared, its pooled buffers are not reused.
   */
  lease(key: string | undefined, make: (output: OutputBuffers) => Promise<EncodedRect[]>): EncodeLease {
    let entry = key === undefined ? undefined : this.entries.get(key);
    if (entry) this.hits++;
    else {
      this.misses++;
      const taken: Buffer[] = [];
      entry = { rects: make(this.pool.buffersFor(taken)), taken, leases: 0, cleared: key === undefined, given: false };
      if (key !== undefined) {
        this.entries.set(key, entry);
        const made = entry;
        // a failed encoding is not cached: the next client tries again
        made.rects.catch(() => {
          if (this.entries.get(key) === made) this.entries.delete(key);
          this.drop(made);
        });
      }
    }
    entry.leases++;
    return new Lease(this, entry);
  }

  /** A lease on `e` was released (called by Lease). */
  released(e: Entry): void {
    e.leases--;
    this.giveBackIfUnused(e);
  }

  private drop(e: Entry): void {
    e.cleared = true;
    this.giveBackIfUnused(e);
  }

  private giveBackIfUnused(e: Entry): void {
    if (!e.cleared || e.leases > 0 || e.given) return;
    e.given = true;
    // only once the encoding has settled: an encoder may still be writing into its buffers until then
    e.rects.then(
      () => this.giveBack(e),
      () => this.giveBack(e),
    );
  }

  private giveBack(e: Entry): void {
    for (const b of e.taken) this.pool.give(b);
  }
}

// No named closures in this file's per-frame paths: tsx names each one with Object.defineProperty as it is
// made, a slow call (about 0.25 µs hot, more after idle) paid several times a frame. Methods and classes
// are named once, when their class is defined.

class Lease implements EncodeLease {
  private done = false;

  constructor(
    private readonly cache: EncodeCache,
    private readonly entry: Entry,
  ) {}

  get rects(): Promise<EncodedRect[]> {
    return this.entry.rects;
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.cache.released(this.entry);
  }
}

/**
 * `pieces` as they are written: each run of small ones joined into one buffer, each large one (from
 * SEPARATE_WRITE_BYTES) on its own, not copied.
 */
export function writeSegments(pieces: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < pieces.length; i++) {
    if (pieces[i]!.length < SEPARATE_WRITE_BYTES) continue;
    joinRun(pieces, from, i, out);
    out.push(pieces[i]!);
    from = i + 1;
  }
  joinRun(pieces, from, pieces.length, out);
  return out;
}

/** pieces[from, to) as one segment (joined when more than one), if any. */
function joinRun(pieces: readonly Uint8Array[], from: number, to: number, out: Uint8Array[]): void {
  if (to - from === 1) out.push(pieces[from]!);
  else if (to > from) out.push(Buffer.concat(pieces.slice(from, to)));
}

/**
 * Encode rectangles of the surface. Every encoder is called before the first await, so all rectangles are a
 * snapshot of the same moment (encoders read the surface synchronously); compression may finish later.
 */
export async function encodeRects(encoder: RectEncoder, ctx: EncodeContext, rects: readonly Rect[]): Promise<EncodedRect[]> {
  const parts = rects.map((r) => encoder.encode(ctx, r.x, r.y, r.w, r.h));
  const done = await Promise.all(parts);
  return done.flat();
}
