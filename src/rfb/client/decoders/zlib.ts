/** Zlib (6): u32 length + data of the connection's one zlib stream, inflating to exactly the rect's Raw pixels. */
import { Encoding } from "../../encodings.ts";
import { DecodeError, type DecodeContext, type RectDecoder } from "../decoder.ts";
import { PersistentInflate } from "./persistent-inflate.ts";
import { checkRectInFramebuffer, drawWirePixels } from "./rect-bounds.ts";

/** Room for deflate's worst case (stored blocks, flush markers) over data of `n` bytes, generously. */
export function maxCompressedLength(n: number): number {
  return 2 * n + 65536;
}

export class ZlibDecoder implements RectDecoder {
  readonly encoding = Encoding.Zlib;
  private readonly stream = new PersistentInflate("Zlib");

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    checkRectInFramebuffer(ctx.framebuffer, this.encoding, x, y, w, h);
    const bpp = ctx.pixels.bytesPerPixel;
    const expected = w * h * bpp;
    const length = await ctx.source.u32();
    if (length > maxCompressedLength(expected)) {
      throw new DecodeError(`Zlib rect ${w}x${h} at (${x},${y}): ${length} compressed bytes for ${expected} bytes of pixels`);
    }
    const pixels = await this.stream.inflateRect(await ctx.source.read(length));
    if (pixels.length !== expected) {
      throw new DecodeError(`Zlib rect ${w}x${h} at (${x},${y}): inflated to ${pixels.length} bytes, expected ${expected}`);
    }
    drawWirePixels(ctx.framebuffer, ctx.pixels, pixels, 0, x, y, w, h);
  }

  close(): void {
    this.stream.close();
  }
}
