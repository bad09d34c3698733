/**
 * The server end to end with our own client: every encoding, in the pixel formats clients really use,
 * delivers the console's pixels (exactly for lossless encodings, by PSNR for JPEG), first in full, then as
 * incremental damage; ZRLE's, Zlib's and Tight's spliced zlib streams hold across updates and across clients
 * that join late.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PixelReader } from "../../src/rfb/client/pixel-reader.ts";
import { Encoding, PseudoEncoding } from "../../src/rfb/encodings.ts";
import { RGBX_PIXEL_FORMAT, SERVER_PIXEL_FORMAT, type PixelFormat } from "../../src/rfb/pixel-format.ts";
import { fullUpdate, startServer } from "../helpers/rfb-server-fixture.ts";
import { psnr } from "../helpers/test-picture.ts";
import type { RfbClient } from "../../src/rfb/client/rfb-client.ts";

const RGB565_BE: PixelFormat = { bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 };
const BGR233: PixelFormat = { bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 };
const XRGB_BE: PixelFormat = { ...SERVER_PIXEL_FORMAT, bigEndian: true };

const LOSSLESS = [Encoding.Raw, Encoding.RRE, Encoding.Hextile, Encoding.Zlib, Encoding.ZRLE, Encoding.Tight, Encoding.TightPNG];
const FORMATS: Array<[string, PixelFormat]> = [
  ["XRGB LE (TigerVNC)", SERVER_PIXEL_FORMAT],
  ["RGBX (noVNC)", RGBX_PIXEL_FORMAT],
  ["XRGB BE", XRGB_BE],
  ["RGB565 BE", RGB565_BE],
  ["BGR233 (TigerVNC low colour)", BGR233],
];

/** How many pixels differ between the client's framebuffer and the console, after quantising to the format. */
function mismatches(client: RfbClient, pixels: Uint32Array, format: PixelFormat): number {
  const q = new PixelReader(format);
  let bad = 0;
  for (let i = 0; i < pixels.length; i++) if (client.framebuffer.pixels[i] !== q.quantise(pixels[i]! & 0xffffff)) bad++;
  return bad;
}

for (const encoding of LOSSLESS) {
  for (const [name, format] of FORMATS) {
    if (encoding === Encoding.TightPNG && format.bitsPerPixel !== 32) continue; // TightPNG is noVNC's, always 32 bpp
    test(`encoding ${encoding}, ${name}: full and incremental updates are pixel-exact`, async () => {
      const s = await startServer({ width: 203, height: 97 });
      const client = await s.connect({ pixelFormat: format, encodings: [encoding, PseudoEncoding.CompressLevel0 + 2] });
      try {
        await fullUpdate(client);
        assert.equal(mismatches(client, s.pixels, format), 0);
        assert.ok(client.lastUpdate!.rectsByEncoding.size > 0);
        // damage in two places, one frame each; the client asks incrementally
        for (const [x, y, w, h, c] of [[5, 5, 40, 30, 0x00ff00], [150, 60, 53, 37, 0x123456]] as const) {
          const next = client.nextUpdate((u) => u.pixels > 0);
          s.paint(x, y, w, h, c);
          await client.requestUpdate({ incremental: true }).catch(() => {});
          await next;
        }
        assert.equal(mismatches(client, s.pixels, format), 0);
        assert.ok(client.lastUpdate!.pixels < s.width * s.height, "an incremental update carries only the damage");
      } finally {
        client.close();
        await s.close();
      }
    });
  }
}

test("Tight with a quality level sends JPEG for photo-like areas; the picture is close (PSNR ≥ 30 dB)", async () => {
  const s = await startServer({ width: 256, height: 192 });
  const client = await s.connect({ pixelFormat: RGBX_PIXEL_FORMAT, encodings: [Encoding.Tight, PseudoEncoding.QualityLevel0 + 8, PseudoEncoding.CompressLevel0 + 2] });
  try {
    await fullUpdate(client);
    const counts = client.lastUpdate!.rectsByEncoding;
    assert.ok([...counts.keys()].some((k) => /tight/i.test(k)), `rects: ${[...counts.keys()]}`);
    assert.ok(psnr(client.framebuffer.pixels, s.pixels) >= 30, `PSNR ${psnr(client.framebuffer.pixels, s.pixels)}`);
  } finally {
    client.close();
    await s.close();
  }
});

