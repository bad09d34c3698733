/**
 * The lossless encodings round trip through their decoders pixel-exact (after quantising to the client's
 * format) for random surfaces, rects and pixel formats; Zlib and ZRLE rects share one persistent inflate
 * stream per client with the zlib header spliced into the first.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { RectEncoder } from "../../src/rfb/encoders/encoder.ts";
import { Encoding } from "../../src/rfb/encodings.ts";
import { HextileEncoder } from "../../src/rfb/encoders/hextile.ts";
import { RawEncoder } from "../../src/rfb/encoders/raw.ts";
import { RreEncoder } from "../../src/rfb/encoders/rre.ts";
import { ZlibEncoder } from "../../src/rfb/encoders/zlib.ts";
import { ZrleEncoder } from "../../src/rfb/encoders/zrle.ts";
import { copyRect } from "../../src/rfb/encoders/copyrect.ts";
import { assertCovers, assertShows, CONTENTS, context, FORMATS, makeSurface, TestClient } from "./lossless-harness.ts";

// one instance each, shared by every case, as the server shares them between clients
const ENCODERS: Record<string, RectEncoder> = {
  Raw: new RawEncoder(),
  RRE: new RreEncoder(),
  Hextile: new HextileEncoder(),
  Zlib: new ZlibEncoder(),
  ZRLE: new ZrleEncoder(),
};
/** what each encoder's rects may be: RRE falls back to Raw where RRE would be larger */
const ALLOWED: Record<string, number[]> = {
  Raw: [Encoding.Raw],
  RRE: [Encoding.RRE, Encoding.Raw],
  Hextile: [Encoding.Hextile],
  Zlib: [Encoding.Zlib],
  ZRLE: [Encoding.ZRLE],
};

const surfaceAndRect = fc
  .record({
    width: fc.integer({ min: 1, max: 150 }),
    height: fc.integer({ min: 1, max: 150 }),
    content: fc.constantFrom(...CONTENTS),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    format: fc.constantFrom(...Object.keys(FORMATS)),
    compressLevel: fc.integer({ min: -1, max: 9 }),
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      // rects anywhere, often 1×1 or touching the right/bottom edge
      x: fc.oneof(fc.integer({ min: 0, max: s.width - 1 }), fc.constant(0)),
      y: fc.oneof(fc.integer({ min: 0, max: s.height - 1 }), fc.constant(0)),
      wPick: fc.oneof(fc.constant(1), fc.constant(Infinity), fc.integer({ min: 1, max: 150 })),
      hPick: fc.oneof(fc.constant(1), fc.constant(Infinity), fc.integer({ min: 1, max: 150 })),
      chunk: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 700 })),
    }),
  );

describe("lossless encodings round trip pixel-exact", () => {
  for (const [name, encoder] of Object.entries(ENCODERS)) {
    test(`${name}: random surfaces, rects and pixel formats`, async () => {
      await fc.assert(
        fc.asyncProperty(surfaceAndRect, async ({ s, x, y, wPick, hPick, chunk }) => {
          const surface = makeSurface(s.width, s.height, s.content, s.seed);
          const w = Math.min(wPick, s.width - x);
          const h = Math.min(hPick, s.height - y);
          const format = FORMATS[s.format]!;
          const rects = await encoder.encode(context(surface, format, s.compressLevel), x, y, w, h);
          const client = new TestClient(s.width, s.height, format);
          const headers = await client.receive(rects, chunk);
          for (const r of headers) assert.ok(ALLOWED[name]!.includes(r.encoding), `${name} produced encoding ${r.encoding}`);
          assertCovers(headers, x, y, w, h);
          assertShows(client, surface, x, y, w, h);
        }),
        { numRuns: 80 },
      );
    });
  }

  test("CopyRect moves an area of what the client shows, overlapping or not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ sx: fc.nat(39), sy: fc.nat(29), dx: fc.nat(39), dy: fc.nat(29), w: fc.integer({ min: 1, max: 40 }), h: fc.integer({ min: 1, max: 30 }) }),
        async ({ sx, sy, dx, dy, w, h }) => {
          w = Math.min(w, 40 - sx, 40 - dx);
          h = Math.min(h, 30 - sy, 30 - dy);
          const surface = makeSurface(40, 30, "noise", sx * 31 + sy);
          const client = new TestClient(40, 30, FORMATS.xrgbLE!);
          await client.receive(await ENCODERS.Raw!.encode(context(surface, FORMATS.xrgbLE!), 0, 0, 40, 30));
          const before = client.framebuffer.pixels.slice();
          const headers = await client.receive([copyRect(dx, dy, w, h, sx, sy)]);
          assert.equal(headers[0]!.encoding, Encoding.CopyRect);
          for (let yy = 0; yy < 30; yy++) {
            for (let xx = 0; xx < 40; xx++) {
              const inside = xx >= dx && xx < dx + w && yy >= dy && yy < dy + h;
              const want = inside ? before[(yy - dy + sy) * 40 + (xx - dx + sx)] : before[yy * 40 + xx];
              assert.equal(client.framebuffer.pixels[yy * 40 + xx], want, `pixel (${xx},${yy})`);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
