/** The check every decoder makes before drawing: the rect must lie inside the client's framebuffer. */
import { DecodeError, type ClientFramebuffer } from "../decoder.ts";
import { encodingName } from "../../encodings.ts";
import type { PixelReader } from "../pixel-reader.ts";

export function checkRectInFramebuffer(fb: ClientFramebuffer, encoding: number, x: number, y: number, w: number, h: number): void {
  if (x + w > fb.width || y + h > fb.height) {
    throw new DecodeError(`${encodingName(encoding)} rect ${w}x${h} at (${x},${y}) exceeds the ${fb.width}x${fb.height} framebuffer`);
  }
}

/** Draw w×h wire pixels from `data` at `off` (packed rows) into the framebuffer at (x, y). */
export function drawWirePixels(fb: ClientFramebuffer, reader: PixelReader, data: Uint8Array, off: number, x: number, y: number, w: number, h: number): void {
  reader.rectInto(data, off, fb.pixels, y * fb.width + x, fb.width, w, h);
}

/** Fill a w×h area of the framebuffer at (x, y) with one XRGB colour. */
export function fillRect(fb: ClientFramebuffer, x: number, y: number, w: number, h: number, xrgb: number): void {
  for (let row = 0; row < h; row++) {
    const start = (y + row) * fb.width + x;
    fb.pixels.fill(xrgb, start, start + w);
  }
}
