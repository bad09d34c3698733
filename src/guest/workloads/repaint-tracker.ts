/**
 * Damage-based repaint for a workload that draws things over a fixed background, as a compositor does with
 * EGL_EXT_buffer_age: it remembers, per buffer, where things were drawn the last time that buffer was
 * drawn, so the next frame in that buffer restores the background only there instead of everywhere. The
 * frame that comes out is the same as a whole redraw, at a fraction of the memory traffic (a 4K desktop
 * frame is 33 MB; its windows cover about half of it).
 *
 * A buffer's record holds only while the buffer is the same memory in the same shape: a mode set, another
 * workload drawing into the display (a console switch) or a new background makes the owner call forget(),
 * and a buffer whose image moved or changed size is drawn whole.
 */
import type { LinearImage } from "../guest-display.ts";

/** A rectangle in frame pixels; it may reach outside the frame (drawing clips it). */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Held {
  pixels: Uint32Array;
  width: number;
  height: number;
  stridePixels: number;
  /** where the buffer differs from the background */
  rects: Rect[];
}

export class RepaintTracker {
  private readonly held = new Map<number, Held>();

  /**
   * Where buffer `n` (drawn into through `img`) differs from the background, or undefined when that is not
   * known (never drawn, forgotten, or its image is other memory or another shape now): then draw it whole.
   */
  staleRects(n: number, img: LinearImage): readonly Rect[] | undefined {
    const h = this.held.get(n);
    if (!h) return undefined;
    const same =
      h.pixels.buffer === img.pixels.buffer &&
      h.pixels.byteOffset === img.pixels.byteOffset &&
      h.pixels.length === img.pixels.length &&
      h.width === img.width &&
      h.height === img.height &&
      h.stridePixels === img.stridePixels;
    return same ? h.rects : undefined;
  }

  /** Buffer `n` now holds the background with things drawn over it inside `rects` (kept by copy). */
  drawn(n: number, img: LinearImage, rects: readonly Rect[]): void {
    this.held.set(n, {
      pixels: img.pixels,
      width: img.width,
      height: img.height,
      stridePixels: img.stridePixels,
      rects: rects.map((r) => ({ x: r.x, y: r.y, w: r.w, h: r.h })),
    });
  }

  /** Nothing is known about any buffer any more: the next frame in each is drawn whole. */
  forget(): void {
    this.held.clear();
  }
}

/**
 * The parts of `rects` outside every rectangle of `holes`, as rectangles that do not overlap one another
 * more than `rects` did. For what is about to be covered by opaque drawing: a window that moved a few pixels
 * leaves thin strips of its old place to restore, not its whole area.
 */
export function subtractRects(rects: readonly Rect[], holes: readonly Rect[]): Rect[] {
  let parts: Rect[] = rects.filter((r) => r.w > 0 && r.h > 0).map((r) => ({ x: r.x, y: r.y, w: r.w, h: r.h }));
  for (const hole of holes) {
    if (hole.w <= 0 || hole.h <= 0) continue;
    const next: Rect[] = [];
    for (const r of parts) cutOut(r, hole, next);
    parts = next;
  }
  return parts;
}

/** Push onto `out` the parts of `r` outside `hole`: up to four bands (above, below, left, right). */
function cutOut(r: Rect, hole: Rect, out: Rect[]): void {
  const rx1 = r.x + r.w, ry1 = r.y + r.h;
  const hx1 = hole.x + hole.w, hy1 = hole.y + hole.h;
  if (hole.x >= rx1 || hx1 <= r.x || hole.y >= ry1 || hy1 <= r.y) {
    out.push(r);
    return;
  }
  const top = Math.max(r.y, hole.y), bottom = Math.min(ry1, hy1);
  if (hole.y > r.y) out.push({ x: r.x, y: r.y, w: r.w, h: hole.y - r.y });
  if (hy1 < ry1) out.push({ x: r.x, y: hy1, w: r.w, h: ry1 - hy1 });
  if (hole.x > r.x) out.push({ x: r.x, y: top, w: hole.x - r.x, h: bottom - top });
  if (hx1 < rx1) out.push({ x: hx1, y: top, w: rx1 - hx1, h: bottom - top });
}
