/**
 * The Intel tiled layouts of KERNEL-ABI.md §2.4: the §6 fact-4 worked examples, the spec's closed forms
 * (X, Y, Yf at cpp 4) against the pattern-derived implementation, bijectivity of every tile, the tile-index and
 * tile-row structure across many tiles, and GVT's stride and size rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";

import {
  checkTiledLayout,
  gvtReportedSize,
  gvtStrideUnit,
  gvtTileHeight,
  surfaceExtentBytes,
  tileAddressPattern,
  tileGeometry,
  tiledByteOffset,
  tiledLayout,
  TILE_SIZE_BYTES,
  TILING_CPPS,
} from "../../src/abi/intel-tiling.ts";
import * as abi from "../../src/abi/index.ts";
import type { TilingName } from "../../src/abi/drm-modifiers.ts";

const TILED: readonly TilingName[] = ["x", "y", "yf"];

// ---- the spec's own closed forms, written out independently of the implementation ----

function specX(stride: number, xb: number, y: number): number {
  const tileIndex = Math.floor(y / 8) * (stride / 512) + Math.floor(xb / 512);
  return tileIndex * 4096 + (y % 8) * 512 + (xb % 512);
}

function specY(stride: number, xb: number, y: number): number {
  const tileIndex = Math.floor(y / 32) * (stride / 128) + Math.floor(xb / 128);
  return tileIndex * 4096 + Math.floor((xb % 128) / 16) * 512 + (y % 32) * 16 + (xb % 16);
}

function specYf4(stride: number, xb: number, y: number): number {
  const tx = xb % 128;
  const ty = y % 32;
  const intra =
    (tx & 15) |
    ((ty & 7) << 4) |
    (((tx >> 4) & 1) << 7) |
    (((ty >> 3) & 1) << 8) |
    (((tx >> 5) & 1) << 9) |
    (((ty >> 4) & 1) << 10) |
    (((tx >> 6) & 1) << 11);
  const tileIndex = Math.floor(y / 32) * (stride / 128) + Math.floor(xb / 128);
  return tileIndex * 4096 + intra;
}

/** Yf cpp 1 from the table row `X Y X Y Y Y Y Y X X X X` (64 B × 64 rows). */
function specYf1(stride: number, xb: number, y: number): number {
  const tx = xb % 64;
  const ty = y % 64;
  const intra = (tx & 15) | ((ty & 31) << 4) | (((tx >> 4) & 1) << 9) | (((ty >> 5) & 1) << 10) | (((tx >> 5) & 1) << 11);
  return (Math.floor(y / 64) * (stride / 64) + Math.floor(xb / 64)) * 4096 + intra;
}

/** Yf cpp 8 and 16 from the table row `X Y X Y X X Y Y X X X X` (256 B × 16 rows). */
function specYf8(stride: number, xb: number, y: number): number {
  const tx = xb % 256;
  const ty = y % 16;
  const intra =
    (tx & 15) |
    ((ty & 3) << 4) |
    (((tx >> 4) & 3) << 6) |
    (((ty >> 2) & 1) << 8) |
    (((tx >> 6) & 1) << 9) |
    (((ty >> 3) & 1) << 10) |
    (((tx >> 7) & 1) << 11);
  return (Math.floor(y / 16) * (stride / 256) + Math.floor(xb / 256)) * 4096 + intra;
}

test("§6 fact 4: the worked examples", () => {
  // X-tiled, stride 2048, cpp 4, pixel (130, 9): xb 520 → tile 5 → 5·4096 + 512 + 8.
  assert.equal(tiledByteOffset("x", 4, 2048, 130 * 4, 9), 21000);
  // Y-tiled, stride 512, cpp 4, pixel (5, 33): tile 4 → 16384 + 512 + 16 + 4.
  assert.equal(tiledByteOffset("y", 4, 512, 5 * 4, 33), 16916);
  // Yf-tiled, stride 512, cpp 4: (5, 9) → 404 in tile 0; (37, 30) → 5604 in tile 1.
  assert.equal(tiledByteOffset("yf", 4, 512, 5 * 4, 9), 404);
  assert.equal(tiledByteOffset("yf", 4, 512, 37 * 4, 30), 5604);
  // Linear: y·stride + x·cpp, at every cpp.
  for (const cpp of TILING_CPPS) {
    assert.equal(tiledByteOffset("linear", cpp, 3200, 17 * cpp, 123), 123 * 3200 + 17 * cpp);
  }
});

