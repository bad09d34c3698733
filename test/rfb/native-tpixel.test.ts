/**
 * Tight's TPIXEL packing in C (native/tpixel-pack.c), the copy filter's and the gradient filter's, against
 * the TypeScript loops they mirror: the same bytes for any rect of any surface; the boundary refuses a rect
 * outside the surface or an output too small, and nothing is written then.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { nativePackRgb, nativePackRgbGradient, type NativePackRgb } from "../../src/rfb/encoders/native-tpixel.ts";
import { packRgb, packRgbGradient, packRgbGradientLoop, packRgbLoop } from "../../src/rfb/encoders/tight-tpixel.ts";
import { noiseRectInputs, noiseSurfaceAndRect } from "../helpers/noise-rect.ts";

const FILTERS = [
  { name: "copy", native: nativePackRgb, loop: packRgbLoop, pack: packRgb, symbol: "vd_pack_rgb" },
  { name: "gradient", native: nativePackRgbGradient, loop: packRgbGradientLoop, pack: packRgbGradient, symbol: "vd_pack_rgb_gradient" },
];

test("the library is built here with vd_pack_rgb and vd_pack_rgb_gradient", () => {
  for (const f of FILTERS) assert.ok(f.native(), `build/native/libvfio-display-pixels.so with ${f.symbol} (npm install builds it)`);
});

for (const f of FILTERS) {
  test(`${f.name} filter: C and TypeScript give the same bytes for any rect, at any output offset`, () => sameBytes(f.native()!, f.loop, f.pack));
  test(`${f.name} filter: the boundary refuses rects outside the surface and outputs too small, writing nothing`, () => refuses(f.native()!));
}

function sameBytes(pack: NativePackRgb, loop: typeof packRgbLoop, dispatch: typeof packRgb): void {
  fc.assert(
    fc.property(
      noiseRectInputs(80, 40, 7),
      (s) => {
        const { pixels, x, y, w, h } = noiseSurfaceAndRect(s);
        const fromC = new Uint8Array(s.offset + w * h * 3 + 5).fill(0xee);
        const fromTs = fromC.slice();
        assert.equal(pack(pixels, s.width, x, y, w, h, fromC, s.offset), s.offset + w * h * 3);
        loop(pixels, s.width, x, y, w, h, fromTs, s.offset);
        assert.deepEqual(fromC, fromTs, "the same bytes, and none outside the rect's");
      },
    ),
  );
  // the dispatcher takes the C path from 1024 pixels on: the result is the loop's
  const pixels = Uint32Array.from({ length: 64 * 64 }, (_, i) => (i * 0x010305) & 0xffffff);
  const a = new Uint8Array(64 * 64 * 3);
  const b = new Uint8Array(64 * 64 * 3);
  dispatch(pixels, 64, 0, 0, 64, 64, a, 0);
  loop(pixels, 64, 0, 0, 64, 64, b, 0);
  assert.deepEqual(a, b);
}

function refuses(pack: NativePackRgb): void {
  const pixels = new Uint32Array(10 * 4);
  const out = new Uint8Array(10 * 4 * 3).fill(7);
  const refused: Array<[number, number, number, number, number, number]> = [
    [10, 5, 0, 6, 1, 0], // past the right edge
    [10, 0, 3, 1, 2, 0], // past the last row
    [10, 0, 0, 0, 1, 0], // empty
    [10, -1, 0, 1, 1, 0], // negative
    [10, 0, 0, 10, 4, 1], // the output from offset 1 is one pixel short
    [10, 0.5, 0, 1, 1, 0], // not an integer
    [9, 0, 0, 10, 1, 0], // wider than the stride
  ];
  for (const [stride, x, y, w, h, offset] of refused) {
    assert.throws(() => pack(pixels, stride, x, y, w, h, out, offset), RangeError, `${w}x${h} at (${x}, ${y}), stride ${stride}, offset ${offset}`);
  }
  assert.ok(out.every((b) => b === 7), "a refused call wrote nothing");
  assert.equal(pack(pixels, 10, 0, 0, 10, 4, out, 0), 120, "the whole surface fits exactly");
}
