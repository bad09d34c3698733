/**
 * Lossless refresh, as TigerVNC's server does it: what a client was sent as JPEG is sent again losslessly
 * once that area has stopped changing, so a still picture ends up exact (a paused video, a photo in a
 * browser) while motion stays cheap. Per client, per 64×64 tile: when it was last sent lossy (0: the client
 * has it exact). A tile sent losslessly later is clean again; a CopyRect carries lossiness to where it copies.
 * A tile unchanged for REFRESH_DELAY_MS is due; refresh goes out in slices of REFRESH_SLICE_AREA pixels, one
 * per update, next to whatever damage that update carries, so a video playing in one window does not keep a
 * still photo beside it blurred, and refreshing a whole 4K screen never holds a real frame back by more
 * than one slice.
 */
import type { Move, Rect } from "../display/damage-tracker.ts";
import { TileMap } from "./tile-map.ts";

/** How long a lossy tile must stay unchanged before it is refreshed. */
export const REFRESH_DELAY_MS = 300;
/** Pixels refreshed per update at most. */
export const REFRESH_SLICE_AREA = 1 << 20;

export class LosslessRefresh {
  /** tiles due for a refresh; its grid is also the grid of lossyAt (tile i here is tile i there) */
  private readonly due: TileMap;
  /** per tile: time (ms, performance.now) it was last sent lossy, 0 when the client has it exact */
  private lossyAt: Float64Array;
  private lossyTiles = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `onDue` is called when tiles become due (the caller sends an update when it can). */
  constructor(
    width: number,
    height: number,
    private readonly onDue: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.due = new TileMap(width, height);
    this.lossyAt = new Float64Array(this.due.tileCount);
  }

  /** Whether the client holds lossy pixels anywhere. */
  get hasLossy(): boolean {
    return this.lossyTiles > 0;
  }

  /** A new surface: everything will be sent again anyway. */
  resize(width: number, height: number): void {
    this.due.resize(width, height);
    this.lossyAt = new Float64Array(this.due.tileCount);
    this.lossyTiles = 0;
    this.cancel();
  }

  /** An update went out: `sent` areas replaced what the client had, `lossyRects` of them as JPEG. */
  sent(sent: readonly Rect[], lossyRects: readonly Rect[]): void {
    for (const r of sent) this.due.forEachTile(r, "covered", (i) => this.setClean(i));
    const t = this.now();
    for (const r of lossyRects) this.due.forEachTile(r, "touched", (i) => this.setLossy(i, t));
    this.schedule();
  }

  /**
   * CopyRects moved areas (each: the w×h area at x, y now holds what was at srcX, srcY): a destination is as
   * lossy as its source was. All sources are read before any destination changes, as the client's copies
   * (ordered so none reads another's destination) saw them.
   */
  moved(moves: readonly Move[]): void {
    if (this.lossyTiles === 0) return;
    // conservative: a whole destination counts as lossy when any tile its source touches was
    const newest = moves.map((m) => {
      let t = 0;
      this.due.forEachTile({ x: m.srcX, y: m.srcY, w: m.w, h: m.h }, "touched", (i) => {
        t = Math.max(t, this.lossyAt[i]!);
      });
      return t;
    });
    moves.forEach((m, k) => {
      this.due.forEachTile(m, "covered", (i) => this.setClean(i));
      if (newest[k]! > 0) this.due.forEachTile(m, "touched", (i) => this.setLossy(i, newest[k]!));
    });
    this.schedule();
  }

  /** The next slice of due tiles to send losslessly, or none. */
  takeDue(): Rect[] {
    if (this.lossyTiles === 0) return [];
    const cutoff = this.now() - REFRESH_DELAY_MS;
    this.due.clear();
    for (let i = 0; i < this.lossyAt.length; i++) {
      const at = this.lossyAt[i]!;
      if (at > 0 && at <= cutoff) this.due.markTile(i);
    }
    // what goes out now is clean once sent (sent() clears it); the rest is due at the next update
    return this.due.take(REFRESH_SLICE_AREA);
  }

  /** Whether some tile is due now. */
  get isDue(): boolean {
    if (this.lossyTiles === 0) return false;
    const cutoff = this.now() - REFRESH_DELAY_MS;
    for (let i = 0; i < this.lossyAt.length; i++) {
      const at = this.lossyAt[i]!;
      if (at > 0 && at <= cutoff) return true;
    }
    return false;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Wake up when the oldest lossy tile becomes due. A wake-up already set stays: tiles only get newer or
   * clean, so it comes no later than needed and sets the next one then (one timer per quiet period, not one
   * per update, for a client getting JPEG frames).
   */
  private schedule(): void {
    if (this.lossyTiles === 0) return this.cancel();
    if (this.timer) return;
    let oldest = Infinity;
    for (let i = 0; i < this.lossyAt.length; i++) {
      const at = this.lossyAt[i]!;
      if (at > 0 && at < oldest) oldest = at;
    }
    const wait = Math.max(0, oldest + REFRESH_DELAY_MS - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.isDue) this.onDue();
      else this.schedule();
    }, Math.ceil(wait) + 1);
    this.timer.unref();
  }

  private setClean(i: number): void {
    if (this.lossyAt[i] === 0) return;
    this.lossyAt[i] = 0;
    this.lossyTiles--;
  }

  private setLossy(i: number, t: number): void {
    if (this.lossyAt[i] === 0) this.lossyTiles++;
    this.lossyAt[i] = t;
  }
}