test("ZRLE, Zlib and Tight streams: a client joining after others shares their bytes and still decodes (header spliced)", async () => {
  for (const encoding of [Encoding.ZRLE, Encoding.Zlib, Encoding.Tight]) {
    const s = await startServer({ width: 160, height: 100 });
    const a = await s.connect({ encodings: [encoding] });
    try {
      await fullUpdate(a);
      for (let i = 0; i < 3; i++) {
        const next = a.nextUpdate((u) => u.pixels > 0);
        s.paint(10 * i, 10, 20, 20, 0x010203 * (i + 1));
        await a.requestUpdate({ incremental: true }).catch(() => {});
        await next;
      }
      const b = await s.connect({ encodings: [encoding] });
      try {
        // both up to date, both ask, one frame of damage: one encoding serves both
        const missesBefore = s.server.stats.encodeCacheMisses;
        const na = a.nextUpdate((u) => u.pixels > 0);
        await fullUpdate(b);
        const nb = b.nextUpdate((u) => u.pixels > 0);
        void a.requestUpdate({ incremental: true }).catch(() => {});
        void b.requestUpdate({ incremental: true }).catch(() => {});
        await new Promise((r) => setTimeout(r, 20));
        s.paint(100, 50, 30, 30, 0xabcdef);
        await Promise.all([na, nb]);
        assert.equal(mismatches(a, s.pixels, SERVER_PIXEL_FORMAT), 0);
        assert.equal(mismatches(b, s.pixels, SERVER_PIXEL_FORMAT), 0);
        assert.ok(s.server.stats.encodeCacheHits >= 1, "the second client took the first one's encoding");
        assert.ok(s.server.stats.encodeCacheMisses - missesBefore <= 2);
      } finally {
        b.close();
      }
    } finally {
      a.close();
      await s.close();
    }
  }
});

test("small ZRLE, Zlib and Tight updates go on each client's own streams with history: a repeated glyph costs fewer bytes; late joiners and big shared updates in between stay pixel-exact", async () => {
  for (const encoding of [Encoding.ZRLE, Encoding.Zlib, Encoding.Tight]) {
    const s = await startServer({ width: 160, height: 100 });
    /** Draw letter `ch` as a two-colour 8x16 cell at column `col` of row 40, one frame of damage. */
    const glyph = (col: number, ch: string): void => {
      for (let y = 0; y < 16; y++) {
        const bits = (ch.charCodeAt(0) * (y + 3)) & 0xff;
        for (let x = 0; x < 8; x++) s.pixels[(40 + y) * s.width + col * 8 + x] = (bits >> (7 - x)) & 1 ? 0xf0f0f0 : 0x101010;
      }
      s.console.publishUpdate({ count: 1, rects: [{ x: col * 8, y: 40, w: 8, h: 16 }] });
    };
    /** Type one letter with the given clients asking; the bytes of each one's update. */
    const type = async (clients: RfbClient[], col: number, ch: string): Promise<number[]> => {
      const next = clients.map((c) => c.nextUpdate((u) => u.pixels > 0));
      glyph(col, ch);
      for (const c of clients) void c.requestUpdate({ incremental: true }).catch(() => {});
      return (await Promise.all(next)).map((u) => u.bytes);
    };
    const a = await s.connect({ encodings: [encoding] });
    let b: RfbClient | undefined;
    try {
      await fullUpdate(a);
      const [first] = await type([a], 0, "e");
      const [again] = await type([a], 1, "e");
      assert.ok(again! < first!, `${encoding}: the same letter again took ${again} bytes, the first time ${first}`);
      b = await s.connect({ encodings: [encoding] });
      await fullUpdate(b); // a big update, encoded once and shared: b's stream has it in its window
      await type([a, b], 2, "x");
      await fullUpdate(a); // a shared piece between a's own ones
      await type([a, b], 3, "e");
      await type([a, b], 4, "x");
      assert.equal(mismatches(a, s.pixels, SERVER_PIXEL_FORMAT), 0, `${encoding}: client a`);
      assert.equal(mismatches(b, s.pixels, SERVER_PIXEL_FORMAT), 0, `${encoding}: client b`);
    } finally {
      b?.close();
      a.close();
      await s.close();
    }
  }
});

test("WebSocket transport (no subprotocol and 'binary') carries the same picture as TCP", async () => {
  const s = await startServer({ width: 120, height: 80 });
  try {
    for (const protocols of [[], ["binary"]]) {
      const c = await (await import("../../src/rfb/client/rfb-client.ts")).RfbClient.connect(
        { url: `ws://127.0.0.1:${s.ports.websocket!.port}/`, protocols },
        { pixelFormat: RGBX_PIXEL_FORMAT, encodings: [Encoding.Hextile] },
      );
      try {
        await fullUpdate(c);
        assert.equal(mismatches(c, s.pixels, RGBX_PIXEL_FORMAT), 0);
        assert.equal(c.transportKind, "websocket");
      } finally {
        c.close();
      }
    }
  } finally {
    await s.close();
  }
});
