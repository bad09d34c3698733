/**
 * Test plumbing for Tight and TightPNG: surfaces with chosen content, an encode context, and a client that
 * reads encoded rectangles from one byte stream (as a connection would) with a given decoder.
 */
import assert from "node:assert/strict";
import type { EncodeContext, EncodedRect, SplicedZlibStream, Subsampling } from "../../src/rfb/encoders/encoder.ts";
import { splicedRectBytes } from "../../src/rfb/encoders/zlib-data-field.ts";
import { ByteSource } from "../../src/rfb/client/byte-source.ts";
import type { ClientFramebuffer, RectDecoder } from "../../src/rfb/client/decoder.ts";
import { PixelReader } from "../../src/rfb/client/pixel-reader.ts";
import type { PixelFormat } from "../../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../../src/rfb/pixel-translator.ts";

import { FORMATS as LOSSLESS_FORMATS, prng, type Surface } from "./lossless-harness.ts";

export { prng, type Surface };

/** The formats Tight is checked in: both TPIXEL paths (24-bit R,G,B and whole pixels) in both byte orders. */
export const FORMATS: Record<string, PixelFormat> = Object.fromEntries(
  (["xrgbLE", "xrgbBE", "rgbxLE", "rgbxBE", "rgb565LE", "rgb565BE", "bgr233"] as const).map((k) => [k, LOSSLESS_FORMATS[k]!]),
);

export type Content = "solid" | "two" | "few" | "gradient" | "noise" | "photo";

/** Fill a surface with content; the top byte of each word is random garbage, as the console allows. */
export function makeSurface(width: number, height: number, content: Content, seed: number): Surface {
  const rnd = prng(seed);
  const pixels = new Uint32Array(width * height);
  const palette = Array.from({ length: 16 }, () => rnd() & 0xffffff);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c: number;
      switch (content) {
        case "solid":
          c = palette[0]!;
          break;
        case "two":
          c = palette[(x ^ y ^ (rnd() & 1)) & 1]!;
          break;
        case "few":
          c = palette[rnd() % 12]!;
          break;
        case "gradient":
          c = (((x * 255) / Math.max(1, width - 1)) << 16) | (((y * 255) / Math.max(1, height - 1)) << 8) | ((x + y) & 0xff);
          break;
        case "photo": {
          // smooth shapes with a little grain, like a photograph
          const r = 128 + 100 * Math.sin(x / 23) * Math.cos(y / 31);
          const g = 128 + 90 * Math.sin((x + y) / 41);
          const b = 128 + 80 * Math.cos((x - 2 * y) / 37);
          const n = (rnd() % 7) - 3;
          const cl = (v: number) => Math.max(0, Math.min(255, Math.round(v + n)));
          c = (cl(r) << 16) | (cl(g) << 8) | cl(b);
          break;
        }
        default:
          c = rnd() & 0xffffff;
      }
      pixels[y * width + x] = (c | ((rnd() & 0xff) << 24)) >>> 0;
    }
  }
  return { width, height, pixels };
}

/** Paint solid rectangles over a surface. */
export function paintRects(s: Surface, rects: Array<{ x: number; y: number; w: number; h: number; colour: number }>): void {
  for (const r of rects) {
    for (let y = r.y; y < Math.min(s.height, r.y + r.h); y++) {
      for (let x = r.x; x < Math.min(s.width, r.x + r.w); x++) s.pixels[y * s.width + x] = r.colour & 0xffffff;
    }
  }
}

export function context(s: Surface, format: PixelFormat, opts: { compressLevel?: number; jpegQuality?: number; subsampling?: Subsampling } = {}): EncodeContext {
  return {
    pixels: s.pixels,
    width: s.width,
    height: s.height,
    translator: new PixelTranslator(format),
    compressLevel: opts.compressLevel ?? -1,
    jpegQuality: opts.jpegQuality ?? -1,
    subsampling: opts.subsampling ?? "1x",
  };
}

export function framebuffer(width: number, height: number, fill = 0xdeadbe): ClientFramebuffer {
  return { width, height, pixels: new Uint32Array(width * height).fill(fill) };
}

