/**
 * What one client has not been sent yet. While a client keeps up, its pending damage is exactly one console
 * frame's damage rects (or "everything" after a new surface), the same list every such client holds, so they
 * ask for the same encoding and share it (EncodeCache keys by rect list). When a client falls behind, frames
 * merge: it gets the coalesced damage of all it missed, never a queue of frames. The merge is exact (the
 * union of the frames' rects, rect-union.ts) while it stays at most MAX_EXACT_RECTS rects: a client falls
 * behind most often on a slow link, where sending pixels that did not change costs what it is short of,
 * and a frame's damage is cut finer than any tile (a typed glyph, the static overlay cut out of a video).
 * Past that, frames merge into a 64×64 tile bitmap, which stays a few byte stores a rect however many
 * frames a client misses.
 */
import type { DamageList, Move, Rect } from "../display/damage-tracker.ts";
import { copyRect } from "./encoders/copyrect.ts";
import { clip } from "../display/rect-geometry.ts";
import { TileMap } from "./tile-map.ts";
import { unionOfRects } from "./rect-union.ts";

/** Merged damage is kept exact up to this many rects, then goes to the tile map. */
export const MAX_EXACT_RECTS = 64;

/** What moved in one frame (shared by all clients): copy `moves` in order, then send `rest` as pixels. */
export interface FrameMoves {
  readonly moves: readonly Move[];
  /** the moves as CopyRect rectangles, made once for every client */
  readonly copies: readonly Buffer[];
  readonly rest: readonly Rect[];
}

export class PendingDamage {
  /**
   * What the pending damage is, when not empty: one frame's rects (shared with other clients), the union
   * of several frames' rects (this client's own), the whole surface, or the tile map.
   */
  private state: "frame" | "exact" | "full" | "tiles" = "tiles";
  private rects: readonly Rect[] = [];
  /** the frame's moves, kept only while the pending damage is exactly that one frame over the previous */
  private moves: FrameMoves | undefined;
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
    this.moves = undefined;
    this.state = "full";
    this.rects = [{ x: 0, y: 0, w: this.width, h: this.height }];
    // the tile map holds marks only in the "tiles" state
    this.tiles.clear();
  }

  /** One console frame's damage (rects shared by all clients, not to be modified) and its moves, if any. */
  addFrame(rects: readonly Rect[], moves?: FrameMoves): void {
    if (rects.length === 0) return;
    if (this.empty) {
      this.empty = false;
      this.state = "frame";
      this.rects = rects;
      this.moves = moves;
      return;
    }
    this.moves = undefined;
    this.merge(rects);
  }

  /** Add a client-specific area (a non-incremental request): this damage becomes the client's own. */
  addArea(x: number, y: number, w: number, h: number): void {
    const r = clip({ x, y, w, h }, this.width, this.height);
    if (!r) return;
    this.moves = undefined;
    if (this.empty) {
      this.empty = false;
      this.state = "exact";
      this.rects = [r];
      return;
    }
    this.merge([r]);
  }

  /** `rects` added to damage that is not empty: exactly while that stays small, else by tiles. */
  private merge(rects: readonly Rect[]): void {
    // "full" covers everything already; the tile map only grows
    if (this.state === "full") return;
    if (this.state === "tiles") {
      this.tiles.mark(rects);
      return;
    }
    const union = unionOfRects(this.rects, rects, MAX_EXACT_RECTS);
    if (union) {
      this.state = "exact";
      this.rects = union;
      return;
    }
    this.tiles.mark(this.rects);
    this.tiles.mark(rects);
    this.rects = [];
    this.state = "tiles";
  }

  /** The moves of the pending frame, when the pending damage is exactly one frame over what the client has. */
  get pendingMoves(): FrameMoves | undefined {
    return this.empty ? undefined : this.moves;
  }

  /** Take the pending rectangles (clipped to the surface) and clear. */
  take(): readonly Rect[] {
    this.moves = undefined;
    if (this.empty) return [];
    this.empty = true;
    const state = this.state;
    this.state = "tiles";
    if (state !== "tiles") {
      // the tile map is empty outside the "tiles" state (markAll clears it, merge marks it only on the way in)
      const out = this.rects;
      this.rects = [];
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

/** One frame's moves and what is left for pixels, as objects of their own, when the frame has moves. */
export function frameMoves(d: DamageList): FrameMoves | undefined {
  if (!d.moves || d.moves.length === 0 || !d.rest) return undefined;
  const moves = d.moves.map((m) => ({ ...m }));
  return {
    moves,
    copies: moves.map((m) => Buffer.from(copyRect(m.x, m.y, m.w, m.h, m.srcX, m.srcY).bytes)),
    rest: d.rest.map((r) => ({ x: r.x, y: r.y, w: r.w, h: r.h })),
  };
}

/**
 * Where copies carried a client's drawn-in cursor (box `drawn`): each move whose source holds part of it put
 * that part at the destination, which must be sent again.
 */
export function cursorCopies(drawn: Rect, moves: readonly Move[]): Rect[] {
  const out: Rect[] = [];
  for (const m of moves) {
    const x0 = Math.max(drawn.x, m.srcX);
    const y0 = Math.max(drawn.y, m.srcY);
    const x1 = Math.min(drawn.x + drawn.w, m.srcX + m.w);
    const y1 = Math.min(drawn.y + drawn.h, m.srcY + m.h);
    if (x0 < x1 && y0 < y1) out.push({ x: x0 + m.x - m.srcX, y: y0 + m.y - m.srcY, w: x1 - x0, h: y1 - y0 });
  }
  return out;
}
