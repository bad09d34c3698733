/**
 * noVNC's own Tight decoder (node_modules/@novnc/novnc, run in Node with a byte-queue and a framebuffer
 * standing in for its socket and canvas) decodes our Tight updates pixel-exact as one client gets them: many
 * small rects per shared update, and typed letters compressed on the client's own streams with history that
 * reaches back into earlier updates. This is where history meets noVNC's inflater, which stops keeping its
 * window after a stream reset (tight-deflate.ts): data reaching back into an earlier rect failed in noVNC
 * after a reset while our decoder and TigerVNC's took it. We never reset, so its window is kept.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClientZlibStreams } from "../../src/rfb/client-zlib-streams.ts";
import type { EncodedRect } from "../../src/rfb/encoders/encoder.ts";
import { TightEncoder } from "../../src/rfb/encoders/tight.ts";
import { PixelTranslator } from "../../src/rfb/pixel-translator.ts";
import { FORMATS, makeSurface, type Content } from "./tight-harness.ts";

// noVNC's logging module looks for `window` when it loads
(globalThis as { window?: unknown }).window ??= globalThis;
// the package exports only its entry point: its decoder is loaded by path
const tightJs = new URL("../../node_modules/@novnc/novnc/core/decoders/tight.js", import.meta.url).href;
const { default: NoVncTightDecoder } = (await import(tightJs)) as {
  default: new () => { decodeRect(x: number, y: number, w: number, h: number, sock: unknown, display: unknown, depth: number): boolean };
};

/** noVNC's receive queue, over one rect's bytes. */
function byteQueue(bytes: Uint8Array) {
  let pos = 0;
  return {
    rQwait: (_what: string, n: number) => bytes.length - pos < n,
    rQshift8: () => bytes[pos++]!,
    rQshiftBytes: (n: number) => bytes.subarray(pos, (pos += n)),
    rQskipBytes: (n: number) => void (pos += n),
    rQshiftTo: (target: Uint8Array, n: number) => void target.set(bytes.subarray(pos, (pos += n))),
    rQpeek8: () => bytes[pos]!,
    get rQlen() {
      return bytes.length - pos;
    },
  };
}

/** noVNC's Display, as far as Tight uses it: fills and RGBX blits into 0x00RRGGBB words. */
function canvas(width: number, height: number) {
  const pixels = new Uint32Array(width * height);
  return {
    pixels,
    fillRect(x: number, y: number, w: number, h: number, c: number[]) {
      for (let row = y; row < y + h; row++) pixels.fill((c[0]! << 16) | (c[1]! << 8) | c[2]!, row * width + x, row * width + x + w);
    },
    blitImage(x: number, y: number, w: number, h: number, rgbx: Uint8Array, offset: number) {
      for (let row = 0; row < h; row++) {
        for (let col = 0; col < w; col++) {
          const i = offset + (row * w + col) * 4;
          pixels[(y + row) * width + x + col] = (rgbx[i]! << 16) | (rgbx[i + 1]! << 8) | rgbx[i + 2]!;
        }
      }
    },
  };
}

type Box = { x: number; y: number; w: number; h: number };

/**
 * One client: our Tight rects of each update go through its zlib streams as a connection sends them
 * (client-zlib-streams.ts: small updates compressed again with its history, the zlib header spliced into its
 * first rect on each stream) into noVNC's decoder, which must read every rect whole and draw it pixel-exact.
 */