test("tile geometry per tiling and cpp, and the address patterns of the spec's table", () => {
  const expect: Record<TilingName, Record<number, [number, number]>> = {
    linear: { 1: [64, 1], 2: [64, 1], 4: [64, 1], 8: [64, 1], 16: [64, 1] },
    x: { 1: [512, 8], 2: [512, 8], 4: [512, 8], 8: [512, 8], 16: [512, 8] },
    y: { 1: [128, 32], 2: [128, 32], 4: [128, 32], 8: [128, 32], 16: [128, 32] },
    yf: { 1: [64, 64], 2: [128, 32], 4: [128, 32], 8: [256, 16], 16: [256, 16] },
  };
  for (const tiling of ["linear", "x", "y", "yf"] as const) {
    for (const cpp of TILING_CPPS) {
      const [w, h] = expect[tiling][cpp]!;
      assert.deepEqual(tileGeometry(tiling, cpp), { widthBytes: w, heightRows: h, sizeBytes: w * h }, `${tiling} cpp ${cpp}`);
    }
  }
  assert.equal(tileAddressPattern("x", 4), "YYYXXXXXXXXX");
  assert.equal(tileAddressPattern("y", 4), "XXXYYYYYXXXX");
  assert.equal(tileAddressPattern("yf", 1), "XYXYYYYYXXXX");
  assert.equal(tileAddressPattern("yf", 2), "XYXYXYYYXXXX");
  assert.equal(tileAddressPattern("yf", 4), "XYXYXYYYXXXX");
  assert.equal(tileAddressPattern("yf", 8), "XYXYXXYYXXXX");
  assert.equal(tileAddressPattern("yf", 16), "XYXYXXYYXXXX");
  assert.equal(tileAddressPattern("linear", 4), undefined);
  // Contiguous runs: X keeps a whole 512-byte tile row together, Y and Yf only a 16-byte OWORD.
  assert.equal(tiledLayout("x", 4).runBytes, 512);
  assert.equal(tiledLayout("y", 4).runBytes, 16);
  for (const cpp of TILING_CPPS) assert.equal(tiledLayout("yf", cpp).runBytes, 16);
  assert.equal(TILE_SIZE_BYTES, 4096);
});

test("the implementation equals the spec's closed forms for X, Y and Yf (every cpp) anywhere on a surface", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.nat({ max: 1 << 20 }), fc.nat({ max: 5000 }), (tilesPerRow, xr, y) => {
      const xStride = tilesPerRow * 512;
      const xbX = xr % xStride;
      assert.equal(tiledByteOffset("x", 4, xStride, xbX, y), specX(xStride, xbX, y));
      const yStride = tilesPerRow * 128;
      const xbY = xr % yStride;
      assert.equal(tiledByteOffset("y", 4, yStride, xbY, y), specY(yStride, xbY, y));
      assert.equal(tiledByteOffset("yf", 4, yStride, xbY, y), specYf4(yStride, xbY, y));
      // X and Y tile geometry does not depend on cpp; Yf at cpp 2 shares cpp 4's shape.
      assert.equal(tiledByteOffset("x", 1, xStride, xbX, y), specX(xStride, xbX, y));
      assert.equal(tiledByteOffset("y", 16, yStride, xbY, y), specY(yStride, xbY, y));
      assert.equal(tiledByteOffset("yf", 2, yStride, xbY, y), specYf4(yStride, xbY, y));
      // Yf at cpp 1 (64-byte tiles) and cpp 8/16 (256-byte tiles), from the other rows of the table.
      const yf1Stride = tilesPerRow * 64;
      const xb1 = xr % yf1Stride;
      assert.equal(tiledByteOffset("yf", 1, yf1Stride, xb1, y), specYf1(yf1Stride, xb1, y));
      const yf8Stride = tilesPerRow * 256;
      const xb8 = xr % yf8Stride;
      assert.equal(tiledByteOffset("yf", 8, yf8Stride, xb8, y), specYf8(yf8Stride, xb8, y));
      assert.equal(tiledByteOffset("yf", 16, yf8Stride, xb8, y), specYf8(yf8Stride, xb8, y));
    }),
    { numRuns: 2000, seed: 0x7117 },
  );
});

