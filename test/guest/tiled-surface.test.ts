/**
 * The guest-side tiled-surface writer: byte-exact pixel encodings, a write/read round trip for every format ×
 * modifier (fast-check), surfaces on shuffled and unaligned pages, missing pages, clipping at every edge, YUV
 * pair handling, the C8 palette and BT.601 conversions, and input validation.
 *
 * Where bytes must land is checked with tiledByteOffset from src/abi (itself checked against the spec's
 * formulas in test/abi/intel-tiling.test.ts); expected colours come from models written out here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";

import {
  DRM_FORMAT_MOD_LINEAR,
  DrmFormat,
  FORMAT_DESCRIPTORS,
  I915_FORMAT_MOD_X_TILED,
  I915_FORMAT_MOD_Y_TILED,
  I915_FORMAT_MOD_Yf_TILED,
  MODIFIERS,
  surfaceExtentBytes,
  tileGeometry,
  tiledByteOffset,
  type FormatDescriptor,
  type ModifierDescriptor,
} from "../../src/abi/index.ts";
import {
  C8_PALETTE,
  c8Index,
  fillRect,
  readPixelXrgb,
  surfacePageCount,
  writeImage,
  xrgbToYuv601,
  yuv601ToXrgb,
  type TiledSurface,
} from "../../src/guest/tiled-surface.ts";
import type { LinearImage } from "../../src/guest/guest-display.ts";
import { Prng } from "../../src/guest/workloads/prng.ts";

// ---------------------------------------------------------------------------------------------------------
// Fixtures

const desc = (name: string): FormatDescriptor => FORMAT_DESCRIPTORS.find((d) => d.name === name)!;
const mod = (tiling: string): ModifierDescriptor => MODIFIERS.find((m) => m.tiling === tiling)!;
const isYuv = (d: FormatDescriptor): boolean => d.kind === "yuv422";

/** The smallest valid stride for `width` pixels, plus `extraTiles` tile widths. */
function strideFor(d: FormatDescriptor, m: ModifierDescriptor, width: number, extraTiles = 0): number {
  const w = tileGeometry(m.tiling, d.bytesPerPixel).widthBytes;
  const rowBytes = (isYuv(d) ? width + (width & 1) : width) * d.bytesPerPixel;
  return (Math.ceil(rowBytes / w) + extraTiles) * w;
}

interface Fixture {
  surface: TiledSurface;
  /** The surface bytes in logical order (for contiguous fixtures, the backing memory itself). */
  mem: Uint8Array;
  pageCount: number;
}

/** A surface on one contiguous buffer, filled with seeded noise; `missing` pages return undefined. */
function contiguous(d: FormatDescriptor, m: ModifierDescriptor, width: number, height: number, opts: { extraTiles?: number; seed?: number; missing?: Set<number> } = {}): Fixture {
  const strideBytes = strideFor(d, m, width, opts.extraTiles ?? 0);
  const pageCount = Math.ceil(surfaceExtentBytes(m.tiling, d.bytesPerPixel, strideBytes, height) / 4096);
  const mem = new Uint8Array(pageCount * 4096);
  const rnd = new Prng(opts.seed ?? 1);
  for (let i = 0; i < mem.length; i++) mem[i] = rnd.u32() & 0xff;
  const missing = opts.missing ?? new Set<number>();
  const pages = Array.from({ length: pageCount }, (_, i) => mem.subarray(i * 4096, (i + 1) * 4096));
  const surface: TiledSurface = {
    width,
    height,
    strideBytes,
    drmFormat: d.code,
    modifier: m.value,
    page: (i) => (missing.has(i) ? undefined : pages[i]),
  };
  return { surface, mem, pageCount };
}

function randomImage(width: number, height: number, seed: number, opts: { dupPairs?: boolean; stridePad?: number } = {}): LinearImage {
  const stridePixels = width + (opts.stridePad ?? 0);
  const pixels = new Uint32Array(Math.max(1, stridePixels * height));
  const rnd = new Prng(seed);
  // Random top bytes too: LinearImage pixels are 0x00RRGGBB and the writer must ignore that byte.
  for (let i = 0; i < pixels.length; i++) pixels[i] = rnd.u32();
  if (opts.dupPairs) for (let i = 1; i < pixels.length; i += 2) pixels[i] = pixels[i - 1]!;
  return { width, height, stridePixels, pixels };
}

