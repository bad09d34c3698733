/**
 * Encode once for all clients: the encoded rectangles of one (encoding settings, damage) pair, kept until
 * the console changes again. Every client whose pending damage is the shared state of the current frame and
 * whose settings key matches takes the same bytes, so N identical viewers cost one encoding.
 */
import type { Rect } from "../display/damage-tracker.ts";
import type { EncodeContext, EncodedRect, RectEncoder } from "./encoders/encoder.ts";

export class EncodeCache {
  private readonly entries = new Map<string, Promise<EncodedRect[]>>();
  /** the bytes of an encoding's rects joined, made once for however many clients send them */
  private readonly joinedBytes = new WeakMap<EncodedRect[], Buffer>();
  hits = 0;
  misses = 0;

  /** All rects' bytes as one buffer (for clients that need no zlib header spliced in). */
  joined(rects: EncodedRect[]): Buffer {
    let b = this.joinedBytes.get(rects);
    if (!b) {
      b = rects.length === 1 ? Buffer.from(rects[0]!.bytes.buffer, rects[0]!.bytes.byteOffset, rects[0]!.bytes.byteLength) : Buffer.concat(rects.map((r) => r.bytes));
      this.joinedBytes.set(rects, b);
    }
    return b;
  }

  /** The console changed: nothing encoded before describes the surface any more. */
  clear(): void {
    this.entries.clear();
  }

  get(key: string | undefined, make: () => Promise<EncodedRect[]>): Promise<EncodedRect[]> {
    if (key === undefined) {
      this.misses++;
      return make();
    }
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const p = make();
    this.entries.set(key, p);
    // a failed encoding is not cached: the next client tries again
    p.catch(() => this.entries.delete(key));
    return p;
  }
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
