/**
 * What one client has not been sent yet. While a client keeps up, its pending damage is exactly one console
 * frame's damage rects (or "everything" after a new surface), the same list every such client holds, so they
 * ask for the same encoding and share it (EncodeCache keys by rect list). When a client falls behind, frames
 * merge into a 64×64 tile bitmap: it gets the coalesced damage of all it missed, never a queue of frames.
 */
import type { DamageList, Rect, VerticalMove } from "../display/damage-tracker.ts";

const TILE = 64;

export class PendingDamage {
  /** what the pending damage is, when not empty: one frame's rects, the whole surface, or the tile bitmap */
  private state: "frame" | "full" | "tiles" = "tiles";
  private rects: readonly Rect[] = [];
  /** the frame's scroll, kept only while the pending damage is exactly that one frame over the previous */
  private move: VerticalMove | undefined;
  private tiles: Uint8Array;
  private tilesX: number;
  private tilesY: number;
  private empty = true;

  constructor(
    private width: number,
    private height: number,
  ) {
    this.tilesX = Math.ceil(width / TILE);
    this.tilesY = Math.ceil(height / TILE);
    this.tiles = new Uint8Array(this.tilesX * this.tilesY);
  }

  get isEmpty(): boolean {
    return this.empty;
  }

  /** A new surface size: everything is pending. */
  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.tilesX = Math.ceil(width / TILE);
    this.tilesY = Math.ceil(height / TILE);
    this.tiles = new Uint8Array(this.tilesX * this.tilesY);
    this.markAll();
  }

  markAll(): void {
    this.empty = false;
    this.move = undefined;
    this.state = "full";
    this.rects = [{ x: 0, y: 0, w: this.width, h: this.height }];
    this.tiles.fill(1);
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
    if (this.state === "frame") this.markTiles(this.rects);
    if (this.state !== "full") this.markTiles(rects);
    this.state = "tiles";
  }

  /** Add a client-specific area (a non-incremental request): this damage becomes the client's own. */
  addArea(x: number, y: number, w: number, h: number): void {
    const r = clip({ x, y, w, h }, this.width, this.height);
    if (!r) return;
    if (!this.empty && this.state === "frame") this.markTiles(this.rects);
    if (this.empty) this.tiles.fill(0);
    this.move = undefined;
    this.empty = false;
    this.state = "tiles";
    this.markTiles([r]);
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
      this.tiles.fill(0);
      return out;
    }
    const out = this.tileRects();
    this.tiles.fill(0);
    return out;
  }

  private markTiles(rects: readonly Rect[]): void {
    for (const r of rects) {
      const c = clip(r, this.width, this.height);
      if (!c) continue;
      const tx1 = Math.floor((c.x + c.w - 1) / TILE);
      const ty1 = Math.floor((c.y + c.h - 1) / TILE);
      for (let ty = Math.floor(c.y / TILE); ty <= ty1; ty++) {
        for (let tx = Math.floor(c.x / TILE); tx <= tx1; tx++) this.tiles[ty * this.tilesX + tx] = 1;
      }
    }
  }

  /** Dirty tiles as rectangles: runs per tile row, merged downwards while the run is the same. */
  private tileRects(): Rect[] {
    const out: Rect[] = [];
    const open = new Map<string, Rect>();
    for (let ty = 0; ty < this.tilesY; ty++) {
      const seen = new Set<string>();
      let tx = 0;
      while (tx < this.tilesX) {
        if (!this.tiles[ty * this.tilesX + tx]) {
          tx++;
          continue;
        }
        const start = tx;
        while (tx < this.tilesX && this.tiles[ty * this.tilesX + tx]) tx++;
        const k = `${start}:${tx}`;
        const y = ty * TILE;
        const h = Math.min(TILE, this.height - y);
        const prev = open.get(k);
        if (prev && prev.y + prev.h === y) {
          prev.h += h;
        } else {
          const x = start * TILE;
          const r = { x, y, w: Math.min(tx * TILE, this.width) - x, h };
          out.push(r);
          open.set(k, r);
        }
        seen.add(k);
      }
      for (const k of [...open.keys()]) if (!seen.has(k)) open.delete(k);
    }
    return out;
  }
}

export function clip(r: Rect, width: number, height: number): Rect | undefined {
  const x0 = Math.max(0, r.x);
  const y0 = Math.max(0, r.y);
  const x1 = Math.min(width, r.x + r.w);
  const y1 = Math.min(height, r.y + r.h);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : undefined;
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