test("every layout is a bijection of one tile onto its 4096 bytes, for every cpp, with whole pixels contiguous", () => {
  for (const tiling of TILED) {
    for (const cpp of TILING_CPPS) {
      const { widthBytes: w, heightRows: h } = tileGeometry(tiling, cpp);
      assert.equal(w * h, 4096);
      const hits = new Uint8Array(4096);
      for (let y = 0; y < h; y++) {
        for (let xb = 0; xb < w; xb++) {
          const off = tiledByteOffset(tiling, cpp, w, xb, y);
          assert.ok(off >= 0 && off < 4096, `${tiling}/${cpp} (${xb},${y}) → ${off}`);
          hits[off]!++;
        }
        // A pixel's bytes are adjacent and start cpp-aligned.
        for (let x = 0; x < w / cpp; x++) {
          const first = tiledByteOffset(tiling, cpp, w, x * cpp, y);
          assert.equal(first % cpp, 0);
          for (let k = 1; k < cpp; k++) assert.equal(tiledByteOffset(tiling, cpp, w, x * cpp + k, y), first + k);
        }
      }
      assert.ok(
        hits.every((n) => n === 1),
        `${tiling}/${cpp}: ${hits.filter((n) => n !== 1).length} offsets not hit exactly once`,
      );
    }
  }
});

test("bit patterns: each address bit follows exactly one column or row bit as the pattern says", () => {
  for (const tiling of TILED) {
    for (const cpp of TILING_CPPS) {
      const pattern = tileAddressPattern(tiling, cpp)!;
      const { widthBytes: w } = tileGeometry(tiling, cpp);
      let xi = 0;
      let yi = 0;
      for (let bit = 0; bit < 12; bit++) {
        const letter = pattern[11 - bit];
        const off = letter === "X" ? tiledByteOffset(tiling, cpp, w, 1 << xi++, 0) : tiledByteOffset(tiling, cpp, w, 0, 1 << yi++);
        assert.equal(off, 1 << bit, `${tiling}/${cpp} address bit ${bit} (${letter})`);
      }
    }
  }
});

test("tiles are row-major: moving k tiles right and m tile rows down adds (m·tilesPerRow + k)·4096", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TILED),
      fc.constantFrom(...TILING_CPPS),
      fc.integer({ min: 1, max: 9 }),
      fc.nat(),
      fc.nat(),
      fc.nat({ max: 8 }),
      fc.nat({ max: 40 }),
      (tiling, cpp, tilesPerRow, xr, yr, kr, m) => {
        const { widthBytes: w, heightRows: h } = tileGeometry(tiling, cpp);
        const stride = tilesPerRow * w;
        const xb = xr % w;
        const y = yr % h;
        const k = kr % tilesPerRow;
        const base = tiledByteOffset(tiling, cpp, stride, xb, y);
        assert.ok(base < 4096, "tile (0,0) is the first page");
        assert.equal(tiledByteOffset(tiling, cpp, stride, xb + k * w, y + m * h), base + (m * tilesPerRow + k) * 4096);
      },
    ),
    { numRuns: 3000, seed: 0x5eed },
  );
});