export interface ParsedRect {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: number;
  body: Uint8Array;
}

export function parseHeader(r: EncodedRect): ParsedRect {
  const b = r.bytes;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { x: dv.getUint16(0), y: dv.getUint16(2), w: dv.getUint16(4), h: dv.getUint16(6), encoding: dv.getInt32(8), body: b.subarray(12) };
}

/** Per decoder (one client's), the zlib streams it has had data on: the sender splices the zlib header into the first. */
const startedStreams = new WeakMap<RectDecoder, Set<SplicedZlibStream>>();

/**
 * Decode the rects in order from one byte stream, as `decoder`'s connection would send them: a decoder's
 * first rect on each zlib stream gets the zlib header spliced in (over all calls with that decoder). Every
 * rectangle's data must be consumed exactly; draws into fb.
 */
export async function decodeAll(decoder: RectDecoder, format: PixelFormat, fb: ClientFramebuffer, rects: readonly EncodedRect[]): Promise<void> {
  const source = new ByteSource();
  let started = startedStreams.get(decoder);
  if (!started) startedStreams.set(decoder, (started = new Set()));
  for (const r of rects) source.push(Buffer.from(splicedRectBytes(r, started)));
  const pixels = new PixelReader(format);
  for (let i = 0; i < rects.length; i++) {
    const h = await source.read(12);
    const x = h.readUInt16BE(0);
    const y = h.readUInt16BE(2);
    const w = h.readUInt16BE(4);
    const hh = h.readUInt16BE(6);
    assert.equal(h.readInt32BE(8), decoder.encoding, "rect encoding");
    await decoder.decode({ source, framebuffer: fb, pixels }, x, y, w, hh);
  }
  assert.equal(source.available, 0, "every byte consumed");
}

/** The rects cover the w×h area at (x, y) exactly once and nothing else; each ≤ 2048 wide. */
export function assertCoverage(rects: readonly EncodedRect[], surfaceW: number, x: number, y: number, w: number, h: number): void {
  const count = new Uint8Array(surfaceW * (y + h));
  for (const r of rects) {
    const p = parseHeader(r);
    assert.ok(p.w <= 2048, `rect width ${p.w} ≤ 2048`);
    for (let yy = p.y; yy < p.y + p.h; yy++) for (let xx = p.x; xx < p.x + p.w; xx++) count[yy * surfaceW + xx]!++;
  }
  for (let yy = 0; yy < y + h; yy++) {
    for (let xx = 0; xx < surfaceW; xx++) {
      const inside = xx >= x && xx < x + w && yy >= y;
      assert.equal(count[yy * surfaceW + xx], inside ? 1 : 0, `pixel (${xx}, ${yy}) covered ${count[yy * surfaceW + xx]} times`);
    }
  }
}

/** fb's rect equals the surface's after the format's quantisation (lossless). */
export function assertLossless(fb: ClientFramebuffer, s: Surface, format: PixelFormat, x: number, y: number, w: number, h: number, quantise = true): void {
  const pr = new PixelReader(format);
  for (let yy = y; yy < y + h; yy++) {
    for (let xx = x; xx < x + w; xx++) {
      const src = s.pixels[yy * s.width + xx]! & 0xffffff;
      const want = quantise ? pr.quantise(src) : src;
      const got = fb.pixels[yy * fb.width + xx]!;
      if (got !== want) assert.fail(`pixel (${xx}, ${yy}): got ${got.toString(16)}, want ${want.toString(16)} (source ${src.toString(16)})`);
    }
  }
}

/** PSNR in dB of fb's rect against the surface, over R, G, B. */
export function psnr(fb: ClientFramebuffer, s: Surface, x: number, y: number, w: number, h: number): number {
  let se = 0;
  for (let yy = y; yy < y + h; yy++) {
    for (let xx = x; xx < x + w; xx++) {
      const a = s.pixels[yy * s.width + xx]!;
      const b = fb.pixels[yy * fb.width + xx]!;
      for (const sh of [16, 8, 0]) {
        const d = ((a >>> sh) & 0xff) - ((b >>> sh) & 0xff);
        se += d * d;
      }
    }
  }
  const mse = se / (w * h * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
