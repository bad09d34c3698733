/**
 * Tight (encoding 7): lossless round trips through our client decoder in every pixel format family, the
 * choice of Fill / mono / palette / full colour / JPEG, the rect limits, and that the same bytes decode on
 * any client, fresh or not (no reset bits: the zlib header spliced into each client's first rect on a stream).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { constants, createDeflate } from "node:zlib";
import fc from "fast-check";
import { TightEncoder } from "../../src/rfb/encoders/tight.ts";
import { TightDecoder } from "../../src/rfb/client/decoders/tight.ts";
import type { EncodedRect } from "../../src/rfb/encoders/encoder.ts";
import { assertCoverage, assertLossless, context, decodeAll, FORMATS, framebuffer, makeSurface, paintRects, parseHeader, type Content } from "./tight-harness.ts";

const encoder = new TightEncoder();
const CONTENTS: Content[] = ["solid", "two", "few", "gradient", "noise"];

async function encodeRects(...args: Parameters<TightEncoder["encode"]>): Promise<EncodedRect[]> {
  return await encoder.encode(...args);
}

describe("Tight encoder → Tight decoder, lossless", () => {
  for (const [name, format] of Object.entries(FORMATS)) {
    it(`round-trips random surfaces pixel-exact after quantisation (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            width: fc.integer({ min: 1, max: 160 }),
            height: fc.integer({ min: 1, max: 120 }),
            content: fc.constantFrom(...CONTENTS),
            seed: fc.integer(),
            solids: fc.array(fc.record({ x: fc.nat(160), y: fc.nat(120), w: fc.integer({ min: 1, max: 120 }), h: fc.integer({ min: 1, max: 100 }), colour: fc.nat(0xffffff) }), { maxLength: 4 }),
            compressLevel: fc.integer({ min: -1, max: 9 }),
            rect: fc.record({ fx: fc.double({ min: 0, max: 1, noNaN: true }), fy: fc.double({ min: 0, max: 1, noNaN: true }), fw: fc.double({ min: 0, max: 1, noNaN: true }), fh: fc.double({ min: 0, max: 1, noNaN: true }) }),
          }),
          async ({ width, height, content, seed, solids, compressLevel, rect }) => {
            const s = makeSurface(width, height, content, seed);
            paintRects(s, solids);
            const x = Math.floor(rect.fx * (width - 1));
            const y = Math.floor(rect.fy * (height - 1));
            const w = 1 + Math.floor(rect.fw * (width - x - 1));
            const h = 1 + Math.floor(rect.fh * (height - y - 1));
            const rects = await encodeRects(context(s, format, { compressLevel }), x, y, w, h);
            assertCoverage(rects, width, x, y, w, h);
            const fb = framebuffer(width, height);
            await decodeAll(new TightDecoder(), format, fb, rects);
            assertLossless(fb, s, format, x, y, w, h);
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it("round-trips random wide and large rects (> 2048 wide, > 65,536 px) in 32 and 16 bpp", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          width: fc.integer({ min: 2049, max: 2600 }),
          height: fc.integer({ min: 1, max: 40 }),
          content: fc.constantFrom(...CONTENTS),
          seed: fc.integer(),
          band: fc.record({ x: fc.nat(2600), w: fc.integer({ min: 1, max: 2600 }), colour: fc.nat(0xffffff) }),
          format: fc.constantFrom(FORMATS.rgbxBE!, FORMATS.rgb565LE!),
        }),
        async ({ width, height, content, seed, band, format }) => {
          const s = makeSurface(width, height, content, seed);
          paintRects(s, [{ x: band.x, y: 0, w: band.w, h: height, colour: band.colour }]);
          const rects = await encodeRects(context(s, format), 0, 0, width, height);
          assertCoverage(rects, width, 0, 0, width, height);
          for (const r of rects) {
            const p = parseHeader(r);
            if (p.body[0] !== 0x80) assert.ok(p.w * p.h <= 65536, `sub-rect ${p.w}x${p.h} ≤ 65,536 px`);
          }
          const fb = framebuffer(width, height);
          await decodeAll(new TightDecoder(), format, fb, rects);
          assertLossless(fb, s, format, 0, 0, width, height);
        },
      ),
      { numRuns: 8 },
    );
  });

  it("splits rects wider than 2048 and larger than 65,536 px, and still round-trips", async () => {
    for (const [w, h, content] of [
      [2300, 40, "noise"],
      [300, 300, "gradient"],
      [4100, 20, "few"],
    ] as const) {
      const s = makeSurface(w, h, content, w * h);
      paintRects(s, [{ x: 100, y: 5, w: 900, h: 30, colour: 0x123456 }]);
      const rects = await encodeRects(context(s, FORMATS.rgbxLE!), 0, 0, w, h);
      assertCoverage(rects, w, 0, 0, w, h);
      for (const r of rects) {
        const p = parseHeader(r);
        if (p.body[0] !== 0x80) assert.ok(p.w * p.h <= 65536, `sub-rect ${p.w}x${p.h} ≤ 65,536 px`);
      }
      const fb = framebuffer(w, h);
      await decodeAll(new TightDecoder(), FORMATS.rgbxLE!, fb, rects);
      assertLossless(fb, s, FORMATS.rgbxLE!, 0, 0, w, h);
    }
  });
});

describe("Tight encoder: what each rect becomes", () => {
  it("a solid rect is one Fill: control 0x80 and 16 bytes with the header", async () => {
    const s = makeSurface(64, 64, "solid", 1);
    const rects = await encodeRects(context(s, FORMATS.xrgbLE!), 0, 0, 64, 64);
    assert.equal(rects.length, 1);
    assert.equal(rects[0]!.bytes[12], 0x80);
    assert.ok(rects[0]!.bytes.length <= 16, `${rects[0]!.bytes.length} bytes`);
    // a small solid rect (below the solid-area search's minimum) is a Fill too
    const small = await encodeRects(context(s, FORMATS.rgb565LE!), 3, 3, 10, 10);
    assert.deepEqual([small.length, small[0]!.bytes[12], small[0]!.bytes.length], [1, 0x80, 15]);
  });

  it("a solid area wider than 2048 becomes Fills of at most 2048 wide", async () => {
    const s = makeSurface(4200, 30, "solid", 9);
    const rects = await encodeRects(context(s, FORMATS.xrgbLE!), 0, 0, 4200, 30);
    assertCoverage(rects, 4200, 0, 0, 4200, 30);
    assert.deepEqual(rects.map((r) => [r.bytes[12], parseHeader(r).w]), [[0x80, 2048], [0x80, 2048], [0x80, 104]]);
  });

  it("a large solid area inside a noisy rect is sent as its own Fill", async () => {
    const s = makeSurface(256, 128, "noise", 2);
    paintRects(s, [{ x: 40, y: 20, w: 150, h: 80, colour: 0x00ff00 }]);
    const rects = await encodeRects(context(s, FORMATS.xrgbLE!), 0, 0, 256, 128);
    const fills = rects.map(parseHeader).filter((p) => p.body[0] === 0x80);
    assert.deepEqual(
      fills.map((p) => [p.x, p.y, p.w, p.h]),
      [[40, 20, 150, 80]],
    );
  });

  it("two colours → mono palette on stream 1 (filter 1, palette of 2, 1 bpp)", async () => {
    const s = makeSurface(64, 64, "two", 3);
    const rects = await encodeRects(context(s, FORMATS.xrgbLE!), 0, 0, 64, 64);
    assert.equal(rects.length, 1);
    const b = parseHeader(rects[0]!).body;
    assert.equal(b[0], 0x50, "stream 1 with explicit filter, no reset bit");
    assert.equal(rects[0]!.zlibStream, "tight1");
    assert.deepEqual([b[1], b[2]], [1, 1], "palette filter, 2 colours");
  });

  it("few colours → palette on stream 2 with one index byte per pixel", async () => {
    const s = makeSurface(64, 64, "few", 4);
    const rects = await encodeRects(context(s, FORMATS.xrgbLE!), 0, 0, 64, 64);
    assert.equal(rects.length, 1);
    const b = parseHeader(rects[0]!).body;
    assert.equal(b[0], 0x60, "stream 2, explicit filter, no reset bit");
    assert.equal(rects[0]!.zlibStream, "tight2");
    assert.deepEqual([b[1], b[2]], [1, 11], "palette filter, 12 colours");
  });

  it("full colour → gradient filter on stream 3 for R, G, B TPIXELs, copy filter on stream 0 for other formats, JPEG only when the client allows lossy", async () => {
    const s = makeSurface(64, 64, "noise", 5);
    const lossless = await encodeRects(context(s, FORMATS.xrgbLE!), 0, 0, 64, 64);
    assert.deepEqual(
      lossless.map((r) => [r.bytes[12], r.bytes[13]]),
      [[0x70, 2]],
      "stream 3, explicit filter, no reset bit; filter id 2",
    );
    assert.deepEqual(lossless.map((r) => r.zlibStream), ["tight3"]);
    const sixteen = await encodeRects(context(s, FORMATS.rgb565BE!), 0, 0, 64, 64);
    assert.deepEqual(sixteen.map((r) => [r.bytes[12], r.zlibStream]), [[0x00, "tight0"]], "16 bpp: copy filter on stream 0");
    const lossy = await encodeRects(context(s, FORMATS.xrgbLE!, { jpegQuality: 80 }), 0, 0, 64, 64);
    assert.deepEqual(lossy.map((r) => r.bytes[12]), [0x90]);
    // the JFIF after the compact length starts with SOI and is baseline (SOF0)
    const p = parseHeader(lossy[0]!);
    const lenBytes = p.body[1]! & 0x80 ? (p.body[2]! & 0x80 ? 3 : 2) : 1;
    const jfif = Buffer.from(p.body.subarray(1 + lenBytes));
    assert.deepEqual([jfif[0], jfif[1]], [0xff, 0xd8]);
    assert.ok(jfif.includes(Buffer.from([0xff, 0xc0])), "baseline SOF0");
    // 8 bpp clients never get JPEG
    const eight = await encodeRects(context(s, FORMATS.bgr233!, { jpegQuality: 80 }), 0, 0, 64, 64);
    assert.ok(eight.every((r) => r.bytes[12] !== 0x90));
    // with JPEG active, a 50-colour rect stays a palette (limit 96)
    const fifty = makeSurface(64, 64, "noise", 6);
    for (let i = 0; i < fifty.pixels.length; i++) fifty.pixels[i] = (i % 50) * 0x030507;
    const pal = await encodeRects(context(fifty, FORMATS.xrgbLE!, { jpegQuality: 80 }), 0, 0, 64, 64);
    assert.deepEqual(pal.map((r) => [r.bytes[12], r.bytes[14]]), [[0x60, 49]]);
  });

  it("tiny basic data (< 12 bytes) goes without zlib, length or reset bit", async () => {
    const s = makeSurface(4, 2, "two", 7);
    const rects = await encodeRects(context(s, FORMATS.xrgbLE!), 0, 0, 4, 2);
    const b = parseHeader(rects[0]!).body;
    assert.equal(b[0], 0x50, "stream 1, no reset");
    assert.equal(b.length, 1 + 2 + 6 + 2, "control, filter, size, 2 TPIXELs, 2 rows of 1 byte");
  });
});

describe("Tight bytes are shareable between clients", () => {
  it("the same encoding decodes on two fresh decoders and on one that decoded other rects before", async () => {
    const a = makeSurface(200, 100, "few", 10);
    paintRects(a, [{ x: 0, y: 0, w: 100, h: 50, colour: 0xff0000 }]);
    const b = makeSurface(200, 100, "noise", 11);
    const c = makeSurface(200, 100, "two", 12);
    const fmt = FORMATS.rgbxLE!;
    const encA = await encodeRects(context(a, fmt), 0, 0, 200, 100);
    const encB = await encodeRects(context(b, fmt), 0, 0, 200, 100);
    const encC = await encodeRects(context(c, fmt), 0, 0, 200, 100);
    for (const dec of [new TightDecoder(), new TightDecoder()]) {
      const fb = framebuffer(200, 100);
      await decodeAll(dec, fmt, fb, encA);
      assertLossless(fb, a, fmt, 0, 0, 200, 100);
    }
    const seasoned = new TightDecoder();
    const fb = framebuffer(200, 100);
    await decodeAll(seasoned, fmt, fb, [...encB, ...encC]);
    await decodeAll(seasoned, fmt, fb, encA);
    assertLossless(fb, a, fmt, 0, 0, 200, 100);
  });
});

describe("Tight decoder", () => {
  const fmt = FORMATS.xrgbLE!;
  const header = (x: number, y: number, w: number, h: number) => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(x, 0);
    b.writeUInt16BE(y, 2);
    b.writeUInt16BE(w, 4);
    b.writeUInt16BE(h, 6);
    b.writeInt32BE(7, 8);
    return b;
  };
  const compact = (n: number) => (n < 128 ? [n] : n < 16384 ? [(n & 0x7f) | 0x80, n >>> 7] : [(n & 0x7f) | 0x80, ((n >>> 7) & 0x7f) | 0x80, n >>> 14]);
  const rect = (x: number, y: number, w: number, h: number, body: number[] | Buffer): EncodedRect => ({ bytes: Buffer.concat([header(x, y, w, h), Buffer.from(body)]) });

  it("continues a zlib stream across rects without reset (as TigerVNC sends)", async () => {
    const z = createDeflate();
    const chunks: Buffer[] = [];
    z.on("data", (c: Buffer) => chunks.push(c));
    const flush = async (data: Buffer) => {
      chunks.length = 0;
      z.write(data);
      await new Promise<void>((r) => z.flush(constants.Z_SYNC_FLUSH, () => r()));
      return Buffer.concat(chunks);
    };
    const rowA = Buffer.alloc(8 * 4 * 3, 0x11);
    const rowB = Buffer.alloc(8 * 4 * 3, 0x22);
    const za = await flush(rowA);
    const zb = await flush(rowB);
    const fb = framebuffer(8, 8);
    await decodeAll(new TightDecoder(), fmt, fb, [rect(0, 0, 8, 4, [0x00, ...compact(za.length), ...za]), rect(0, 4, 8, 4, [0x00, ...compact(zb.length), ...zb])]);
    assert.equal(fb.pixels[0], 0x111111);
    assert.equal(fb.pixels[63], 0x222222);
  });

  it("decodes the gradient filter (3-byte TPIXELs and 16 bpp pixels)", async () => {
    for (const format of [FORMATS.xrgbLE!, FORMATS.rgb565BE!]) {
      const s = makeSurface(7, 5, "noise", 21);
      const pr = new (await import("../../src/rfb/client/pixel-reader.ts")).PixelReader(format);
      const { PixelTranslator } = await import("../../src/rfb/pixel-translator.ts");
      const t = new PixelTranslator(format);
      const chans = pr.tpixel24
        ? (p: number) => [(p >>> 16) & 255, (p >>> 8) & 255, p & 255]
        : (p: number) => {
            const v = t.pixel(p);
            return [(v >>> 11) & 31, (v >>> 5) & 63, v & 31];
          };
      const max = pr.tpixel24 ? [255, 255, 255] : [31, 63, 31];
      const V = (x: number, y: number) => (x < 0 || y < 0 ? [0, 0, 0] : chans(s.pixels[y * 7 + x]!));
      const data: number[] = [];
      for (let y = 0; y < 5; y++) {
        for (let x = 0; x < 7; x++) {
          const d = [0, 1, 2].map((c) => {
            const p = Math.min(max[c]!, Math.max(0, V(x - 1, y)[c]! + V(x, y - 1)[c]! - V(x - 1, y - 1)[c]!));
            return (V(x, y)[c]! - p) & max[c]!;
          });
          if (pr.tpixel24) data.push(...d);
          else {
            const v = (d[0]! << 11) | (d[1]! << 5) | d[2]!;
            data.push(v >>> 8, v & 255); // big endian
          }
        }
      }
      const { deflateSync } = await import("node:zlib");
      const z = deflateSync(Buffer.from(data), { finishFlush: constants.Z_SYNC_FLUSH });
      const fb = framebuffer(7, 5);
      await decodeAll(new TightDecoder(), format, fb, [rect(0, 0, 7, 5, [0x41, 2, ...compact(z.length), ...z])]);
      assertLossless(fb, s, format, 0, 0, 7, 5);
    }
  });

  const bad: Array<[string, EncodedRect, RegExp]> = [
    ["a palette of one colour", rect(0, 0, 4, 4, [0x40, 1, 0, 1, 2, 3, ...Array(16).fill(0)]), /palette of 1/],
    ["an index outside the palette", rect(0, 0, 2, 2, [0x40, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 3, 2]), /index 3 with 3/],
    ["an unknown filter", rect(0, 0, 2, 2, [0x40, 3]), /filter id 3/],
    ["a compact length beyond the rect's need", rect(0, 0, 4, 4, [0x00, ...compact(100000)]), /length 100000/],
    ["zlib data that is not zlib", rect(0, 0, 4, 4, [0x01, 20, ...Array(20).fill(7)]), /zlib stream 0/],
    ["an unknown control", rect(0, 0, 4, 4, [0xb0]), /control 0xb0/],
    ["a rect outside the framebuffer", rect(30, 30, 4, 4, [0x80, 1, 2, 3]), /outside/],
  ];
  for (const [what, r, message] of bad) {
    it(`rejects ${what} with a DecodeError`, async () => {
      await assert.rejects(decodeAll(new TightDecoder(), fmt, framebuffer(32, 32), [r]), (e: Error) => e.constructor.name === "DecodeError" && message.test(e.message));
    });
  }

  it("rejects a JPEG whose size is not the rect's", async () => {
    const s = makeSurface(16, 16, "noise", 30);
    const lossy = await encodeRects(context(s, fmt, { jpegQuality: 50 }), 0, 0, 16, 16);
    const p = parseHeader(lossy[0]!);
    await assert.rejects(decodeAll(new TightDecoder(), fmt, framebuffer(32, 32), [rect(0, 0, 16, 8, Buffer.from(p.body))]), /16x16 in a 16x8/);
    await assert.rejects(decodeAll(new TightDecoder(), fmt, framebuffer(32, 32), [rect(0, 0, 4, 4, [0x90, 4, 1, 2, 3, 4])]), (e: Error) => e.constructor.name === "DecodeError");
  });
});