const R = (p: number): number => (p >>> 16) & 0xff;
const G = (p: number): number => (p >>> 8) & 0xff;
const B = (p: number): number => p & 0xff;
const hex = (p: number | undefined): string => (p === undefined ? "undefined" : `0x${p.toString(16).padStart(6, "0")}`);

/** Byte offset of the first byte of pixel (x, y) (the macropixel for YUV). */
function pixelOffset(s: TiledSurface, d: FormatDescriptor, m: ModifierDescriptor, x: number, y: number): number {
  const xb = isYuv(d) ? (x & ~1) * 2 : x * d.bytesPerPixel;
  return tiledByteOffset(m.tiling, d.bytesPerPixel, s.strideBytes, xb, y);
}

// ---------------------------------------------------------------------------------------------------------
// Colour models (what the module documents), written independently of its tables

/** Expected read-back of an exact or bit-truncating format. */
function modelRgb(d: FormatDescriptor, p: number): number {
  if (d.kind === "indexed") {
    // Nearest 3-3-2 level, expanded as round(i·255/max).
    const q = (v: number, max: number): number => Math.round((Math.round((v * max) / 255) * 255) / max);
    return (q(R(p), 7) << 16) | (q(G(p), 7) << 8) | q(B(p), 3);
  }
  if (d.kind !== "rgb") throw new Error("no RGB model for YUV");
  const ch = (v: number, bits: number): number => {
    if (bits >= 8) return v; // 8 bits exact; 10 bits by replication, read back >> 2: exact
    const q = v >> (8 - bits); // truncation
    return (q << (8 - bits)) | (q >> (2 * bits - 8)); // read back by replication
  };
  return (ch(R(p), d.r.bits) << 16) | (ch(G(p), d.g.bits) << 8) | ch(B(p), d.b.bits);
}

/** Documented loss bounds per channel [R, G, B]. */
function lossBound(d: FormatDescriptor): [number, number, number] {
  if (d.kind === "indexed") return [18, 18, 42];
  if (d.kind === "rgb" && d.r.bits === 5) return [7, 3, 7];
  return [0, 0, 0];
}

// BT.601 limited-range chroma in floating point (for the shared-chroma bound).
const cbF = (p: number): number => 128 + (224 / 255) * (-0.168736 * R(p) - 0.331264 * G(p) + 0.5 * B(p));
const crF = (p: number): number => 128 + (224 / 255) * (0.5 * R(p) - 0.418688 * G(p) - 0.081312 * B(p));

/**
 * Check a YUV read-back. A pixel whose pair partner was written with the same colour, or was not written
 * (lone pixel: the pair takes its chroma), is within ±2. Otherwise its chroma is off by half the chroma
 * difference of the two pixels, so each channel is within the BT.601 inverse coefficients times that, + 2.5.
 */
