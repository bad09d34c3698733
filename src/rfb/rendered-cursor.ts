/**
 * The cursor drawn into the picture, for clients that listed no cursor pseudo-encoding (gvnccapture, a
 * plain RFB 3.3 viewer): without it they would never see the vGPU's cursor plane. As TigerVNC's server does
 * for such clients: the cursor's box is sent from a small copy of the surface with the cursor blended in,
 * the rest of the damage from the surface as everyone else gets it (so that part is still shared), and a
 * cursor move damages where it was and where it is.
 */
import type { ConsoleSurface } from "../display/console.ts";
import type { Rect } from "../display/damage-tracker.ts";
import type { EncodedRect } from "./encoders/encoder.ts";
import type { CursorImage } from "./server-messages.ts";
import { clip, subtractRect } from "../display/rect-geometry.ts";

/** Where the cursor image lies on a surface of this size (its top-left at `pos`), or undefined. */
export function cursorBox(cursor: CursorImage | undefined, pos: { x: number; y: number }, width: number, height: number): Rect | undefined {
  if (!cursor || cursor.width === 0 || cursor.height === 0) return undefined;
  return clip({ x: pos.x, y: pos.y, w: cursor.width, h: cursor.height }, width, height);
}

/** The rects minus the box (each cut into up to four pieces, in reading order), and whether any of them touched the box. */
export function splitAround(rects: readonly Rect[], box: Rect): { outside: Rect[]; touched: boolean } {
  const outside: Rect[] = [];
  let touched = false;
  for (const r of rects) if (subtractRect(r, box, outside)) touched = true;
  return { outside, touched };
}

/**
 * One update's plan for a client that gets the cursor drawn in. `lists` (damage, refresh) are cut around
 * the cursor's `box`; when any of them reached into it, the box itself is to be sent composited (`box`) and
 * becomes where the client has the cursor drawn (`drawn`). With no cursor, a list that reaches the old
 * drawn spot sends plain pixels there, so nothing is drawn any more.
 */
export function cutOutCursor(
  lists: ReadonlyArray<readonly Rect[]>,
  box: Rect | undefined,
  drawn: Rect | undefined,
): { outside: Rect[][]; box: Rect | undefined; drawn: Rect | undefined } {
  if (!box) {
    const gone = drawn !== undefined && lists.some((l) => splitAround(l, drawn).touched);
    return { outside: lists.map((l) => [...l]), box: undefined, drawn: gone ? undefined : drawn };
  }
  const cuts = lists.map((l) => splitAround(l, box));
  const touched = cuts.some((c) => c.touched);
  return { outside: cuts.map((c) => c.outside), box: touched ? box : undefined, drawn: touched ? box : drawn };
}

/**
 * The surface's pixels in `box` with the cursor (straight-alpha ARGB, top-left at `pos`) blended over them,
 * as a box-sized XRGB surface of its own.
 */
export function composite(surface: ConsoleSurface, cursor: CursorImage, pos: { x: number; y: number }, box: Rect): ConsoleSurface {
  const out = new Uint32Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    const sy = box.y + y;
    const cy = sy - pos.y;
    const rowOut = y * box.w;
    const rowSurface = sy * surface.width + box.x;
    for (let x = 0; x < box.w; x++) {
      const under = surface.pixels[rowSurface + x]!;
      const c = cursor.pixels[cy * cursor.width + (box.x + x - pos.x)]!;
      const a = c >>> 24;
      if (a === 0) out[rowOut + x] = under & 0xffffff;
      else if (a === 255) out[rowOut + x] = c & 0xffffff;
      else out[rowOut + x] = blend(c, under, a);
    }
  }
  return { width: box.w, height: box.h, pixels: out };
}

function blend(c: number, under: number, a: number): number {
  const na = 255 - a;
  const r = (((c >>> 16) & 0xff) * a + ((under >>> 16) & 0xff) * na + 127) / 255;
  const g = (((c >>> 8) & 0xff) * a + ((under >>> 8) & 0xff) * na + 127) / 255;
  const b = ((c & 0xff) * a + (under & 0xff) * na + 127) / 255;
  return ((r << 16) | (g << 8) | b) >>> 0;
}

/** Encoded rects of a box-sized surface, moved to where the box lies (their headers rewritten in a copy). */
export function placedAt(encoded: readonly EncodedRect[], dx: number, dy: number): EncodedRect[] {
  return encoded.map((e) => {
    const bytes = new Uint8Array(e.bytes);
    const x = ((bytes[0]! << 8) | bytes[1]!) + dx;
    const y = ((bytes[2]! << 8) | bytes[3]!) + dy;
    bytes[0] = x >>> 8;
    bytes[1] = x;
    bytes[2] = y >>> 8;
    bytes[3] = y;
    return { ...e, bytes };
  });
}
