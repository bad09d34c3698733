/**
 * readPixelValues' 32-bit paths in C (native/pixel-values.c) against its TypeScript loops: the same values
 * for any rect, pixel format and surface (top bytes set included); the boundary refuses a rect outside the
 * surface or an output too small, and nothing is written then.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { nativePixelValues } from "../../src/rfb/encoders/native-pixel-values.ts";
import { readPixelValues } from "../../src/rfb/encoders/pixel-values.ts";
import { context, FORMATS } from "./lossless-harness.ts";
import { noiseSurfaceAndRect } from "../helpers/noise-rect.ts";

test("the library is built here with vd_pixel_values", () => {
  assert.ok(nativePixelValues(), "build/native/libvfio-display-pixels.so with vd_pixel_values (npm install builds it)");
});

test("C and TypeScript give the same values for any rect and format, console words with garbage in their top byte included", () => {
  fc.assert(
    fc.property(
      fc.record({
        width: fc.integer({ min: 1, max: 120 }),
        height: fc.integer({ min: 1, max: 60 }),
        x: fc.nat(),
        y: fc.nat(),
        w: fc.nat(),
        h: fc.nat(),
        format: fc.constantFrom(...Object.keys(FORMATS)),
        seed: fc.integer(),
      }),
      (s) => {
        const { pixels, x, y, w, h } = noiseSurfaceAndRect(s);
        const ctx = context({ width: s.width, height: s.height, pixels }, FORMATS[s.format]!);
        // over the size where readPixelValues calls C, and below it, both against the loops
        const fromC = new Uint32Array(w * h + 3).fill(0xdeadbeef);
        const fromTs = fromC.slice();
        readPixelValues(ctx, x, y, w, h, fromC);
        readPixelValues(ctx, x, y, w, h, fromTs, false);
        assert.deepEqual(fromC, fromTs);
        const direct = new Uint32Array(w * h + 3).fill(0xdeadbeef);
        const f = FORMATS[s.format]!;
        const layout = f.bitsPerPixel === 32 && f.redMax === 255 && f.greenShift === 8 && ((f.redShift === 16 && f.blueShift === 0) || (f.redShift === 0 && f.blueShift === 16));
        if (layout) {
          nativePixelValues()!(pixels, s.width, x, y, w, h, f.redShift === 0, direct);
          assert.deepEqual(direct, fromTs, "the C call itself, at every size");
        }
      },
    ),
  );
});

test("the boundary refuses rects outside the surface and outputs too small, writing nothing", () => {
  const values = nativePixelValues()!;
  const pixels = new Uint32Array(10 * 4).fill(0xff123456);
  const out = new Uint32Array(40).fill(7);
  const refused: Array<[number, number, number, number, number, Uint32Array]> = [
    [10, 5, 0, 6, 1, out], // past the right edge
    [10, 0, 3, 1, 2, out], // past the last row
    [10, 0, 0, 0, 1, out], // empty
    [10, -1, 0, 1, 1, out], // negative
    [10, 0, 0, 10, 4, out.subarray(1)], // one value short
    [10, 0.5, 0, 1, 1, out], // not an integer
    [9, 0, 0, 10, 1, out], // wider than the stride
  ];
  for (const [stride, x, y, w, h, into] of refused) {
    assert.throws(() => values(pixels, stride, x, y, w, h, false, into), RangeError, `${w}x${h} at (${x}, ${y}), stride ${stride}`);
  }
  assert.ok(out.every((v) => v === 7), "a refused call wrote nothing");
  values(pixels, 10, 0, 0, 10, 4, false, out);
  assert.ok(out.every((v) => v === 0x123456), "the whole surface fits exactly, top bytes cleared");
});