function checkYuv(got: number, p: number, partner: number | undefined, where: string): void {
  let bounds: [number, number, number] = [2, 2, 2];
  if (partner !== undefined && (partner & 0xffffff) !== (p & 0xffffff)) {
    const dCb = Math.abs(cbF(partner) - cbF(p)) / 2;
    const dCr = Math.abs(crF(partner) - crF(p)) / 2;
    bounds = [1.596 * dCr + 2.5, 0.392 * dCb + 0.813 * dCr + 2.5, 2.017 * dCb + 2.5];
  }
  const errs = [Math.abs(R(got) - R(p)), Math.abs(G(got) - G(p)), Math.abs(B(got) - B(p))];
  for (let c = 0; c < 3; c++) {
    assert.ok(errs[c]! <= bounds[c]!, `${where}: got ${hex(got)} for ${hex(p & 0xffffff)} (partner ${hex(partner)}), channel ${c} off by ${errs[c]} > ${bounds[c]!.toFixed(2)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Pixel encodings, byte-exact

test("each format stores 0x123456 with the bytes drm_fourcc.h defines (X bits 0, A bits all ones, input top byte ignored)", () => {
  const expected: Record<string, number[]> = {
    XRGB8888: [0x56, 0x34, 0x12, 0x00],
    ARGB8888: [0x56, 0x34, 0x12, 0xff],
    XBGR8888: [0x12, 0x34, 0x56, 0x00],
    ABGR8888: [0x12, 0x34, 0x56, 0xff],
    // R 0x12>>3 = 2, G 0x34>>2 = 13, B 0x56>>3 = 10 → 0x11AA
    RGB565: [0xaa, 0x11],
    // 10-bit by replication: R 0x048, G 0x0D0, B 0x159
    XRGB2101010: [0x59, 0x41, 0x83, 0x04],
    XBGR2101010: [0x48, 0x40, 0x93, 0x15],
    ARGB2101010: [0x59, 0x41, 0x83, 0xc4],
    ABGR2101010: [0x48, 0x40, 0x93, 0xd5],
    // Nearest levels R 0, G 1, B 1 → index 0b000_001_01
    C8: [0x05],
  };
  for (const [name, bytes] of Object.entries(expected)) {
    const d = desc(name);
    const { surface, mem } = contiguous(d, mod("linear"), 8, 2);
    mem.fill(0x77);
    // fillRect and writeImage, both given a garbage top byte (LinearImage pixels are 0x00RRGGBB).
    const res = fillRect(surface, 3, 1, 1, 1, 0xab123456);
    assert.deepEqual(res, { written: 1, skipped: 0, clipped: 0 });
    const off = surface.strideBytes + 3 * d.bytesPerPixel;
    assert.deepEqual([...mem.subarray(off, off + bytes.length)], bytes, name);
    mem.fill(0x77);
    writeImage(surface, { width: 1, height: 1, stridePixels: 1, pixels: new Uint32Array([0xcd123456]) }, 3, 1);
    assert.deepEqual([...mem.subarray(off, off + bytes.length)], bytes, `${name} via writeImage`);
    assert.equal(mem[off - 1], 0x77, `${name}: byte before the pixel untouched`);
    assert.equal(mem[off + bytes.length], 0x77, `${name}: byte after the pixel untouched`);
  }
});

test("YUV byte orders: a red pair is Y 81, Cb 90, Cr 240 placed as each fourcc says; white and black hit the range ends", () => {
  const orders: Record<string, number[]> = {
    YUYV: [81, 90, 81, 240],
    YVYU: [81, 240, 81, 90],
    UYVY: [90, 81, 240, 81],
    VYUY: [240, 81, 90, 81],
  };
  for (const [name, bytes] of Object.entries(orders)) {
    const d = desc(name);
    const { surface, mem } = contiguous(d, mod("linear"), 4, 1);
    fillRect(surface, 0, 0, 2, 1, 0xff0000);
    fillRect(surface, 2, 0, 2, 1, 0xffffff);
    assert.deepEqual([...mem.subarray(0, 4)], bytes, name);
    const y = d.kind === "yuv422" ? d.y0 : 0;
    const u = d.kind === "yuv422" ? d.u : 0;
    assert.deepEqual([mem[4 + y], mem[4 + u]], [235, 128], `${name} white`);
    fillRect(surface, 2, 0, 2, 1, 0x000000);
    assert.deepEqual([mem[4 + y], mem[4 + u]], [16, 128], `${name} black`);
  }
  assert.deepEqual(xrgbToYuv601(0xff0000), [81, 90, 240]);
  assert.deepEqual(xrgbToYuv601(0x0000ff), [41, 240, 110]);
  assert.deepEqual(xrgbToYuv601(0x808080), [126, 128, 128]);
});

test("a YUV pair of different colours shares the average chroma; each pixel keeps its own luma", () => {
  const d = desc("YUYV");
  const { surface, mem } = contiguous(d, mod("linear"), 2, 1);
  writeImage(surface, { width: 2, height: 1, stridePixels: 2, pixels: new Uint32Array([0xff0000, 0x0000ff]) }, 0, 0);
  const [yRed, cbRed, crRed] = xrgbToYuv601(0xff0000);
  const [yBlue, cbBlue, crBlue] = xrgbToYuv601(0x0000ff);
  assert.equal(mem[0], yRed);
  assert.equal(mem[2], yBlue);
  assert.ok(Math.abs(mem[1]! - (cbRed + cbBlue) / 2) <= 0.5, `Cb ${mem[1]} is the average of ${cbRed} and ${cbBlue}`);
  assert.ok(Math.abs(mem[3]! - (crRed + crBlue) / 2) <= 0.5, `Cr ${mem[3]} is the average of ${crRed} and ${crBlue}`);
});

test("a write covering one pixel of a YUV pair keeps the partner's Y and gives the pair the new pixel's chroma", () => {
  for (const name of ["YUYV", "YVYU", "UYVY", "VYUY"]) {
    for (const m of MODIFIERS) {
      const d = desc(name) as Extract<FormatDescriptor, { kind: "yuv422" }>;
      const { surface, mem } = contiguous(d, m, 9, 3);
      fillRect(surface, 0, 0, 9, 3, 0x0000ff);
      // Odd left edge (x = 3) and odd right edge (ends at x = 6, so pixel 6's partner 7 is outside).
      const res = fillRect(surface, 3, 1, 4, 1, 0x00ff00);
      assert.deepEqual(res, { written: 4, skipped: 0, clipped: 0 });
      const [yBlue] = xrgbToYuv601(0x0000ff);
      const [yGreen, cbGreen, crGreen] = xrgbToYuv601(0x00ff00);
      for (const [x, partnerIsY0] of [[2, true], [6, false]] as const) {
        const o = pixelOffset(surface, d, m, x, 1);
        assert.equal(mem[o + (partnerIsY0 ? d.y0 : d.y1)], yBlue, `${name}/${m.tiling}: partner of the lone pixel keeps its luma`);
        assert.equal(mem[o + (partnerIsY0 ? d.y1 : d.y0)], yGreen, `${name}/${m.tiling}: lone pixel's luma`);
        assert.deepEqual([mem[o + d.u], mem[o + d.v]], [cbGreen, crGreen], `${name}/${m.tiling}: pair chroma from the lone pixel`);
      }
      for (let x = 3; x <= 6; x++) checkYuv(readPixelXrgb(surface, x, 1)!, 0x00ff00, undefined, `${name}/${m.tiling} (${x},1)`);
      // Rows 0 and 2 untouched.
      for (let x = 0; x < 9; x++) checkYuv(readPixelXrgb(surface, x, 0)!, 0x0000ff, undefined, `${name}/${m.tiling} row 0`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Round trip: every format × every modifier

/*
 * No combination is skipped. C8 with Yf is never scanned out by i915 (skl_plane_format_mod_supported allows C8
 * only with LINEAR, X and Y), and GVT's reported size (tile height 32) is short for its 64-row tile, but the
 * layout itself is defined (gmmlib's 8-bpp Yf), so the writer supports it and it is tested like the rest.
 */
for (const d of FORMAT_DESCRIPTORS) {
  for (const m of MODIFIERS) {
    test(`round trip ${d.name} × ${m.name}: random images written anywhere read back per the format's loss, nothing else changes`, () => {
      const cpp = d.bytesPerPixel;
      const geo = tileGeometry(m.tiling, cpp);
      // Big enough to cross a tile boundary in both directions (linear: page boundaries, via the stride).
      const maxW = m.tiling === "linear" ? 120 : Math.min(geo.widthBytes / cpp + 9, 300);
      const maxH = m.tiling === "linear" ? 40 : geo.heightRows + 6;
      const scenario = fc.record({
        sw: fc.integer({ min: 1, max: maxW }),
        sh: fc.integer({ min: 1, max: maxH }),
        extraTiles: fc.integer({ min: 0, max: 1 }),
        iw: fc.integer({ min: 1, max: maxW }),
        ih: fc.integer({ min: 1, max: maxH }),
        stridePad: fc.integer({ min: 0, max: 3 }),
        dx: fc.integer({ min: -12, max: maxW }),
        dy: fc.integer({ min: -12, max: maxH }),
        sub: fc.option(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))),
        dupPairs: fc.boolean(),
        seed: fc.integer(),
      });
      fc.assert(
        fc.property(scenario, (sc) => {
          const { surface, mem } = contiguous(d, m, sc.sw, sc.sh, { extraTiles: sc.extraTiles, seed: sc.seed });
          const before = mem.slice();
          const image = randomImage(sc.iw, sc.ih, sc.seed ^ 0x5a5a, { dupPairs: sc.dupPairs, stridePad: sc.stridePad });
          let rect = { x: 0, y: 0, width: sc.iw, height: sc.ih };
          if (sc.sub !== null) {
            const [a, b, c, e] = sc.sub;
            const x = Math.floor(a * sc.iw);
            const y = Math.floor(b * sc.ih);
            rect = { x, y, width: Math.floor(c * (sc.iw - x + 1)), height: Math.floor(e * (sc.ih - y + 1)) };
            rect.width = Math.min(rect.width, sc.iw - x);
            rect.height = Math.min(rect.height, sc.ih - y);
          }
          const res = writeImage(surface, image, sc.dx, sc.dy, sc.sub === null ? undefined : rect);

          const x0 = Math.max(0, sc.dx);
          const y0 = Math.max(0, sc.dy);
          const x1 = Math.min(sc.sw, sc.dx + rect.width);
          const y1 = Math.min(sc.sh, sc.dy + rect.height);
          const inside = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
          assert.deepEqual(res, { written: inside, skipped: 0, clipped: rect.width * rect.height - inside });

          const src = (x: number, y: number): number => image.pixels[(rect.y + y - sc.dy) * image.stridePixels + rect.x + x - sc.dx]!;
          const written = (x: number, y: number): boolean => x >= x0 && x < x1 && y >= y0 && y < y1;
          const allowed = new Uint8Array(mem.length);
          const [lr, lg, lb] = lossBound(d);
          for (let y = y0; y < y1; y++) {
            for (let x = x0; x < x1; x++) {
              const p = src(x, y);
              const got = readPixelXrgb(surface, x, y);
              assert.notEqual(got, undefined);
              const o = pixelOffset(surface, d, m, x, y);
              if (isYuv(d)) {
                const yd = d as Extract<FormatDescriptor, { kind: "yuv422" }>;
                const partnerX = x ^ 1;
                checkYuv(got!, p, written(partnerX, y) ? src(partnerX, y) : undefined, `(${x},${y})`);
                // This pixel's Y and the pair's chroma may change; the partner's Y only if it was written too.
                allowed[o + ((x & 1) === 0 ? yd.y0 : yd.y1)] = 1;
                allowed[o + yd.u] = 1;
                allowed[o + yd.v] = 1;
              } else {
                const want = modelRgb(d, p);
                assert.equal(hex(got), hex(want), `(${x},${y}) from ${hex(p & 0xffffff)}`);
                assert.ok(Math.abs(R(got!) - R(p)) <= lr && Math.abs(G(got!) - G(p)) <= lg && Math.abs(B(got!) - B(p)) <= lb);
                for (let k = 0; k < cpp; k++) allowed[o + k] = 1;
              }
            }
          }
          for (let i = 0; i < mem.length; i++) {
            if (allowed[i] === 0 && mem[i] !== before[i]) assert.fail(`byte ${i} outside the written pixels changed (${before[i]} → ${mem[i]})`);
          }
        }),
        { numRuns: 25, seed: (d.code ^ Number(m.value & 0xffn)) | 0 },
      );
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Pages: shuffled, unaligned, missing

/** The same surface on pages scattered through a larger buffer (random order, gaps, optional misalignment). */
function shuffled(base: Fixture, seed: number, misalign: number): { surface: TiledSurface; phys: Uint8Array; slots: number[] } {
  const n = base.pageCount;
  const rnd = new Prng(seed);
  const slots = Array.from({ length: 2 * n }, (_, i) => i);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = rnd.u32() % (i + 1);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  slots.length = n; // logical page i lives in physical slot slots[i]; the other n slots are gaps
  const phys = new Uint8Array(2 * n * 4096 + misalign).fill(0xee);
  const views = slots.map((slot) => phys.subarray(misalign + slot * 4096, misalign + (slot + 1) * 4096));
  views.forEach((v, i) => v.set(base.mem.subarray(i * 4096, (i + 1) * 4096)));
  return { surface: { ...base.surface, page: (i) => views[i] }, phys, slots };
}

test("shuffled, non-contiguous and unaligned pages hold exactly the bytes a contiguous surface would", () => {
  const combos: [string, string][] = [
    ["XRGB8888", "x"],
    ["ABGR8888", "y"],
    ["XRGB2101010", "yf"],
    ["RGB565", "y"],
    ["C8", "x"],
    ["UYVY", "yf"],
    ["YUYV", "linear"],
    ["XBGR8888", "linear"],
  ];
  for (const [name, tiling] of combos) {
    const d = desc(name);
    const m = mod(tiling);
    const geo = tileGeometry(m.tiling, d.bytesPerPixel);
    const width = Math.min(geo.widthBytes / d.bytesPerPixel, 200) * 2 + 5;
    const height = geo.heightRows * 2 + 3;
    const image = randomImage(width + 4, height + 4, 99);
    const reference = contiguous(d, m, width, height, { seed: 7 });
    for (const misalign of [0, 1, 2]) {
      const base = contiguous(d, m, width, height, { seed: 7 });
      const { surface, phys, slots } = shuffled(base, 1234 + misalign, misalign);
      const a = writeImage(reference.surface, image, -1, -2);
      const b = writeImage(surface, image, -1, -2);
      assert.deepEqual(b, a);
      for (let i = 0; i < base.pageCount; i++) {
        const off = misalign + slots[i]! * 4096;
        assert.ok(Buffer.from(phys.subarray(off, off + 4096)).equals(reference.mem.subarray(i * 4096, (i + 1) * 4096)), `${name}/${tiling} misalign ${misalign}: logical page ${i}`);
      }
      // The gaps between mapped pages are untouched.
      const used = new Set(slots);
      for (let slot = 0; slot < 2 * base.pageCount; slot++) {
        if (!used.has(slot)) assert.ok(phys.subarray(misalign + slot * 4096, misalign + (slot + 1) * 4096).every((v) => v === 0xee), `gap slot ${slot} written`);
      }
      assert.equal(readPixelXrgb(surface, 5, 3), readPixelXrgb(reference.surface, 5, 3));
    }
  }
});

test("a missing page is skipped without throwing: exact skip count, other pages written, reads there are undefined", () => {
  // X-tiled XRGB8888 256×16, stride 1024: tiles 0 1 / 2 3. Without page 1 the top-right 128×8 block is lost.
  const d = desc("XRGB8888");
  const x = contiguous(d, mod("x"), 256, 16, { missing: new Set([1]) });
  assert.equal(x.surface.strideBytes, 1024);
  assert.deepEqual(fillRect(x.surface, 0, 0, 256, 16, 0x336699), { written: 4096 - 1024, skipped: 1024, clipped: 0 });
  assert.equal(readPixelXrgb(x.surface, 130, 3), undefined);
  assert.equal(readPixelXrgb(x.surface, 127, 3), 0x336699);
  assert.equal(readPixelXrgb(x.surface, 130, 8), 0x336699);
  assert.ok(x.mem.subarray(4096, 8192).some((v) => v !== 0x99 && v !== 0x66), "the missing page's backing bytes were not written");

  // Every format × modifier with random missing pages: skipped = pixels whose bytes are in a missing page.
  fc.assert(
    fc.property(fc.constantFrom(...FORMAT_DESCRIPTORS), fc.constantFrom(...MODIFIERS), fc.integer(), (dd, m, seed) => {
      const geo = tileGeometry(m.tiling, dd.bytesPerPixel);
      const w = Math.min(geo.widthBytes / dd.bytesPerPixel, 150) + 38; // even: image pairs line up with YUV pairs
      const h = m.tiling === "linear" ? 70 : geo.heightRows + 9;
      const probe = contiguous(dd, m, w, h);
      const rnd = new Prng(seed);
      const missing = new Set<number>();
      for (let i = 0; i < probe.pageCount; i++) if (rnd.u32() % 3 === 0) missing.add(i);
      const f = contiguous(dd, m, w, h, { missing, seed });
      const image = randomImage(w, h, seed, { dupPairs: true });
      const res = writeImage(f.surface, image, 0, 0);
      let expectSkipped = 0;
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          const gone = missing.has(Math.floor(pixelOffset(f.surface, dd, m, xx, y) / 4096));
          if (gone) expectSkipped++;
          const got = readPixelXrgb(f.surface, xx, y);
          if (gone) assert.equal(got, undefined);
          else if (isYuv(dd)) checkYuv(got!, image.pixels[y * w + xx]!, undefined, `${dd.name}/${m.tiling} (${xx},${y})`);
          else assert.equal(hex(got), hex(modelRgb(dd, image.pixels[y * w + xx]!)));
        }
      }
      assert.deepEqual(res, { written: w * h - expectSkipped, skipped: expectSkipped, clipped: 0 });
    }),
    { numRuns: 40, seed: 42 },
  );
});

// ---------------------------------------------------------------------------------------------------------
// Clipping

test("clipping at all four edges: only the overlap is written, padding columns and rows past the height stay intact", () => {
  for (const m of MODIFIERS) {
    const d = desc("XRGB8888");
    const f = contiguous(d, m, 200, 40, { extraTiles: 1 }); // stride padding beyond 200 px, extent rows past 40
    const image = randomImage(30, 20, 5);
    const before = f.mem.slice();
    const placements: [number, number, number][] = [
      [-7, -5, 23 * 15], // top-left: 23 columns × 15 rows visible
      [185, -5, 15 * 15], // top-right
      [-7, 30, 23 * 10], // bottom-left
      [185, 30, 15 * 10], // bottom-right
      [-30, 0, 0], // entirely left
      [200, 0, 0], // entirely right
      [0, -20, 0], // entirely above
      [0, 40, 0], // entirely below
    ];
    const allowed = new Uint8Array(f.mem.length);
    for (const [dx, dy, visible] of placements) {
      const res = writeImage(f.surface, image, dx, dy);
      assert.deepEqual(res, { written: visible, skipped: 0, clipped: 600 - visible }, `${m.tiling} at (${dx},${dy})`);
      for (let y = Math.max(0, dy); y < Math.min(40, dy + 20); y++) {
        for (let x = Math.max(0, dx); x < Math.min(200, dx + 30); x++) {
          assert.equal(readPixelXrgb(f.surface, x, y), image.pixels[(y - dy) * 30 + x - dx]! & 0xffffff);
          const o = pixelOffset(f.surface, d, m, x, y);
          allowed.fill(1, o, o + 4);
        }
      }
    }
    for (let i = 0; i < f.mem.length; i++) if (!allowed[i] && f.mem[i] !== before[i]) assert.fail(`${m.tiling}: byte ${i} outside the surface's visible pixels changed`);
    // fillRect clips the same way.
    assert.deepEqual(fillRect(f.surface, -10, 35, 20, 10, 0xabcdef), { written: 10 * 5, skipped: 0, clipped: 200 - 50 });
    assert.equal(readPixelXrgb(f.surface, 9, 39), 0xabcdef);
    assert.equal(readPixelXrgb(f.surface, 200, 39), undefined);
    assert.equal(readPixelXrgb(f.surface, 0, 40), undefined);
    assert.equal(readPixelXrgb(f.surface, -1, 0), undefined);
  }
});

test("a source rectangle and an image stride are honoured", () => {
  const d = desc("ARGB8888");
  const f = contiguous(d, mod("y"), 64, 64);
  const image = randomImage(20, 10, 3, { stridePad: 7 });
  const res = writeImage(f.surface, image, 10, 11, { x: 4, y: 2, width: 5, height: 6 });
  assert.deepEqual(res, { written: 30, skipped: 0, clipped: 0 });
  for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) assert.equal(readPixelXrgb(f.surface, 10 + x, 11 + y), image.pixels[(2 + y) * 27 + 4 + x]! & 0xffffff);
  assert.deepEqual(writeImage(f.surface, image, 0, 0, { x: 3, y: 3, width: 0, height: 4 }), { written: 0, skipped: 0, clipped: 0 });
});

// ---------------------------------------------------------------------------------------------------------
// Conversions

test("C8: the palette is 3-3-2 bit-replicated, palette colours round-trip exactly, any colour within 18/18/42", () => {
  assert.equal(C8_PALETTE.length, 256);
  assert.equal(C8_PALETTE[0], 0x000000);
  assert.equal(C8_PALETTE[0xff], 0xffffff);
  assert.equal(C8_PALETTE[0xe0], 0xff0000);
  assert.equal(C8_PALETTE[0x1c], 0x00ff00);
  assert.equal(C8_PALETTE[0x03], 0x0000ff);
  assert.equal(C8_PALETTE[0b010_101_10], 0x49b6aa);
  for (let i = 0; i < 256; i++) assert.equal(c8Index(C8_PALETTE[i]!), i);
  for (let v = 0; v < 256; v++) {
    const grey = (v << 16) | (v << 8) | v;
    const back = C8_PALETTE[c8Index(grey)]!;
    assert.ok(Math.abs(R(back) - v) <= 18 && Math.abs(G(back) - v) <= 18 && Math.abs(B(back) - v) <= 42, `grey ${v} → ${hex(back)}`);
  }
  const { surface, mem } = contiguous(desc("C8"), mod("x"), 512, 8);
  fillRect(surface, 0, 0, 512, 8, 0xff0000);
  assert.equal(mem[0], 0xe0);
  assert.equal(readPixelXrgb(surface, 511, 7), 0xff0000);
});

test("BT.601 limited range: Y in 16..235, Cb/Cr in 16..240, and every 24-bit colour round-trips within ±2", () => {
  let worst = 0;
  for (let r = 0; r < 256; r++) {
    for (let g = 0; g < 256; g++) {
      for (let b = 0; b < 256; b++) {
        const p = (r << 16) | (g << 8) | b;
        const [y, cb, cr] = xrgbToYuv601(p);
        if (y < 16 || y > 235 || cb < 16 || cb > 240 || cr < 16 || cr > 240) assert.fail(`${hex(p)} → ${y},${cb},${cr} out of range`);
        const back = yuv601ToXrgb(y, cb, cr);
        worst = Math.max(worst, Math.abs(R(back) - r), Math.abs(G(back) - g), Math.abs(B(back) - b));
      }
    }
  }
  assert.ok(worst <= 2, `worst channel error ${worst}`);
  assert.equal(yuv601ToXrgb(235, 128, 128), 0xffffff);
  assert.equal(yuv601ToXrgb(16, 128, 128), 0x000000);
});

// ---------------------------------------------------------------------------------------------------------
// Validation and helpers

test("bad surfaces and arguments are answered with precise RangeErrors", () => {
  const d = desc("XRGB8888");
  const good = contiguous(d, mod("x"), 64, 8).surface;
  const img = randomImage(4, 4, 1);
  assert.throws(() => writeImage({ ...good, drmFormat: 0x3231564e }, img, 0, 0), /format 'NV12' .* not supported/);
  assert.throws(() => writeImage({ ...good, modifier: 0x0100000000000004n }, img, 0, 0), /modifier 0x0100000000000004 is not a known layout/);
  assert.throws(() => writeImage({ ...good, strideBytes: 768 }, img, 0, 0), /stride 768 is not a multiple of the x tile width 512/);
  assert.throws(() => writeImage({ ...good, width: 129 }, img, 0, 0), /stride 512 is shorter than a row of 129 pixels/);
  assert.throws(() => fillRect({ ...good, modifier: I915_FORMAT_MOD_Y_TILED, strideBytes: 200 }, 0, 0, 1, 1, 0), /tile width 128/);
  // YUV with an odd width needs its last pair inside the stride.
  const yuyv = desc("YUYV");
  assert.throws(() => fillRect({ ...good, drmFormat: yuyv.code, modifier: DRM_FORMAT_MOD_LINEAR, width: 63, strideBytes: 64 }, 0, 0, 1, 1, 0), /64 pixels × 2 bytes/);
  assert.throws(() => writeImage({ ...good, page: () => new Uint8Array(100) }, img, 0, 0), /page 0 is 100 bytes, expected 4096/);
  assert.throws(() => writeImage(good, img, 0.5, 0), /dstX 0.5 is not an integer/);
  assert.throws(() => writeImage(good, img, 0, 0, { x: 2, y: 0, width: 3, height: 1 }), /srcRect 3x1\+2\+0 is not inside the 4x4 image/);
  assert.throws(() => writeImage(good, { width: 4, height: 4, stridePixels: 4, pixels: new Uint32Array(10) }, 0, 0), /needs 16 pixels, has 10/);
  assert.throws(() => writeImage(good, { width: 4, height: 4, stridePixels: 3, pixels: new Uint32Array(16) }, 0, 0), /malformed/);
  assert.throws(() => fillRect(good, 0, 0, -1, 1, 0), /negative size/);
  assert.throws(() => readPixelXrgb({ ...good, drmFormat: 0 }, 0, 0), /not supported/);
});

test("surfacePageCount covers the layout's tile rows (Yf at 8 bpp: 64-row tiles)", () => {
  const x = contiguous(desc("XRGB8888"), mod("x"), 1920, 1080).surface;
  assert.equal(x.strideBytes, 7680);
  assert.equal(surfacePageCount(x), (7680 * 1080) / 4096);
  const yf = contiguous(desc("C8"), mod("yf"), 64, 33).surface;
  assert.equal(surfacePageCount(yf), 1);
  assert.equal(surfacePageCount({ ...yf, height: 65 }), 2);
  const lin = contiguous(desc("RGB565"), mod("linear"), 100, 3).surface;
  assert.equal(surfacePageCount(lin), 1);
  assert.equal(surfacePageCount({ ...x, modifier: I915_FORMAT_MOD_Yf_TILED, height: 1 }), 60);
  assert.equal(I915_FORMAT_MOD_X_TILED, mod("x").value);
  assert.equal(DrmFormat.C8, desc("C8").code);
});
