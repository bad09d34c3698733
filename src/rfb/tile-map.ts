/**
 * A set of 64×64 tiles of a surface, for areas a client is owed something in: damage it has not been sent
 * (pending-damage.ts), tiles due for a lossless refresh (lossless-refresh.ts). Coarse on
 * purpose: marking is a few byte stores per rect, and reading it back gives few, tile-aligned rectangles.
 */
import type { Rect } from "../display/damage-tracker.ts";
import { clip } from "../display/rect-geometry.ts";

export const TILE = 64;

export class TileMap {
  private tiles: Uint8Array;
  private tilesX: number;
  private tilesY: number;
  private marked = 0;

  constructor(
    private width: number,
    private height: number,
  ) {
    this.tilesX = Math.ceil(width / TILE);
    this.tilesY = Math.ceil(height / TILE);
    this.tiles = new Uint8Array(this.tilesX * this.tilesY);
  }

  get isEmpty(): boolean {
    return this.marked === 0;
  }

  /** A new surface size; the map is empty. */
  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.tilesX = Math.ceil(width / TILE);
    this.tilesY = Math.ceil(height / TILE);
    this.tiles = new Uint8Array(this.tilesX * this.tilesY);
    this.marked = 0;
  }

  clear(): void {
    this.tiles.fill(0);
    this.marked = 0;
  }

  /** Mark tile `i` (row-major, TILE-sized tiles of this surface). */
  markTile(i: number): void {
    this.set(i, 1);
  }

  /** Tiles in the grid (row-major indices 0 … tileCount−1, as markTile and forEachTile use them). */
  get tileCount(): number {
    return this.tiles.length;
  }

  /** Mark every tile a rect touches (clipped to the surface). */
  mark(rects: readonly Rect[]): void {
    for (const r of rects) this.forEachTile(r, "touched", (i) => this.set(i, 1));
  }

  /**
   * Call `f` with the index of each tile of this grid the rect touches, or only of those it covers
   * completely (a tile at the surface's edge is complete up to the edge). The rect is clipped first.
   */
  forEachTile(r: Rect, which: "touched" | "covered", f: (i: number) => void): void {
    const c = clip(r, this.width, this.height);
    if (!c) return;
    const right = c.x + c.w;
    const bottom = c.y + c.h;
    let tx0: number, ty0: number, tx1: number, ty1: number;
    if (which === "touched") {
      tx0 = Math.floor(c.x / TILE);
      ty0 = Math.floor(c.y / TILE);
      tx1 = Math.ceil(right / TILE);
      ty1 = Math.ceil(bottom / TILE);
    } else {
      tx0 = Math.ceil(c.x / TILE);
      ty0 = Math.ceil(c.y / TILE);
      tx1 = right === this.width ? this.tilesX : Math.floor(right / TILE);
      ty1 = bottom === this.height ? this.tilesY : Math.floor(bottom / TILE);
    }
    for (let ty = ty0; ty < ty1; ty++) for (let tx = tx0; tx < tx1; tx++) f(ty * this.tilesX + tx);
  }

  /**
   * The marked tiles as rectangles (runs per tile row, merged downwards while the run is the same), at most
   * about `maxArea` pixels of them (whole tile rows of a run are never split); the tiles returned are
   * unmarked, the rest stay for the next call.
   */
  take(maxArea = Infinity): Rect[] {
    const out: Rect[] = [];
    if (this.marked === 0) return out;
    const open = new Map<number, Rect>();
    let area = 0;
    for (let ty = 0; ty < this.tilesY && area < maxArea; ty++) {
      const row = ty * this.tilesX;
      const seen = new Set<number>();
      let tx = 0;
      while (tx < this.tilesX && area < maxArea) {
        if (!this.tiles[row + tx]) {
          tx++;
          continue;
        }
        const start = tx;
        while (tx < this.tilesX && this.tiles[row + tx]) this.set(row + tx++, 0);
        const key = start * 65536 + tx;
        const y = ty * TILE;
        const h = Math.min(TILE, this.height - y);
        const x = start * TILE;
        const w = Math.min(tx * TILE, this.width) - x;
        area += w * h;
        const prev = open.get(key);
        if (prev && prev.y + prev.h === y) {
          prev.h += h;
        } else {
          const r = { x, y, w, h };
          out.push(r);
          open.set(key, r);
        }
        seen.add(key);
      }
      for (const k of [...open.keys()]) if (!seen.has(k)) open.delete(k);
    }
    return out;
  }

  private set(i: number, v: 0 | 1): void {
    if (this.tiles[i] === v) return;
    this.tiles[i] = v;
    this.marked += v ? 1 : -1;
  }
}
