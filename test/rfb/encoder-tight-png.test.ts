/**
 * TightPNG (−260): lossless round trips through our client decoder (Fill + indexed/RGB PNG), only the
 * controls noVNC knows (Fill, JPEG, PNG; never basic zlib), and the decoder's checks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import sharp from "sharp";
import { TightPngEncoder } from "../../src/rfb/encoders/tight-png.ts";
import { TightPngDecoder } from "../../src/rfb/client/decoders/tight-png.ts";
import type { EncodedRect } from "../../src/rfb/encoders/encoder.ts";
import { assertCoverage, assertLossless, context, decodeAll, FORMATS, framebuffer, makeSurface, paintRects, parseHeader, type Content } from "./tight-harness.ts";

const encoder = new TightPngEncoder();
const encodeRects = async (...args: Parameters<TightPngEncoder["encode"]>): Promise<EncodedRect[]> => await encoder.encode(...args);
const controls = (rects: EncodedRect[]) => rects.map((r) => r.bytes[12]! >>> 4);

describe("TightPNG encoder → decoder", () => {
  for (const name of ["xrgbLE", "rgbxLE", "xrgbBE"] as const) {
    it(`round-trips random surfaces pixel-exact (${name})`, async () => {
      const format = FORMATS[name]!;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            width: fc.integer({ min: 1, max: 140 }),
            height: fc.integer({ min: 1, max: 100 }),
            content: fc.constantFrom<Content>("solid", "two", "few", "gradient", "noise"),
            seed: fc.integer(),
            solids: fc.array(fc.record({ x: fc.nat(140), y: fc.nat(100), w: fc.integer({ min: 1, max: 120 }), h: fc.integer({ min: 1, max: 90 }), colour: fc.nat(0xffffff) }), { maxLength: 3 }),
            compressLevel: fc.integer({ min: -1, max: 9 }),
          }),
          async ({ width, height, content, seed, solids, compressLevel }) => {
            const s = makeSurface(width, height, content, seed);
            paintRects(s, solids);
            const rects = await encodeRects(context(s, format, { compressLevel }), 0, 0, width, height);
            assertCoverage(rects, width, 0, 0, width, height);
            assert.ok(controls(rects).every((c) => c === 0x8 || c === 0xa), "only Fill and PNG when lossless");
            const fb = framebuffer(width, height);
            await decodeAll(new TightPngDecoder(), format, fb, rects);
            assertLossless(fb, s, format, 0, 0, width, height);
          },
        ),
        { numRuns: 30 },
      );
    });
  }

  it("splits a 2100x40 rect and round-trips it", async () => {
    const s = makeSurface(2100, 40, "gradient", 3);
    const rects = await encodeRects(context(s, FORMATS.rgbxLE!), 0, 0, 2100, 40);
    assertCoverage(rects, 2100, 0, 0, 2100, 40);
    const fb = framebuffer(2100, 40);
    await decodeAll(new TightPngDecoder(), FORMATS.rgbxLE!, fb, rects);
    assertLossless(fb, s, FORMATS.rgbxLE!, 0, 0, 2100, 40);
  });

  it("solid → Fill; few colours → indexed PNG; many → RGB PNG; JPEG only when lossy is allowed", async () => {
    const fmt = FORMATS.rgbxLE!;
    const solid = await encodeRects(context(makeSurface(64, 64, "solid", 1), fmt), 0, 0, 64, 64);
    assert.deepEqual([controls(solid), solid[0]!.bytes.length], [[0x8], 16]);
    const pngMeta = async (r: EncodedRect) => {
      const b = parseHeader(r).body;
      const lenBytes = b[1]! & 0x80 ? (b[2]! & 0x80 ? 3 : 2) : 1;
      return sharp(Buffer.from(b.subarray(1 + lenBytes))).metadata();
    };
    const few = await encodeRects(context(makeSurface(64, 64, "few", 2), fmt), 0, 0, 64, 64);
    assert.deepEqual(controls(few), [0xa]);
    const fewMeta = await pngMeta(few[0]!);
    assert.deepEqual([fewMeta.format, fewMeta.isPalette, fewMeta.bitsPerSample], ["png", true, 4]);
    const noise = makeSurface(64, 64, "noise", 3);
    const many = await encodeRects(context(noise, fmt), 0, 0, 64, 64);
    assert.deepEqual(controls(many), [0xa]);
    assert.equal((await pngMeta(many[0]!)).isPalette, false);
    const lossy = await encodeRects(context(noise, fmt, { jpegQuality: 80 }), 0, 0, 64, 64);
    assert.deepEqual(controls(lossy), [0x9]);
    const fb = framebuffer(64, 64);
    await decodeAll(new TightPngDecoder(), fmt, fb, lossy);
  });

  it("the same bytes decode on a fresh decoder and on one that decoded other rects", async () => {
    const fmt = FORMATS.xrgbLE!;
    const a = makeSurface(120, 80, "few", 4);
    const b = makeSurface(120, 80, "noise", 5);
    const encA = await encodeRects(context(a, fmt), 0, 0, 120, 80);
    const encB = await encodeRects(context(b, fmt, { jpegQuality: 60 }), 0, 0, 120, 80);
    const seasoned = new TightPngDecoder();
    const fb = framebuffer(120, 80);
    await decodeAll(seasoned, fmt, fb, encB);
    await decodeAll(seasoned, fmt, fb, encA);
    assertLossless(fb, a, fmt, 0, 0, 120, 80);
    const fresh = framebuffer(120, 80);
    await decodeAll(new TightPngDecoder(), fmt, fresh, encA);
    assert.deepEqual(fresh.pixels, fb.pixels);
  });
});

describe("TightPNG decoder checks", () => {
  const rect = (w: number, h: number, body: number[]): EncodedRect => {
    const b = Buffer.alloc(12 + body.length);
    b.writeUInt16BE(w, 4);
    b.writeUInt16BE(h, 6);
    b.writeInt32BE(-260, 8);
    b.set(body, 12);
    return { bytes: b };
  };
  it("rejects basic compression, unknown controls, oversized lengths and non-PNG data", async () => {
    const fmt = FORMATS.xrgbLE!;
    const isDecodeError = (m: RegExp) => (e: Error) => e.constructor.name === "DecodeError" && m.test(e.message);
    await assert.rejects(decodeAll(new TightPngDecoder(), fmt, framebuffer(8, 8), [rect(4, 4, [0x01, 0])]), isDecodeError(/basic compression/));
    await assert.rejects(decodeAll(new TightPngDecoder(), fmt, framebuffer(8, 8), [rect(4, 4, [0xc0])]), isDecodeError(/control 0xc0/));
    await assert.rejects(decodeAll(new TightPngDecoder(), fmt, framebuffer(8, 8), [rect(4, 4, [0xa0, 0xff, 0xff, 0x7f])]), isDecodeError(/length/));
    await assert.rejects(decodeAll(new TightPngDecoder(), fmt, framebuffer(8, 8), [rect(4, 4, [0xa0, 3, 1, 2, 3])]), isDecodeError(/PNG/));
  });
});
