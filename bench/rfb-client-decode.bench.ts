/**
 * Our RFB client's decoders on whole video frames (every pixel changes): ms to decode one full-frame update
 * per encoding, at 1920×1080 (320×240 with --quick), in the server's pixel format. The client is the viewer
 * of the server comparison: when it decodes slower than a server encodes, the comparison's frames per
 * second are the viewer's, not the server's. The frames are encoded once by our encoders; the timed part
 * is the decode from a byte stream that already holds the update (as a socket's backlog would), with fresh
 * zlib streams each time (a new connection's).
 */
import { ByteSource } from "../src/rfb/client/byte-source.ts";
import { createDecoders } from "../src/rfb/client/decoder-registry.ts";
import { PixelReader } from "../src/rfb/client/pixel-reader.ts";
import type { EncodeContext, EncodedRect, SplicedZlibStream } from "../src/rfb/encoders/encoder.ts";
import { splicedRectBytes } from "../src/rfb/encoders/zlib-data-field.ts";
import { EncoderRegistry } from "../src/rfb/encoders/registry.ts";
import { Encoding, encodingName } from "../src/rfb/encodings.ts";
import { SERVER_PIXEL_FORMAT } from "../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../src/rfb/pixel-translator.ts";
import { guestFrames } from "./model-display.ts";

export interface ClientDecodeResult {
  encoding: string;
  width: number;
  height: number;
  bytesPerFrame: number;
  /** quickest and median of the timed decodes */
  minMs: number;
  medianMs: number;
}

const ENCODINGS = [Encoding.Raw, Encoding.Hextile, Encoding.Zlib, Encoding.ZRLE, Encoding.Tight];
/** what a socket hands the client at a time */
const CHUNK = 64 * 1024;

/** The update's rects as the wire carries them on a new connection (zlib headers spliced in). */
function wireBytes(rects: readonly EncodedRect[]): Buffer {
  const started = new Set<SplicedZlibStream>();
  return Buffer.concat(rects.map((r) => splicedRectBytes(r, started)));
}

async function decodeOnce(wire: Buffer, rects: number, width: number, height: number): Promise<number> {
  const source = new ByteSource();
  const decoders = createDecoders();
  const ctx = { source, framebuffer: { width, height, pixels: new Uint32Array(width * height) }, pixels: new PixelReader(SERVER_PIXEL_FORMAT) };
  for (let o = 0; o < wire.length; o += CHUNK) source.push(wire.subarray(o, Math.min(wire.length, o + CHUNK)));
  const t0 = performance.now();
  for (let i = 0; i < rects; i++) {
    const h = await source.read(12);
    await decoders.get(h.readInt32BE(8))!.decode(ctx, h.readUInt16BE(0), h.readUInt16BE(2), h.readUInt16BE(4), h.readUInt16BE(6));
  }
  const ms = performance.now() - t0;
  if (source.available !== 0) throw new Error(`client decode bench: ${source.available} bytes left after the last rect`);
  for (const d of decoders.values()) (d as { close?: () => void }).close?.();
  return ms;
}

export async function benchClientDecode(quick: boolean): Promise<ClientDecodeResult[]> {
  const [width, height] = quick ? [320, 240] : [1920, 1080];
  const runs = quick ? 3 : 8;
  const [, frame] = guestFrames("video", width, height, 2);
  const registry = new EncoderRegistry();
  const ctx: EncodeContext = { pixels: frame!, width, height, translator: new PixelTranslator(SERVER_PIXEL_FORMAT), compressLevel: 2, jpegQuality: -1, subsampling: "1x" };
  const results: ClientDecodeResult[] = [];
  for (const encoding of ENCODINGS) {
    const rects = await registry.get(encoding).encode(ctx, 0, 0, width, height);
    const wire = wireBytes(rects);
    await decodeOnce(wire, rects.length, width, height); // warm up
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await decodeOnce(wire, rects.length, width, height));
    times.sort((a, b) => a - b);
    results.push({ encoding: encodingName(encoding), width, height, bytesPerFrame: wire.length, minMs: times[0]!, medianMs: times[runs >> 1]! });
  }
  return results;
}
