/**
 * What one client has not been sent yet. While a client keeps up, its pending damage is exactly one console
 * frame's damage rects (or "everything" after a new surface), the same list every such client holds, so they
 * ask for the same encoding and share it (EncodeCache keys by rect list). When a client falls behind, frames
 * merge into a 64×64 tile bitmap: it gets the coalesced damage of all it missed, never a queue of frames.
 */
import type { DamageList, Rect, VerticalMove } from "../display/damage-tracker.ts";
import { TileMap, clip } from "./tile-map.ts";

export class PendingDamage {
  /** what the pending damage is, when not empty: one frame's rects, the whole surface, or the tile map */
  private state: "frame" | "full" | "tiles" = "tiles";
  private rects: readonly Rect[] = [];
  /** the frame's scroll, kept only while the pending damage is exactly that one frame over the previous */
  private move: VerticalMove | undefined;
  private readonly tiles: TileMap;
  private empty = true;

  constructor(
    private width: number,
    private height: number,
  ) {
    this.tiles = new TileMap(width, height);
  }

  get isEmpty(): boolean {
    return this.empty;
  }

  /** A new surface size: everything is pending. */
  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.tiles.resize(width, height);
    this.markAll();
  }

  markAll(): void {
    this.empty = false;
    this.move = undefined;
    this.state = "full";
    this.rects = [{ x: 0, y: 0, w: this.width, h: this.height }];
    this.tiles.markAll();
  }

  /** One console frame's damage (rects shared by all clients, not to be modified) and its scroll, if any. */
  addFrame(rects: readonly Rect[], move?: VerticalMove): void {
    if (rects.length === 0) return;
    if (this.empty) {
      this.empty = false;
      this.state = "frame";
      this.rects = rects;
      this.move = move;
      return;
    }
    this.move = undefined;
    // "full" already has every tile marked
    if (this.state === "frame") this.tiles.mark(this.rects);
    if (this.state !== "full") this.tiles.mark(rects);
    this.state = "tiles";
  }

  /** Add a client-specific area (a non-incremental request): this damage becomes the client's own. */
  addArea(x: number, y: number, w: number, h: number): void {
    const r = clip({ x, y, w, h }, this.width, this.height);
    if (!r) return;
    if (!this.empty && this.state === "frame") this.tiles.mark(this.rects);
    if (this.empty) this.tiles.clear();
    this.move = undefined;
    this.empty = false;
    this.state = "tiles";
    this.tiles.mark([r]);
  }

  /** The scroll of the pending frame, when the pending damage is exactly one frame over what the client has. */
  get pendingMove(): VerticalMove | undefined {
    return this.empty ? undefined : this.move;
  }

  /** Take the pending rectangles (clipped to the surface) and clear. */
  take(): readonly Rect[] {
    this.move = undefined;
    if (this.empty) return [];
    this.empty = true;
    const state = this.state;
    this.state = "tiles";
    if (state !== "tiles") {
      const out = this.rects;
      this.rects = [];
      this.tiles.clear();
      return out;
    }
    return this.tiles.take();
  }
}

/** One frame's damage as rects of its own (the DamageList is reused by the consumer). */
export function frameRects(d: DamageList): Rect[] {
  const out = new Array<Rect>(d.count);
  for (let i = 0; i < d.count; i++) {
    const r = d.rects[i]!;
    out[i] = { x: r.x, y: r.y, w: r.w, h: r.h };
  }
  return out;
}

/** The rects without the full-width band of rows y … y+h−1 (what a CopyRect already brought the client). */
export function withoutBand(rects: readonly Rect[], y: number, h: number): Rect[] {
  const out: Rect[] = [];
  for (const r of rects) {
    if (r.y < y) out.push({ x: r.x, y: r.y, w: r.w, h: Math.min(r.h, y - r.y) });
    const bottom = r.y + r.h;
    if (bottom > y + h) {
      const top = Math.max(r.y, y + h);
      out.push({ x: r.x, y: top, w: r.w, h: bottom - top });
    }
  }
  return out;
}
