/**
 * Hextile's tile loop in C (native/hextile-tiles.c) against the TypeScript loop it mirrors: the same bytes
 * for any content and pixel format; the boundary refuses what does not fit; noisy tiles go Raw. The round
 * trip of both loops through our decoder is in encoders-lossless.test.ts.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HextileEncoder, HextileSubencoding } from "../../src/rfb/encoders/hextile.ts";
import { hextileWorstCase, nativeHextile } from "../../src/rfb/encoders/native-hextile.ts";
import { RECT_HEADER_BYTES } from "../../src/rfb/encoders/encoder.ts";
import { context, cornerRectCase, FORMATS, makeSurface, prng } from "./lossless-harness.ts";

describe("Hextile tile loop in C", () => {
  test("the library is built here and the encoder uses it", () => {
    assert.ok(nativeHextile(), "build/native/libvfio-display-pixels.so with vd_hextile_tiles (npm install builds it)");
    assert.equal(new HextileEncoder().nativeLoop, true);
    assert.equal(new HextileEncoder({ native: false }).nativeLoop, false);
  });

  test("C and TypeScript loops give the same bytes: any content, rect and pixel format", async () => {
    const c = new HextileEncoder();
    const ts = new HextileEncoder({ native: false });
    await fc.assert(
      fc.asyncProperty(cornerRectCase(90, 90), async ({ surface, format, x, y, w, h }) => {
        const ctx = context(surface, format);
        const [fromC] = await c.encode(ctx, x, y, w, h);
        const [fromTs] = await ts.encode(ctx, x, y, w, h);
        assert.deepEqual(Buffer.from(fromC!.bytes), Buffer.from(fromTs!.bytes));
      }),
      { numRuns: 300 },
    );
  });

  test("tiles of noise go Raw, each one subencoding byte and its pixels", async () => {
    const surface = makeSurface(64, 32, "noise", 7);
    for (const encoder of [new HextileEncoder(), new HextileEncoder({ native: false })]) {
      const [rect] = await encoder.encode(context(surface, FORMATS.xrgbLE!), 0, 0, 64, 32);
      const bytes = rect!.bytes;
      assert.equal(bytes.length, RECT_HEADER_BYTES + 8 * (1 + 16 * 16 * 4));
      for (let t = 0; t < 8; t++) assert.equal(bytes[RECT_HEADER_BYTES + t * (1 + 1024)], HextileSubencoding.Raw, `tile ${t}`);
    }
  });

  test("a tile of few colours in many small pieces still goes as subrects when they fit", async () => {
    // two colours on a background in 2x2 squares: many corners, but 16 subrects each way fit easily
    const w = 16;
    const pixels = new Uint32Array(w * w).fill(0x202020);
    const next = prng(3);
    for (let by = 0; by < 16; by += 4) for (let bx = 0; bx < 16; bx += 4) {
      const c = next() & 1 ? 0xff0000 : 0x0000ff;
      for (let yy = by; yy < by + 2; yy++) for (let xx = bx; xx < bx + 2; xx++) pixels[yy * w + xx] = c;
    }
    const [rect] = await new HextileEncoder().encode(context({ width: w, height: w, pixels }, FORMATS.xrgbLE!), 0, 0, w, w);
    const sub = rect!.bytes[RECT_HEADER_BYTES]!;
    assert.ok(sub & HextileSubencoding.AnySubrects && sub & HextileSubencoding.SubrectsColoured, `subencoding ${sub}`);
    assert.equal(rect!.bytes[RECT_HEADER_BYTES + 1 + 4], 16, "16 coloured subrects on the background");
  });

  test("the boundary refuses values or output that do not fit", () => {
    const native = nativeHextile()!;
    const values = new Uint32Array(20 * 10);
    const out = new Uint8Array(hextileWorstCase(20, 10, 4) + 12);
    assert.throws(() => native.encodeTiles(values, 21, 10, 4, false, out, 12), RangeError);
    assert.throws(() => native.encodeTiles(values, 20, 10, 4, false, out, 13), RangeError);
    assert.throws(() => native.encodeTiles(values, 20, 10, 4, false, out.subarray(0, out.length - 1), 12), RangeError);
    assert.throws(() => native.encodeTiles(values, 0, 10, 4, false, out, 12), RangeError);
    assert.throws(() => native.encodeTiles(values, 20.5, 10, 4, false, out, 12), RangeError);
    assert.throws(() => native.encodeTiles(values, 20, 10, 4, false, out, -1), RangeError);
    assert.equal(native.encodeTiles(values, 20, 10, 4, false, out, 12) > 12, true);
  });
});
