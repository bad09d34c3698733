/**
 * Fewer, larger JPEGs. The Tight layout cuts a damaged rectangle into sub-rectangles of at most 65,536
 * pixels (the limit of basic compression); a photo or video area becomes a column of such bands, each its
 * own JPEG. A JPEG call costs a fixed part (sharp's pipeline, libjpeg's set-up, headers and tables on the
 * wire) on top of its pixels, so bands that sit exactly on top of each other are joined into one JPEG
 * rect, up to JPEG_MAX_AREA pixels (its worst-case size stays under Tight's 4 MiB compact length).
 * Tight limits only basic compression to 65,536 pixels; JPEG rects are bounded by the 2048-pixel width,
 * which the bands already keep.
 */
import type { TightRegion } from "./tight-layout.ts";

export const JPEG_MAX_AREA = 1 << 20;

/**
 * Join regions that stack exactly (same x and width, one ending where the next starts) into taller ones.
 * `regions` is reordered; the joined list is returned in the same array's storage order, top to bottom per
 * column.
 */
export function joinJpegBands(regions: TightRegion[]): TightRegion[] {
  if (regions.length < 2) return regions;
  regions.sort((a, b) => a.x - b.x || a.w - b.w || a.y - b.y);
  const out: TightRegion[] = [];
  let cur = { ...regions[0]! };
  for (let i = 1; i < regions.length; i++) {
    const r = regions[i]!;
    if (r.x === cur.x && r.w === cur.w && r.y === cur.y + cur.h && (cur.h + r.h) * cur.w <= JPEG_MAX_AREA) {
      cur.h += r.h;
    } else {
      out.push(cur);
      cur = { ...r };
    }
  }
  out.push(cur);
  return out;
}
