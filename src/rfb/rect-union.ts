/**
 * The union of two lists of rectangles, each list's rects disjoint, as disjoint rectangles covering exactly
 * the same pixels, for a client that fell behind by a frame or a few (pending-damage.ts): it is owed what
 * changed in all of them, and no more, and an encoder sends each pixel once.
 *
 * Where no rect of one list overlaps one of the other (typed letters) the union is both lists, less any
 * rect the other list already contains (the same cut of a video frame, twice). Else it is banded: the y
 * edges of all the rects cut the surface into horizontal bands; in each band the rects crossing it give x
 * spans, merged where they overlap or touch; a band whose spans are the same as the band just above
 * extends that band's rects downwards.
 *
 * Both are rects × rects work, so callers cap the size: past `maxRects` rects in or out, the answer is
 * undefined and the caller coarsens instead (a tile map).
 */
import type { Rect } from "../display/damage-tracker.ts";

const contains = (outer: Rect, r: Rect): boolean =>
  outer.x <= r.x && outer.y <= r.y && r.x + r.w <= outer.x + outer.w && r.y + r.h <= outer.y + outer.h;

const overlaps = (p: Rect, q: Rect): boolean => p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;

export function unionOfRects(a: readonly Rect[], b: readonly Rect[], maxRects: number): Rect[] | undefined {
  if (a.length + b.length > 2 * maxRects) return undefined;
  // what b adds beyond a's rects, then a's rects that this does not swallow (a rect both lists hold stays once)
  const extra = b.filter((r) => r.w > 0 && r.h > 0 && !a.some((q) => contains(q, r)));
  const keptA = a.filter((r) => r.w > 0 && r.h > 0 && !extra.some((q) => contains(q, r)));
  if (!extra.some((r) => keptA.some((q) => overlaps(q, r)))) {
    return keptA.length + extra.length <= maxRects ? [...keptA, ...extra] : undefined;
  }
  return banded([...keptA, ...extra], maxRects);
}

function banded(all: readonly Rect[], maxRects: number): Rect[] | undefined {
  const edges = [...new Set(all.flatMap((r) => [r.y, r.y + r.h]))].sort((p, q) => p - q);
  const out: Rect[] = [];
  // the rects of the band just above, which the next band extends when its spans are the same
  let above: Rect[] = [];
  const spans: Array<[number, number]> = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const top = edges[k]!;
    const bottom = edges[k + 1]!;
    spans.length = 0;
    for (const r of all) if (r.y <= top && r.y + r.h >= bottom) spans.push([r.x, r.x + r.w]);
    spans.sort((p, q) => p[0] - q[0]);
    const merged: Array<[number, number]> = [];
    for (const [x0, x1] of spans) {
      const last = merged[merged.length - 1];
      if (last && x0 <= last[1]) last[1] = Math.max(last[1], x1);
      else merged.push([x0, x1]);
    }
    const continues =
      merged.length === above.length &&
      above.every((r, i) => r.y + r.h === top && r.x === merged[i]![0] && r.x + r.w === merged[i]![1]);
    if (continues) {
      for (const r of above) r.h = bottom - r.y;
      continue;
    }
    above = merged.map(([x0, x1]) => ({ x: x0, y: top, w: x1 - x0, h: bottom - top }));
    out.push(...above);
    if (out.length > maxRects) return undefined;
  }
  return out;
}
