/**
 * Raw (0): w×h pixels in the client's format. Rows are drawn as they arrive, straight from the buffered
 * chunks (ByteSource.head): a whole frame is never gathered into one buffer first (a 4K frame is 33 MB),
 * and the top of a large rect is drawn while its bottom is still on the wire.
 */
import { Encoding } from "../../encodings.ts";
import type { DecodeContext, RectDecoder } from "../decoder.ts";
import { checkRectInFramebuffer, drawWirePixels } from "./rect-bounds.ts";

export class RawDecoder implements RectDecoder {
  readonly encoding = Encoding.Raw;

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    checkRectInFramebuffer(ctx.framebuffer, this.encoding, x, y, w, h);
    if (w * h === 0) return;
    const src = ctx.source;
    const rowBytes = w * ctx.pixels.bytesPerPixel;
    for (let row = 0; row < h; ) {
      const head = src.head();
      const rows = Math.min(h - row, Math.floor(head.length / rowBytes));
      if (rows > 0) {
        drawWirePixels(ctx.framebuffer, ctx.pixels, head, 0, x, y + row, w, rows);
        src.skip(rows * rowBytes);
        row += rows;
      } else {
        // no whole row in the first chunk: wait for one (copied together when it straddles two chunks)
        drawWirePixels(ctx.framebuffer, ctx.pixels, await src.read(rowBytes), 0, x, y + row, w, 1);
        row++;
      }
    }
  }
}
