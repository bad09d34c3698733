/**
 * The one interface every client-side decoder implements (one file per encoding). A decoder instance
 * belongs to one connection (zlib streams persist per connection), reads its rectangle's data from the
 * connection's ByteSource and draws into the client's framebuffer (XRGB8888 words, packed rows).
 */
import type { ByteSource } from "./byte-source.ts";
import type { PixelReader } from "./pixel-reader.ts";

export interface ClientFramebuffer {
  width: number;
  height: number;
  /** XRGB8888 (0x00RRGGBB), row y at y * width */
  pixels: Uint32Array;
}

export interface DecodeContext {
  readonly source: ByteSource;
  readonly framebuffer: ClientFramebuffer;
  readonly pixels: PixelReader;
}

export class DecodeError extends Error {}

export interface RectDecoder {
  readonly encoding: number;
  /** Read and draw one rectangle; reject with DecodeError on data that breaks the encoding's rules. */
  decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void>;
}
