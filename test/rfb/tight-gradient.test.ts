/**
 * The gradient filter's packing (packRgbGradientLoop; the C loop is held to it in native-tpixel.test.ts)
 * against rfbproto's definition written out per channel: each of R, G, B sent as (V − P) mod 256 with
 * P = V(left) + V(above) − V(above-left) clamped to 0…255, neighbours outside the rect counting as 0 —
 * also where the surface has pixels there (a rect inside a larger surface predicts from nothing outside).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { packRgbGradientLoop } from "../../src/rfb/encoders/tight-tpixel.ts";
import { noiseRectInputs, noiseSurfaceAndRect } from "../helpers/noise-rect.ts";

function byDefinition(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number): number[] {
  const channel = (col: number, row: number, c: number): number => (col < 0 || row < 0 ? 0 : (pixels[(y + row) * stride + x + col]! >>> (16 - 8 * c)) & 255);
  const out: number[] = [];
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      for (let c = 0; c < 3; c++) {
        const p = Math.min(255, Math.max(0, channel(col - 1, row, c) + channel(col, row - 1, c) - channel(col - 1, row - 1, c)));
        out.push((channel(col, row, c) - p + 256) % 256);
      }
    }
  }
  return out;
}

test("packRgbGradientLoop gives rfbproto's residuals for any rect of any surface, and writes nothing else", () => {
  fc.assert(
    fc.property(
      noiseRectInputs(60, 30, 5),
      (s) => {
        const { pixels, x, y, w, h } = noiseSurfaceAndRect(s);
        const out = new Uint8Array(s.offset + w * h * 3 + 4).fill(0xee);
        assert.equal(packRgbGradientLoop(pixels, s.width, x, y, w, h, out, s.offset), s.offset + w * h * 3);
        assert.deepEqual([...out.subarray(s.offset, s.offset + w * h * 3)], byDefinition(pixels, s.width, x, y, w, h));
        assert.ok(out.subarray(0, s.offset).every((b) => b === 0xee) && out.subarray(s.offset + w * h * 3).every((b) => b === 0xee));
      },
    ),
  );
});

test("a smooth ramp leaves residuals near zero where the copy filter's bytes are all different", () => {
  const w = 64;
  const h = 8;
  const pixels = Uint32Array.from({ length: w * h }, (_, i) => (((i % w) * 3) << 16) | ((Math.floor(i / w) * 5) << 8) | ((i % w) + Math.floor(i / w)));
  const out = new Uint8Array(w * h * 3);
  packRgbGradientLoop(pixels, w, 0, 0, w, h, out, 0);
  // past the first row and column every prediction is exact
  for (let row = 1; row < h; row++) for (let col = 1; col < w; col++) assert.deepEqual([...out.subarray((row * w + col) * 3, (row * w + col) * 3 + 3)], [0, 0, 0]);
});
