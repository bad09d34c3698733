/**
 * noVNC's own Tight decoder (node_modules/@novnc/novnc, run in Node with a byte-queue and a framebuffer
 * standing in for its socket and canvas) decodes our Tight updates pixel-exact: many small rects per update
 * continuing each zlib stream, every update starting the streams afresh. This is where a continued stream
 * meets noVNC's inflater, which stops keeping its window after a reset (tight-deflate.ts): rects whose data
 * reached back into an earlier rect failed in noVNC while our decoder and TigerVNC's took them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
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

test("noVNC's Tight decoder takes our updates: many rects per update continuing the zlib streams, streams reset per update", async () => {
  const width = 640;
  const height = 480;
  const encoder = new TightEncoder();
  const decoder = new NoVncTightDecoder();
  const display = canvas(width, height);
  // a grid of small damage rects: dozens per stream per update (each inside the surface, as encoders require)
  const damage: Array<{ x: number; y: number; w: number; h: number }> = [];
  for (let y = 0; y < 440; y += 47) for (let x = 0; x < 600; x += 83) damage.push({ x, y, w: Math.min(61 + (x % 7), width - x), h: 30 + (y % 5) });
  let continued = 0;
  const contents: Content[] = ["few", "two", "gradient", "noise"];
  for (const [u, content] of contents.entries()) {
    for (const seed of [1, 2]) {
      const surface = makeSurface(width, height, content, 10 * u + seed);
      // one context per update, as the server makes
      const ctx = { pixels: surface.pixels, width, height, translator: new PixelTranslator(FORMATS.rgbxLE!), compressLevel: 2, jpegQuality: -1, subsampling: "2x" as const };
      for (const r of damage) {
        for (const rect of await encoder.encode(ctx, r.x, r.y, r.w, r.h)) {
          const b = rect.bytes;
          const [x, y, w, h] = [0, 2, 4, 6].map((o) => (b[o]! << 8) | b[o + 1]!) as [number, number, number, number];
          const control = b[12]!;
          if ((control & 0x80) === 0 && (control & 0x0f) === 0) continued++;
          const queue = byteQueue(b.subarray(12));
          assert.equal(decoder.decodeRect(x, y, w, h, queue, display, 24), true, `${content}: rect ${x},${y} ${w}x${h} complete`);
          assert.equal(queue.rQlen, 0, `${content}: rect ${x},${y} fully read`);
        }
      }
      for (const r of damage) {
        for (let row = r.y; row < r.y + r.h; row++) {
          for (let col = r.x; col < r.x + r.w; col++) {
            const i = row * width + col;
            if (display.pixels[i] !== (surface.pixels[i]! & 0xffffff)) assert.fail(`${content}, seed ${seed}: pixel ${col},${row} is ${display.pixels[i]!.toString(16)}, not ${(surface.pixels[i]! & 0xffffff).toString(16)}`);
          }
        }
      }
    }
  }
  assert.ok(continued > 100, `rects that continued a stream without resetting it: ${continued}`);
});
