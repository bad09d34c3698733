/**
 * Test plumbing for the lossless encodings: pixel formats, surfaces with desktop-like content, an encode
 * context, and a client that receives encoded rects on one byte stream with its own decoders (so the zlib
 * streams persist as on a connection), splicing the zlib header in as the connection does.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteSource } from "../../src/rfb/client/byte-source.ts";
import type { ClientFramebuffer, RectDecoder } from "../../src/rfb/client/decoder.ts";
import { CopyRectDecoder } from "../../src/rfb/client/decoders/copyrect.ts";
import { HextileDecoder } from "../../src/rfb/client/decoders/hextile.ts";
import { RawDecoder } from "../../src/rfb/client/decoders/raw.ts";
import { RreDecoder } from "../../src/rfb/client/decoders/rre.ts";
import { ZlibDecoder } from "../../src/rfb/client/decoders/zlib.ts";
import { ZrleDecoder } from "../../src/rfb/client/decoders/zrle.ts";
import { PixelReader } from "../../src/rfb/client/pixel-reader.ts";
import type { EncodeContext, EncodedRect, SplicedZlibStream } from "../../src/rfb/encoders/encoder.ts";
import { splicedRectBytes } from "../../src/rfb/encoders/zlib-data-field.ts";
import { SERVER_PIXEL_FORMAT, type PixelFormat } from "../../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../../src/rfb/pixel-translator.ts";

const rgb565 = { bitsPerPixel: 16, depth: 16, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 } as const;
const rgb555 = { bitsPerPixel: 16, depth: 15, trueColour: true, redMax: 31, greenMax: 31, blueMax: 31, redShift: 10, greenShift: 5, blueShift: 0 } as const;

export const FORMATS: Record<string, PixelFormat> = {
  xrgbLE: SERVER_PIXEL_FORMAT,
  xrgbBE: { ...SERVER_PIXEL_FORMAT, bigEndian: true },
  rgbxLE: { ...SERVER_PIXEL_FORMAT, redShift: 0, blueShift: 16 },
  rgbxBE: { ...SERVER_PIXEL_FORMAT, redShift: 0, blueShift: 16, bigEndian: true },
  // colour in the high three bytes: a 3-byte CPIXEL that drops the other end of the word
  rgbHighLE: { ...SERVER_PIXEL_FORMAT, redShift: 24, greenShift: 16, blueShift: 8 },
  rgbHighBE: { ...SERVER_PIXEL_FORMAT, redShift: 24, greenShift: 16, blueShift: 8, bigEndian: true },
  rgb565LE: { ...rgb565, bigEndian: false },
  rgb565BE: { ...rgb565, bigEndian: true },
  rgb555LE: { ...rgb555, bigEndian: false },
  rgb555BE: { ...rgb555, bigEndian: true },
  // TigerVNC's 8-bit format (BGR233)
  bgr233: { bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 },
};

export interface Surface {
  width: number;
  height: number;
  pixels: Uint32Array;
}

/** xorshift32: deterministic noise from a seed */
export function prng(seed: number): () => number {
  let s = seed | 0 || 0x2545f491;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

export const CONTENTS = ["solid", "few", "runs", "text", "gradient", "noise", "desktop"] as const;
export type Content = (typeof CONTENTS)[number];

/** A surface with the content; the top byte of every word is garbage, as the console allows. */
export function makeSurface(width: number, height: number, content: Content, seed: number): Surface {
  const rnd = prng(seed);
  const pixels = new Uint32Array(width * height);
  const palette = Array.from({ length: 200 }, () => rnd() & 0xffffff);
  // how many colours "few" and "runs" use, and their block / run sizes, vary with the seed
  const colours = content === "few" ? 2 + (seed % 19) : 2 + (seed % 199);
  const block = 1 + ((seed >>> 8) % 9);
  let runLeft = 0;
  let runColour = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c: number;
      switch (content) {
        case "solid":
          c = palette[0]!;
          break;
        case "few":
          c = palette[(Math.floor(x / block) * 7 + Math.floor(y / block) * 3) % colours]!;
          break;
        case "runs":
          if (runLeft === 0) {
            runLeft = 1 + (rnd() % (rnd() & 1 ? 4 : 600));
            runColour = palette[rnd() % colours]!;
          }
          runLeft--;
          c = runColour;
          break;
        case "text":
          c = (x * 7 + y * 13) % 11 < 3 ? palette[1]! : palette[0]!;
          break;
        case "gradient":
          c = (((x * 255) / Math.max(1, width - 1)) << 16) | (((y * 255) / Math.max(1, height - 1)) << 8) | ((x + y) & 0xff);
          break;
        case "noise":
          c = rnd() & 0xffffff;
          break;
        default:
          // desktop: a background, window blocks of a few colours, a noisy "photo", a gradient bar
          if (x > width / 2 && y > height / 2) c = rnd() & 0xffffff;
          else if (y < 12) c = (x * 3) & 0xff;
          else if ((x >> 5) % 3 === 1 && (y >> 4) % 2 === 0) c = (x + y) % 9 === 0 ? palette[2]! : palette[3]!;
          else c = palette[0]!;
      }
      pixels[y * width + x] = (c | ((rnd() & 0xff) << 24)) >>> 0;
    }
  }
  return { width, height, pixels };
}

export function context(surface: Surface, format: PixelFormat, compressLevel = -1): EncodeContext {
  return {
    pixels: surface.pixels,
    width: surface.width,
    height: surface.height,
    translator: new PixelTranslator(format),
    compressLevel,
    jpegQuality: -1,
    subsampling: "1x",
  };
}