test("a row crossing tiles lands in consecutive tiles, and the row below a tile row starts a new tile row", () => {
  // X, stride 3 tiles: the last byte of tile 0's first row, then the first byte of tile 1.
  assert.equal(tiledByteOffset("x", 4, 1536, 511, 0), 511);
  assert.equal(tiledByteOffset("x", 4, 1536, 512, 0), 4096);
  assert.equal(tiledByteOffset("x", 4, 1536, 1024, 7), 2 * 4096 + 7 * 512);
  assert.equal(tiledByteOffset("x", 4, 1536, 0, 8), 3 * 4096);
  // Y: row 31 of tile 0 vs row 32 (tile row 1 → tile index tilesPerRow).
  assert.equal(tiledByteOffset("y", 4, 384, 0, 31), 31 * 16);
  assert.equal(tiledByteOffset("y", 4, 384, 0, 32), 3 * 4096);
  assert.equal(tiledByteOffset("y", 4, 384, 16, 0), 512);
  // Yf cpp 1: 64-row tiles, so row 63 is still tile 0 and row 64 is tile row 1.
  assert.ok(tiledByteOffset("yf", 1, 128, 0, 63) < 4096);
  assert.equal(tiledByteOffset("yf", 1, 128, 0, 64), 2 * 4096);
  assert.equal(tiledByteOffset("yf", 1, 128, 64, 0), 4096);
  // Yf cpp 8: 256-byte, 16-row tiles.
  assert.equal(tiledByteOffset("yf", 8, 512, 0, 16), 2 * 4096);
  assert.equal(tiledByteOffset("yf", 8, 512, 256, 0), 4096);
});

test("tiledByteOffset rejects a stride that is not whole tiles and positions outside the stride", () => {
  assert.throws(() => tiledByteOffset("x", 4, 2000, 0, 0), /multiple of the x tile width 512/);
  assert.throws(() => tiledByteOffset("y", 4, 200, 0, 0), /multiple of the y tile width 128/);
  assert.throws(() => tiledByteOffset("yf", 8, 384, 0, 0), /tile width 256/);
  assert.throws(() => tiledByteOffset("x", 4, 512, 512, 0), /outside/);
  assert.throws(() => tiledByteOffset("x", 4, 512, -1, 0), /outside/);
  assert.throws(() => tiledByteOffset("x", 4, 512, 0, 1.5), /outside/);
  assert.throws(() => tiledByteOffset("yf", 3, 512, 0, 0), /bytes per pixel 3/);
  assert.throws(() => tiledByteOffset("w" as TilingName, 4, 512, 0, 0), /unknown tiling "w"/);
});

test("GVT stride units: linear 64, X 512, Y 128, Yf 64 at 8 bpp and 128 at 16/32/64 bpp", () => {
  for (const cpp of [1, 2, 4, 8]) {
    assert.equal(gvtStrideUnit("linear", cpp), 64);
    assert.equal(gvtStrideUnit("x", cpp), 512);
    assert.equal(gvtStrideUnit("y", cpp), 128);
  }
  assert.equal(gvtStrideUnit("yf", 1), 64);
  assert.equal(gvtStrideUnit("yf", 2), 128);
  assert.equal(gvtStrideUnit("yf", 4), 128);
  assert.equal(gvtStrideUnit("yf", 8), 128);
  assert.throws(() => gvtStrideUnit("yf", 16), /128 bpp/);
  // Every GVT stride of a format GVT decodes is a whole number of tiles, except Yf at 64 bpp (unit 128 < 256).
  for (const tiling of ["linear", "x", "y", "yf"] as const) {
    for (const cpp of [1, 2, 4]) {
      assert.equal(gvtStrideUnit(tiling, cpp) % tileGeometry(tiling, cpp).widthBytes, 0, `${tiling}/${cpp}`);
    }
  }
  assert.match(checkTiledLayout({ tiling: "yf", cpp: 8, strideBytes: 3 * 128, width: 8, height: 1 })!, /multiple of the yf tile width 256/);
});

