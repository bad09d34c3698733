/**
 * Photo areas go out as few large JPEGs: sub-rectangles stacked exactly in a column are joined
 * (src/rfb/encoders/jpeg-bands.ts), up to JPEG_MAX_AREA; what the rects cover is unchanged and the picture
 * is still close.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { JPEG_MAX_AREA, joinJpegBands } from "../../src/rfb/encoders/jpeg-bands.ts";
import type { TightRegion } from "../../src/rfb/encoders/tight-layout.ts";
import { TightEncoder, TightControl } from "../../src/rfb/encoders/tight.ts";
import { TightDecoder } from "../../src/rfb/client/decoders/tight.ts";
import { assertCoverage, context, decodeAll, FORMATS, framebuffer, makeSurface, parseHeader, psnr } from "./tight-harness.ts";

const covered = (rs: readonly TightRegion[]): string[] => {
  const px: string[] = [];
  for (const r of rs) for (let y = r.y; y < r.y + r.h; y++) px.push(`${r.x},${y},${r.w}`);
  return px.sort();
};

test("property: joining keeps exactly the same rows of the same columns, joins only exact stacks, stays under the area cap", () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ col: fc.integer({ min: 0, max: 3 }), w: fc.constantFrom(64, 1920, 2048), h: fc.integer({ min: 1, max: 300 }), gap: fc.integer({ min: 0, max: 2 }) }), { maxLength: 30 }),
      (bands) => {
        // columns of bands, one under the other, sometimes with a gap
        const next = new Map<number, number>();
        const regions: TightRegion[] = bands.map((b) => {
          const x = b.col * 4096;
          const y = (next.get(b.col) ?? 0) + (b.gap === 2 ? 5 : 0);
          next.set(b.col, y + b.h);
          return { x, y, w: b.w, h: b.h, solid: -1 };
        });
        const before = covered(regions.map((r) => ({ ...r })));
        const joined = joinJpegBands(regions.map((r) => ({ ...r })));
        assert.deepEqual(covered(joined), before);
        for (const r of joined) assert.ok(r.w * r.h <= Math.max(JPEG_MAX_AREA, ...bands.map((b) => b.w * b.h)), `area ${r.w}x${r.h}`);
        assert.ok(joined.length <= regions.length);
      },
    ),
    { numRuns: 300, seed: 0x70e9 },
  );
});

test("a 1920x300 photo area under Tight JPEG is one JPEG rect, not one per 65,536-pixel band, and decodes close", async () => {
  const s = makeSurface(1920, 300, "photo", 5);
  const ctx = context(s, FORMATS.rgbxLE!, { jpegQuality: 80, subsampling: "2x" });
  const rects = await new TightEncoder().encode(ctx, 0, 0, 1920, 300);
  const jpegs = rects.filter((r) => parseHeader(r).body[0] === TightControl.JPEG);
  assert.equal(jpegs.length, 1, `JPEG rects: ${rects.map((r) => JSON.stringify({ ...parseHeader(r), body: parseHeader(r).body[0] }))}`);
  assertCoverage(rects, 1920, 0, 0, 1920, 300);
  const fb = framebuffer(1920, 300);
  await decodeAll(new TightDecoder(), FORMATS.rgbxLE!, fb, rects);
  const db = psnr(fb, s, 0, 0, 1920, 300);
  assert.ok(db >= 30, `PSNR ${db.toFixed(1)} dB`);
});
