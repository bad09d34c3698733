/**
 * Decode of every format × modifier the GVT driver produces, pixel-exact against the guest-side writer's
 * reference reader (BT.601 YUV within ±2 per channel: the two sides use different fixed-point scales).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DrmFormat, MODIFIERS, formatName, gvtStrideUnit, modifierDescriptor, surfaceExtentBytes, formatDescriptor } from "../../src/abi/index.ts";
import { DamageTracker } from "../../src/display/damage-tracker.ts";
import { FrameReader, unsupportedReason } from "../../src/display/frame-reader.ts";
import { readPixelXrgb, writeImage, type TiledSurface } from "../../src/guest/tiled-surface.ts";

const FORMATS = [
  DrmFormat.C8,
  DrmFormat.RGB565,
  DrmFormat.XRGB8888,
  DrmFormat.ARGB8888,
  DrmFormat.XBGR8888,
  DrmFormat.ABGR8888,
  DrmFormat.XRGB2101010,
  DrmFormat.XBGR2101010,
  DrmFormat.YUYV,
  DrmFormat.YVYU,
  DrmFormat.UYVY,
  DrmFormat.VYUY,
];

function surfaceFor(drmFormat: number, modifier: bigint, width: number, height: number, extraUnits = 1): { surface: TiledSurface; bytes: Uint8Array } {
  const cpp = formatDescriptor(drmFormat)!.bytesPerPixel;
  const tiling = modifierDescriptor(modifier)!.tiling;
  const unit = tiling === "linear" ? 64 : Math.max(gvtStrideUnit(tiling, cpp), tiling === "x" ? 512 : 128);
  const strideBytes = (Math.ceil((width * cpp) / unit) + extraUnits) * unit;
  const size = Math.ceil(surfaceExtentBytes(tiling, cpp, strideBytes, height) / 4096) * 4096;
  const bytes = new Uint8Array(size);
  const surface: TiledSurface = {
    width,
    height,
    strideBytes,
    drmFormat,
    modifier,
    page: (i) => (i >= 0 && i < size / 4096 ? bytes.subarray(i * 4096, (i + 1) * 4096) : undefined),
  };
  return { surface, bytes };
}

function close(a: number, b: number, tolerance: number): boolean {
  for (const shift of [0, 8, 16]) {
    if (Math.abs(((a >>> shift) & 0xff) - ((b >>> shift) & 0xff)) > tolerance) return false;
  }
  return true;
}

for (const drmFormat of FORMATS) {
  for (const mod of MODIFIERS) {
    test(`decode ${formatName(drmFormat)} ${mod.name} matches the reference reader`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (w, h, seed) => {
          const width = w * 2; // YUV pairs
          const { surface, bytes } = surfaceFor(drmFormat, mod.value, width, h);
          const pixels = new Uint32Array(width * h);
          let s = seed | 0;
          for (let i = 0; i < pixels.length; i++) {
            s = (Math.imul(s, 1664525) + 1013904223) | 0;
            pixels[i] = s >>> 8;
          }
          writeImage(surface, { width, height: h, stridePixels: width, pixels }, 0, 0);
          const layout = { drmFormat, modifier: mod.value, width, height: h, stride: surface.strideBytes };
          assert.equal(unsupportedReason(layout), undefined);
          const tracker = new DamageTracker(width, h);
          assert.equal(new FrameReader().read(tracker, layout, bytes, bytes.length), 0);
          const yuv = formatDescriptor(drmFormat)!.kind === "yuv422";
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < width; x++) {
              const want = readPixelXrgb(surface, x, y)!;
              const got = tracker.surface[y * width + x]!;
              if (!close(got, want, yuv ? 2 : 0)) {
                assert.fail(`${formatName(drmFormat)} ${mod.name} ${width}x${h}: pixel ${x},${y} is ${got.toString(16)}, reference ${want.toString(16)}`);
              }
            }
          }
        }),
        { numRuns: 25, seed: 0xdec0de },
      );
    });
  }
}

test("unsupported planes are refused with a reason, never decoded", () => {
  const base = { drmFormat: DrmFormat.XRGB8888, modifier: 0n, width: 64, height: 64, stride: 256 };
  assert.equal(unsupportedReason(base), undefined);
  assert.match(unsupportedReason({ ...base, drmFormat: 0x3231564e })!, /not supported/); // NV12
  assert.match(unsupportedReason({ ...base, modifier: 0x0100000000000009n })!, /modifier/);
  assert.match(unsupportedReason({ ...base, stride: 200 })!, /smaller/);
  assert.match(unsupportedReason({ ...base, modifier: MODIFIERS[1]!.value, stride: 700 })!, /whole number/);
});

test("a tiled plane larger than its mapping reads what is there and leaves the rest black", () => {
  const { surface, bytes } = surfaceFor(DrmFormat.XRGB8888, MODIFIERS[1]!.value, 256, 64, 0);
  const pixels = new Uint32Array(256 * 64).fill(0x00112233);
  writeImage(surface, { width: 256, height: 64, stridePixels: 256, pixels }, 0, 0);
  const tracker = new DamageTracker(256, 64);
  const layout = { drmFormat: DrmFormat.XRGB8888, modifier: MODIFIERS[1]!.value, width: 256, height: 64, stride: surface.strideBytes };
  const readable = 2 * 4096; // the first tile row only: 2 tiles of 4 KiB, 8 pixel rows
  const partial = new FrameReader().read(tracker, layout, bytes, readable);
  assert.ok(partial > 0);
  assert.equal(tracker.surface[0], 0x00112233);
  assert.equal(tracker.surface[7 * 256 + 255], 0x00112233);
  assert.equal(tracker.surface[8 * 256], 0, "past the readable tiles: black, not read");
});
