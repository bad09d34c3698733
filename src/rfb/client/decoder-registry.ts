/**
 * Which decoders the client has: one instance per connection (zlib-based decoders keep stream state).
 * Each encoding's decoder lives in its own file under decoders/.
 */
import type { RectDecoder } from "./decoder.ts";
import { CopyRectDecoder } from "./decoders/copyrect.ts";
import { HextileDecoder } from "./decoders/hextile.ts";
import { RawDecoder } from "./decoders/raw.ts";
import { RreDecoder } from "./decoders/rre.ts";
import { TightPngDecoder } from "./decoders/tight-png.ts";
import { TightDecoder } from "./decoders/tight.ts";
import { ZlibDecoder } from "./decoders/zlib.ts";
import { ZrleDecoder } from "./decoders/zrle.ts";

export function createDecoders(): Map<number, RectDecoder> {
  const decoders: RectDecoder[] = [
    new RawDecoder(),
    new CopyRectDecoder(),
    new RreDecoder(),
    new HextileDecoder(),
    new ZlibDecoder(),
    new ZrleDecoder(),
    new TightDecoder(),
    new TightPngDecoder(),
  ];
  return new Map(decoders.map((d) => [d.encoding, d]));
}