function noVncClient(width: number, height: number) {
  const decoder = new NoVncTightDecoder();
  const display = canvas(width, height);
  const streams = new ClientZlibStreams();
  const stats = { rects: 0, resets: 0, ownRects: 0, ownBytes: 0, sharedBytes: 0 };
  return {
    stats,
    async update(surface: { pixels: Uint32Array }, damage: readonly Box[], what: string): Promise<void> {
      // one context per update, as the server makes
      const ctx = { pixels: surface.pixels, width, height, translator: new PixelTranslator(FORMATS.rgbxLE!), compressLevel: 2, jpegQuality: -1, subsampling: "2x" as const };
      const shared: EncodedRect[] = [];
      for (const r of damage) shared.push(...(await encoder.encode(ctx, r.x, r.y, r.w, r.h)));
      const sent = streams.withOwnHistory(shared);
      for (const [i, rect] of sent.entries()) {
        if (rect !== shared[i]) {
          stats.ownRects++;
          stats.ownBytes += rect.bytes.length;
          stats.sharedBytes += shared[i]!.bytes.length;
        }
        const pieces: Uint8Array[] = [];
        streams.pieces(rect, pieces);
        const b = Buffer.concat(pieces);
        const [x, y, w, h] = [0, 2, 4, 6].map((o) => (b[o]! << 8) | b[o + 1]!) as [number, number, number, number];
        stats.rects++;
        if ((b[12]! & 0x80) === 0 && (b[12]! & 0x0f) !== 0) stats.resets++;
        const queue = byteQueue(b.subarray(12));
        assert.equal(decoder.decodeRect(x, y, w, h, queue, display, 24), true, `${what}: rect ${x},${y} ${w}x${h} complete`);
        assert.equal(queue.rQlen, 0, `${what}: rect ${x},${y} fully read`);
      }
      for (const r of damage) {
        for (let row = r.y; row < r.y + r.h; row++) {
          for (let col = r.x; col < r.x + r.w; col++) {
            const i = row * width + col;
            if (display.pixels[i] !== (surface.pixels[i]! & 0xffffff)) assert.fail(`${what}: pixel ${col},${row} is ${display.pixels[i]!.toString(16)}, not ${(surface.pixels[i]! & 0xffffff).toString(16)}`);
          }
        }
      }
    },
    end: () => streams.end(),
  };
}

const encoder = new TightEncoder();

/** Paint letter `k` (one of a few 8×16 two-colour glyphs) at cell (col, row). */
function typeLetter(surface: { width: number; pixels: Uint32Array }, col: number, row: number, k: number): Box {
  const box = { x: 8 * col, y: 16 * row, w: 8, h: 16 };
  for (let y = 0; y < 16; y++) {
    const bits = (k * 37 + y * (k + 3) * 11) & 0xff;
    for (let x = 0; x < 8; x++) surface.pixels[(box.y + y) * surface.width + box.x + x] = bits & (0x80 >> x) ? 0xe0e0e0 : 0x102030;
  }
  return box;
}

test("noVNC's Tight decoder takes our updates: no stream ever reset, shared updates of many rects and typed letters compressed with the client's history, in any order", async () => {
  const width = 640;
  const height = 480;
  const client = noVncClient(width, height);
  // a grid of small damage rects: dozens per stream per update (each inside the surface, as encoders require)
  const grid: Box[] = [];
  for (let y = 0; y < 440; y += 47) for (let x = 0; x < 600; x += 83) grid.push({ x, y, w: Math.min(61 + (x % 7), width - x), h: 30 + (y % 5) });
  const contents: Content[] = ["few", "two", "gradient", "noise"];
  let typed = 0;
  for (const [u, content] of contents.entries()) {
    const surface = makeSurface(width, height, content, 10 * u + 1);
    await client.update(surface, grid, `${content} grid`);
    // then some typing: one letter an update, from a small alphabet, so history finds the ones before
    for (let i = 0; i < 24; i++, typed++) await client.update(surface, [typeLetter(surface, typed % 80, 28 + (typed % 2), (typed * 7) % 5)], `${content}, letter ${i}`);
  }
  client.end();
  const { stats } = client;
  assert.equal(stats.resets, 0, "no rect sets a reset bit");
  assert.ok(stats.rects > 400, `rects decoded: ${stats.rects}`);
  assert.ok(stats.ownRects >= 90, `letters sent compressed with the client's history: ${stats.ownRects}`);
  assert.ok(stats.ownBytes < stats.sharedBytes, `own ${stats.ownBytes} bytes against the shared encoding's ${stats.sharedBytes}`);
});
