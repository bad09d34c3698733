/**
 * The lossless encodings round trip through their decoders pixel-exact (after quantising to the client's
 * format) for random surfaces, rects and pixel formats; Zlib and ZRLE rects share one persistent inflate
 * stream per client with the zlib header spliced into the first.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { EncodedRect, RectEncoder } from "../../src/rfb/encoders/encoder.ts";
import { DecodeError } from "../../src/rfb/client/decoder.ts";
import { Encoding } from "../../src/rfb/encodings.ts";
import { HextileEncoder } from "../../src/rfb/encoders/hextile.ts";
import { RawEncoder } from "../../src/rfb/encoders/raw.ts";
import { RreEncoder } from "../../src/rfb/encoders/rre.ts";
import { ZlibEncoder } from "../../src/rfb/encoders/zlib.ts";
import { ZrleEncoder } from "../../src/rfb/encoders/zrle.ts";
import { copyRect } from "../../src/rfb/encoders/copyrect.ts";
import { assertCovers, assertShows, CONTENTS, context, FORMATS, makeSurface, spliced, TestClient } from "./lossless-harness.ts";

// one instance each, shared by every case, as the server shares them between clients
const ENCODERS: Record<string, RectEncoder> = {
  Raw: new RawEncoder(),
  RRE: new RreEncoder(),
  Hextile: new HextileEncoder(),
  "Hextile (TypeScript loop)": new HextileEncoder({ native: false }),
  Zlib: new ZlibEncoder(),
  ZRLE: new ZrleEncoder(),
};
/** what each encoder's rects may be: RRE falls back to Raw where RRE would be larger */
const ALLOWED: Record<string, number[]> = {
  Raw: [Encoding.Raw],
  RRE: [Encoding.RRE, Encoding.Raw],
  Hextile: [Encoding.Hextile],
  "Hextile (TypeScript loop)": [Encoding.Hextile],
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
      // the bytes all there before decoding starts, or arriving chunk by chunk while it waits
      trickled: fc.boolean(),
    }),
  );

describe("lossless encodings round trip pixel-exact", () => {
  for (const [name, encoder] of Object.entries(ENCODERS)) {
    test(`${name}: random surfaces, rects and pixel formats`, async () => {
      await fc.assert(
        fc.asyncProperty(surfaceAndRect, async ({ s, x, y, wPick, hPick, chunk, trickled }) => {
          const surface = makeSurface(s.width, s.height, s.content, s.seed);
          const w = Math.min(wPick, s.width - x);
          const h = Math.min(hPick, s.height - y);
          const format = FORMATS[s.format]!;
          const rects = await encoder.encode(context(surface, format, s.compressLevel), x, y, w, h);
          const client = new TestClient(s.width, s.height, format);
          const headers = await client.receive(rects, chunk, trickled);
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

describe("Zlib and ZRLE: one persistent inflate stream per client, zlib header spliced into its first rect", () => {
  for (const name of ["Zlib", "ZRLE"] as const) {
    test(`${name}: two consecutive rects to a new client, the first spliced, decoded by one stream`, async () => {
      const surface = makeSurface(200, 90, "desktop", 11);
      const format = FORMATS.xrgbLE!;
      const ctx = context(surface, format, 6);
      const first = await ENCODERS[name]!.encode(ctx, 0, 0, 120, 90);
      const second = await ENCODERS[name]!.encode(ctx, 120, 0, 80, 90);
      assert.equal(first.length, 1);
      assert.equal(second.length, 1);
      const client = new TestClient(200, 90, format);
      await client.receive([...first, ...second]);
      assertShows(client, surface, 0, 0, 200, 90);
      // the second rect alone is not a zlib stream: it only decodes as the continuation of the first
      const fresh = new TestClient(200, 90, format);
      fresh.started.add(name === "Zlib" ? "zlib" : "zrle");
      await assert.rejects(fresh.receive(second), /corrupt zlib data: incorrect header check/);
    });
  }

  test("the header goes into a stream's first rect only, per client and per stream; later joiners get it on their first", async () => {
    const surface = makeSurface(160, 64, "few", 5);
    const format = FORMATS.rgbxLE!;
    const ctx = context(surface, format);
    const zrleA = await ENCODERS.ZRLE!.encode(ctx, 0, 0, 64, 64);
    const zlibB = await ENCODERS.Zlib!.encode(ctx, 64, 0, 32, 64);
    const zrleC = await ENCODERS.ZRLE!.encode(ctx, 96, 0, 64, 64);
    const rects = [...zrleA, ...zlibB, ...zrleC];
    const sharedBytes = rects.map((r) => r.bytes.slice());

    const early = new TestClient(160, 64, format);
    await early.receive(rects);
    assertShows(early, surface, 0, 0, 160, 64);
    assert.deepEqual([...early.started].sort(), ["zlib", "zrle"]);

    // joins after zrleA: its first ZRLE rect is zrleC, which must now carry the header
    const late = new TestClient(160, 64, format);
    await late.receive([...zlibB, ...zrleC]);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) assert.equal(late.framebuffer.pixels[y * 160 + x], 0x00abcdef);
    for (let y = 0; y < 64; y++) {
      for (let x = 64; x < 160; x++) assert.equal(late.framebuffer.pixels[y * 160 + x], late.reader.quantise(surface.pixels[y * 160 + x]! & 0xffffff));
    }
    // splicing copies: the encoded bytes every client shares are untouched
    rects.forEach((r, i) => assert.deepEqual(r.bytes, sharedBytes[i]));
  });

  test("the spliced first rect carries 0x78 0x01 and a length 2 larger; without it the client's stream rejects the data", async () => {
    const surface = makeSurface(64, 64, "text", 3);
    const [rect] = (await ENCODERS.ZRLE!.encode(context(surface, FORMATS.xrgbLE!), 0, 0, 64, 64)) as [EncodedRect];
    assert.equal(rect.zlibStream, "zrle");
    const wire = spliced(rect, new Set());
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.length);
    assert.equal(dv(rect.bytes).getUint32(12), rect.bytes.length - 16);
    assert.equal(dv(wire).getUint32(12), rect.bytes.length - 16 + 2);
    assert.deepEqual([...wire.subarray(16, 18)], [0x78, 0x01]);
    assert.equal((0x78 * 256 + 0x01) % 31, 0, "a valid zlib header (FCHECK)");

    const client = new TestClient(64, 64, FORMATS.xrgbLE!);
    client.started.add("zrle"); // pretend it was spliced before: the raw deflate arrives bare
    await assert.rejects(client.receive([rect]), (e: Error) => e instanceof DecodeError && /ZRLE: corrupt zlib data/.test(e.message));
  });

  for (const name of ["Zlib", "ZRLE"] as const) {
    test(`${name}: a big rect is compressed off-thread in bands from a snapshot taken before encode() returns`, async () => {
      const surface = makeSurface(700, 500, "desktop", 99);
      const snapshot = { ...surface, pixels: surface.pixels.slice() };
      const pending = ENCODERS[name]!.encode(context(surface, FORMATS.xrgbBE!, -1), 0, 0, 700, 500);
      assert.ok(pending instanceof Promise, "large input goes to the thread pool");
      surface.pixels.fill(0x00ff00ff); // the screen changes while compression runs
      const rects = await pending;
      assert.ok(rects.length > 1, "split into bands");
      const client = new TestClient(700, 500, FORMATS.xrgbBE!);
      const headers = await client.receive(rects, 4096);
      assertCovers(headers, 0, 0, 700, 500);
      assertShows(client, snapshot, 0, 0, 700, 500);
    });
  }
});