export const SENTINEL = 0x00abcdef;

export function rectHeader(bytes: Uint8Array): { x: number; y: number; w: number; h: number; encoding: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 12);
  return { x: dv.getUint16(0), y: dv.getUint16(2), w: dv.getUint16(4), h: dv.getUint16(6), encoding: dv.getInt32(8) };
}

/** The bytes a connection sends for a rect: the zlib header spliced in on a stream's first use. */
export const spliced = splicedRectBytes;

/** One viewer: a framebuffer, a byte stream, a decoder per encoding (zlib streams persist across rects). */
export class TestClient {
  readonly source = new ByteSource();
  readonly framebuffer: ClientFramebuffer;
  readonly reader: PixelReader;
  readonly decoders = new Map<number, RectDecoder>(
    [new RawDecoder(), new CopyRectDecoder(), new RreDecoder(), new HextileDecoder(), new ZlibDecoder(), new ZrleDecoder()].map((d) => [d.encoding, d]),
  );
  readonly started = new Set<SplicedZlibStream>();

  constructor(width: number, height: number, format: PixelFormat) {
    this.framebuffer = { width, height, pixels: new Uint32Array(width * height).fill(SENTINEL) };
    this.reader = new PixelReader(format);
  }

  /**
   * Send the rects as a connection would (in chunks of `chunk` bytes) and decode them; returns their headers.
   * `trickled`: each chunk arrives on a later turn of the event loop, while the decoders wait for it (else
   * all are buffered before the first rect is decoded).
   */
  async receive(rects: readonly EncodedRect[], chunk = Infinity, trickled = false): Promise<Array<ReturnType<typeof rectHeader>>> {
    const chunks: Buffer[] = [];
    for (const r of rects) {
      const b = Buffer.from(spliced(r, this.started));
      for (let o = 0; o < b.length; o += chunk) chunks.push(b.subarray(o, Math.min(b.length, o + chunk)));
    }
    const arrived = trickled ? trickle(this.source, chunks) : Promise.resolve(chunks.forEach((c) => this.source.push(c)));
    const headers = [];
    for (let i = 0; i < rects.length; i++) {
      const h = rectHeader(await this.source.read(12));
      const decoder = this.decoders.get(h.encoding);
      assert.ok(decoder, `no decoder for encoding ${h.encoding}`);
      await decoder.decode({ source: this.source, framebuffer: this.framebuffer, pixels: this.reader }, h.x, h.y, h.w, h.h);
      headers.push(h);
    }
    await arrived;
    assert.equal(this.source.available, 0, "bytes left after the last rect");
    return headers;
  }
}

/** Push one chunk a turn of the event loop, as a socket's reads come. */
async function trickle(source: ByteSource, chunks: readonly Buffer[]): Promise<void> {
  for (const c of chunks) {
    await new Promise((resolve) => setImmediate(resolve));
    source.push(c);
  }
}

/** The rect shows the surface quantised to the format, and nothing outside it was touched. */
export function assertShows(client: TestClient, surface: Surface, x: number, y: number, w: number, h: number): void {
  const fb = client.framebuffer;
  for (let yy = 0; yy < fb.height; yy++) {
    for (let xx = 0; xx < fb.width; xx++) {
      const inside = xx >= x && xx < x + w && yy >= y && yy < y + h;
      const want = inside ? client.reader.quantise(surface.pixels[yy * surface.width + xx]! & 0xffffff) : SENTINEL;
      const got = fb.pixels[yy * fb.width + xx]!;
      if (got !== want) assert.fail(`pixel (${xx},${yy}) ${inside ? "inside" : "outside"} the rect: got 0x${got.toString(16)}, want 0x${want.toString(16)}`);
    }
  }
}

/** The rects tile exactly the w×h area at (x, y): each pixel covered once. */
export function assertCovers(headers: ReadonlyArray<{ x: number; y: number; w: number; h: number }>, x: number, y: number, w: number, h: number): void {
  const seen = new Uint8Array(w * h);
  for (const r of headers) {
    assert.ok(r.x >= x && r.y >= y && r.x + r.w <= x + w && r.y + r.h <= y + h, `rect ${JSON.stringify(r)} outside the area`);
    for (let yy = r.y; yy < r.y + r.h; yy++) for (let xx = r.x; xx < r.x + r.w; xx++) seen[(yy - y) * w + (xx - x)]!++;
  }
  assert.ok(seen.every((n) => n === 1), "the rects do not cover the area exactly once");
}

/**
 * A surface of any content up to maxWidth×maxHeight in any format, and the rect from a point of it to its
 * bottom-right corner (so the right and bottom edges' partial tiles come up often).
 */
export function cornerRectCase(maxWidth: number, maxHeight: number) {
  return fc
    .record({
      width: fc.integer({ min: 1, max: maxWidth }),
      height: fc.integer({ min: 1, max: maxHeight }),
      content: fc.constantFrom(...CONTENTS),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
      format: fc.constantFrom(...Object.keys(FORMATS)),
      x: fc.nat(),
      y: fc.nat(),
    })
    .map((s) => {
      const [x, y] = [s.x % s.width, s.y % s.height];
      return { surface: makeSurface(s.width, s.height, s.content, s.seed), format: FORMATS[s.format]!, x, y, w: s.width - x, h: s.height - y };
    });
}
