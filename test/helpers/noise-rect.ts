/** A surface of noisy console words (top bytes set too) and a rect inside it, from property-test numbers. */
import fc from "fast-check";

export interface NoiseRectInput {
  width: number;
  height: number;
  x: number;
  y: number;
  w: number;
  h: number;
  seed: number;
}

/** `n` noisy words (every byte varies), the same for the same seed. */
export function noisePixels(n: number, seed: number): Uint32Array {
  const pixels = new Uint32Array(n);
  let v = seed | 1;
  for (let i = 0; i < pixels.length; i++) pixels[i] = v = Math.imul(v ^ (v >>> 15), 0x2c1b3c6d) >>> 0;
  return pixels;
}

export function noiseSurfaceAndRect(s: NoiseRectInput): { pixels: Uint32Array; x: number; y: number; w: number; h: number } {
  const pixels = noisePixels(s.width * s.height, s.seed);
  const x = s.x % s.width;
  const y = s.y % s.height;
  return { pixels, x, y, w: 1 + (s.w % (s.width - x)), h: 1 + (s.h % (s.height - y)) };
}

/** Property-test numbers for noiseSurfaceAndRect: surfaces up to maxWidth×maxHeight, and an output offset up to maxOffset. */
export function noiseRectInputs(maxWidth: number, maxHeight: number, maxOffset: number): fc.Arbitrary<NoiseRectInput & { offset: number }> {
  return fc.record({ width: fc.integer({ min: 1, max: maxWidth }), height: fc.integer({ min: 1, max: maxHeight }), x: fc.nat(), y: fc.nat(), w: fc.nat(), h: fc.nat(), offset: fc.nat(maxOffset), seed: fc.integer() });
}