test("GVT size = stride × roundup(height, tile height) with X 8, Y 32, Yf 32, linear 1", () => {
  assert.deepEqual(["linear", "x", "y", "yf"].map((t) => gvtTileHeight(t as TilingName)), [1, 8, 32, 32]);
  assert.equal(gvtReportedSize("linear", 7680, 1080), 7680 * 1080);
  assert.equal(gvtReportedSize("x", 7680, 1080), 7680 * 1080); // 1080 = 135·8
  assert.equal(gvtReportedSize("x", 7680, 1081), 7680 * 1088);
  assert.equal(gvtReportedSize("y", 7680, 1080), 7680 * 1088);
  assert.equal(gvtReportedSize("yf", 7680, 1080), 7680 * 1088);
  // The true extent differs only where the tile is taller than GVT thinks: 8-bpp Yf (64 rows).
  assert.equal(surfaceExtentBytes("yf", 4, 7680, 1080), gvtReportedSize("yf", 7680, 1080));
  assert.equal(surfaceExtentBytes("yf", 1, 1920, 1080), 1920 * 1088);
  assert.equal(surfaceExtentBytes("yf", 1, 1920, 1090), 1920 * 1152);
  assert.equal(gvtReportedSize("yf", 1920, 1090), 1920 * 1120);
  assert.equal(surfaceExtentBytes("x", 4, 2048, 9), 2048 * 16);
  assert.equal(surfaceExtentBytes("linear", 4, 2048, 9), 2048 * 9);
});

test("checkTiledLayout accepts what the hardware scans out and says precisely what is wrong otherwise", () => {
  assert.equal(checkTiledLayout({ tiling: "x", cpp: 4, strideBytes: 7680, width: 1920, height: 1080 }), undefined);
  assert.equal(checkTiledLayout({ tiling: "y", cpp: 2, strideBytes: 3840, width: 1920, height: 1080 }), undefined);
  assert.equal(checkTiledLayout({ tiling: "linear", cpp: 4, strideBytes: 3200, width: 800, height: 600 }), undefined);
  assert.equal(checkTiledLayout({ tiling: "yf", cpp: 1, strideBytes: 64, width: 64, height: 1 }), undefined);
  const bad: [Parameters<typeof checkTiledLayout>[0], RegExp][] = [
    [{ tiling: "x", cpp: 4, strideBytes: 7168, width: 1920, height: 1080 }, /shorter than a row of 1920 pixels × 4 bytes/],
    [{ tiling: "x", cpp: 4, strideBytes: 7700, width: 1920, height: 1080 }, /not a multiple of the x tile width 512/],
    [{ tiling: "y", cpp: 4, strideBytes: 7744, width: 1920, height: 1080 }, /not a multiple of the y tile width 128/],
    [{ tiling: "linear", cpp: 4, strideBytes: 3204, width: 800, height: 600 }, /not a multiple of the linear tile width 64/],
    [{ tiling: "x", cpp: 3, strideBytes: 7680, width: 1920, height: 1080 }, /bytes per pixel 3/],
    [{ tiling: "q" as TilingName, cpp: 4, strideBytes: 7680, width: 1920, height: 1080 }, /unknown tiling "q"/],
    [{ tiling: "x", cpp: 4, strideBytes: 7680, width: 0, height: 1080 }, /width 0/],
    [{ tiling: "x", cpp: 4, strideBytes: 7680, width: 1920, height: 2.5 }, /height 2.5/],
    [{ tiling: "x", cpp: 4, strideBytes: -512, width: 1, height: 1 }, /stride -512/],
    [{ tiling: "x", cpp: 4, strideBytes: 1 << 20, width: 1, height: 8193 }, /4 GiB/],
  ];
  for (const [geometry, reason] of bad) assert.match(checkTiledLayout(geometry) ?? "(accepted)", reason, JSON.stringify(geometry));
});

test("the ABI barrel exports the tiling module", () => {
  assert.equal(abi.tiledByteOffset, tiledByteOffset);
  assert.equal(abi.gvtStrideUnit, gvtStrideUnit);
});
