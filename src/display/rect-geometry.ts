/** Rectangle arithmetic shared by the display consumer and the front-ends (damage, moves, cursor boxes). */
import type { Rect } from "./damage-tracker.ts";

/** `r` cut to a width×height surface, or undefined when nothing of it is inside. */
export function clip(r: Rect, width: number, height: number): Rect | undefined {
  const x0 = Math.max(0, r.x);
  const y0 = Math.max(0, r.y);
  const x1 = Math.min(width, r.x + r.w);
  const y1 = Math.min(height, r.y + r.h);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : undefined;
}

/**
 * Rect `r` without `box`, appended to `out`: `r` itself when they do not overlap (returns false), else up to
 * four pieces (returns true). The pieces come in reading order, so the one that reaches the rect's
 * bottom-right comes last (gvnccapture saves its picture when a rect ends at the framebuffer's bottom-right
 * corner): above the box across the rect's width, left and right of it in the box's rows, below it across
 * the rect's width.
 */
export function subtractRect(r: Rect, box: Rect, out: Rect[]): boolean {
  const rx1 = r.x + r.w;
  const ry1 = r.y + r.h;
  const bx1 = box.x + box.w;
  const by1 = box.y + box.h;
  if (rx1 <= box.x || r.x >= bx1 || ry1 <= box.y || r.y >= by1) {
    out.push(r);
    return false;
  }
  const y0 = Math.max(r.y, box.y);
  const h = Math.min(ry1, by1) - y0;
  if (r.y < box.y) out.push({ x: r.x, y: r.y, w: r.w, h: box.y - r.y });
  if (r.x < box.x) out.push({ x: r.x, y: y0, w: box.x - r.x, h });
  if (rx1 > bx1) out.push({ x: bx1, y: y0, w: rx1 - bx1, h });
  if (ry1 > by1) out.push({ x: r.x, y: by1, w: r.w, h: ry1 - by1 });
  return true;
}
