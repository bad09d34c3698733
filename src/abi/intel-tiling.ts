/**
 * Intel tiled surface layouts (KERNEL-ABI.md §2.4): the one definition of where pixel (x, y) of a LINEAR, X-,
 * Y- or Yf-tiled surface lives, shared by the guest side (which writes tiled pixels) and the consumer side
 * (which detiles). Also the GVT-g rules that turn plane registers into the stride and size a QUERY_GFX_PLANE
 * reply carries.
 *
 * Every tiled layout here is a 4 KiB tile whose 12 address bits are a fixed interleave of byte-column (X) and
 * row (Y) bits, written as a pattern string of 12 letters, bit 11 first (the notation of the spec's table and
 * of gmmlib's swizzle descriptors). The pattern is the single source of truth: the tile geometry, the
 * per-column and per-row offset tables and `tiledByteOffset` are all derived from it. The spec's closed forms
 * for X and Y and its cpp-4 Yf closed form are checked against these patterns by the tests.
 *
 * No bit-6 swizzle is applied, on purpose: i915 sets the swizzle mode to NONE on gen8+ ("On BDW+, swizzling
 * is not used"), drm_fourcc.h documents the X/Y layouts as exact on gen8+, and GVT-g only supports gen8+
 * (BDW…CML). A gen7 model would have to XOR address bit 6 with bits 9 (and 10 for X) after this mapping.
 *
 * Pure data and functions; imports only from src/abi.
 */
import type { TilingName } from "./drm-modifiers.ts";
import { PAGE_SIZE } from "./mman.ts";

/** Every Intel tile (X, Y, Yf) is one 4 KiB block: with a page-aligned surface, tile i is page i. */
export const TILE_SIZE_BYTES = 4096;

/**
 * LINEAR is described as 64-byte × 1-row "tiles" laid out row-major: then the tiled formula degenerates to
 * y·stride + xb exactly, and the tile width is GVT's linear stride unit (PLANE_STRIDE counts 64-byte units).
 */
export const LINEAR_ALIGN_BYTES = 64;

/** Bytes per pixel the layouts are defined for (Yf's shape depends on it; X, Y and linear accept the same set). */
export const TILING_CPPS: readonly number[] = [1, 2, 4, 8, 16];

export interface TileGeometry {
  /** Bytes per tile row (the stride must be a multiple of this). */
  widthBytes: number;
  /** Rows per tile. */
  heightRows: number;
  /** widthBytes × heightRows: 4096 for X/Y/Yf, 64 for linear. */
  sizeBytes: number;
}

/**
 * A layout with its derived lookup tables, for code that walks surfaces (writers, detilers): the byte offset of
 * (xb, y) is `tileIndex * sizeBytes + xOffset[xb % widthBytes] + yOffset[y % heightRows]` with
 * `tileIndex = floor(y / heightRows) * (stride / widthBytes) + floor(xb / widthBytes)`, and each aligned run of
 * `runBytes` byte columns of one row is contiguous in memory (X: a 512-byte tile row; Y and Yf: a 16-byte
 * OWORD; linear: the whole 64-byte unit). Tables are shared and frozen in spirit: never write to them.
 */
export interface TiledLayout extends TileGeometry {
  tiling: TilingName;
  cpp: number;
  /** The 12-letter address pattern, bit 11 first (undefined for linear). */
  pattern: string | undefined;
  /** Length of the aligned, contiguous byte runs of one row inside a tile (a power of two, ≥ 16). */
  runBytes: number;
  /** Intra-tile offset contributed by the byte column inside the tile, length widthBytes. */
  xOffset: Int32Array;
  /** Intra-tile offset contributed by the row inside the tile, length heightRows. */
  yOffset: Int32Array;
}

/**
 * Address patterns (bits 11→0; X = next byte-column bit, Y = next row bit, both assigned LSB first).
 * X and Y from drm_fourcc.h / the PRMs: X is 512 B × 8 rows row-major; Y is 8 column-major OWORD columns of
 * 16 B × 32 rows. Yf from gmmlib's SWIZZLE_TILE_YF descriptors (tile shape by bytes per pixel).
 */
const X_PATTERN = "YYYXXXXXXXXX";
const Y_PATTERN = "XXXYYYYYXXXX";
const YF_PATTERNS: Readonly<Record<number, string>> = {
  1: "XYXYYYYYXXXX", //  64 B × 64 rows
  2: "XYXYXYYYXXXX", // 128 B × 32 rows
  4: "XYXYXYYYXXXX", // 128 B × 32 rows
  8: "XYXYXXYYXXXX", // 256 B × 16 rows
  16: "XYXYXXYYXXXX", // 256 B × 16 rows
};

function checkCpp(cpp: number): void {
  if (!TILING_CPPS.includes(cpp)) {
    throw new RangeError(`bytes per pixel ${cpp} has no Intel tile layout (expected one of ${TILING_CPPS.join(", ")})`);
  }
}

function checkTiling(tiling: string): asserts tiling is TilingName {
  if (tiling !== "linear" && tiling !== "x" && tiling !== "y" && tiling !== "yf") {
    throw new RangeError(`unknown tiling "${tiling}" (expected linear, x, y or yf)`);
  }
}

/** The 12-letter address pattern of a tiled layout (bit 11 first), or undefined for linear. */
export function tileAddressPattern(tiling: TilingName, cpp: number): string | undefined {
  checkTiling(tiling);
  checkCpp(cpp);
  switch (tiling) {
    case "linear":
      return undefined;
    case "x":
      return X_PATTERN;
    case "y":
      return Y_PATTERN;
    case "yf":
      return YF_PATTERNS[cpp];
  }
}

/** Build the tables by depositing column and row bits where the pattern puts them. */
function layoutFromPattern(tiling: TilingName, cpp: number, pattern: string): TiledLayout {
  const xBits: number[] = []; // address bit of byte-column bit i
  const yBits: number[] = []; // address bit of row bit i
  for (let addrBit = 0; addrBit < 12; addrBit++) {
    const letter = pattern[11 - addrBit];
    if (letter === "X") xBits.push(addrBit);
    else if (letter === "Y") yBits.push(addrBit);
    else throw new Error(`bad tile pattern ${pattern}`);
  }
  const widthBytes = 1 << xBits.length;
  const heightRows = 1 << yBits.length;
  const xOffset = new Int32Array(widthBytes);
  for (let tx = 0; tx < widthBytes; tx++) {
    let off = 0;
    for (let i = 0; i < xBits.length; i++) off |= ((tx >> i) & 1) << xBits[i]!;
    xOffset[tx] = off;
  }
  const yOffset = new Int32Array(heightRows);
  for (let ty = 0; ty < heightRows; ty++) {
    let off = 0;
    for (let i = 0; i < yBits.length; i++) off |= ((ty >> i) & 1) << yBits[i]!;
    yOffset[ty] = off;
  }
  // Contiguous run: as many low address bits as are the low column bits in order.
  let run = 0;
  while (run < xBits.length && xBits[run] === run) run++;
  return { tiling, cpp, pattern, widthBytes, heightRows, sizeBytes: widthBytes * heightRows, runBytes: 1 << run, xOffset, yOffset };
}

function linearLayout(cpp: number): TiledLayout {
  const xOffset = new Int32Array(LINEAR_ALIGN_BYTES);
  for (let i = 0; i < LINEAR_ALIGN_BYTES; i++) xOffset[i] = i;
  return {
    tiling: "linear",
    cpp,
    pattern: undefined,
    widthBytes: LINEAR_ALIGN_BYTES,
    heightRows: 1,
    sizeBytes: LINEAR_ALIGN_BYTES,
    runBytes: LINEAR_ALIGN_BYTES,
    xOffset,
    yOffset: new Int32Array(1),
  };
}

const TILINGS: readonly TilingName[] = ["linear", "x", "y", "yf"];
const layoutCache = new Map<string, TiledLayout>();
for (const tiling of TILINGS) {
  for (const cpp of TILING_CPPS) {
    const pattern = tileAddressPattern(tiling, cpp);
    layoutCache.set(`${tiling}/${cpp}`, pattern === undefined ? linearLayout(cpp) : layoutFromPattern(tiling, cpp, pattern));
  }
}

/** The layout (geometry and tables) of a tiling at a pixel size; shared objects, built once at load. */
export function tiledLayout(tiling: TilingName, cpp: number): TiledLayout {
  const layout = layoutCache.get(`${tiling}/${cpp}`);
  if (layout === undefined) {
    checkTiling(tiling);
    checkCpp(cpp);
    throw new RangeError(`no layout for ${tiling}/${cpp}`);
  }
  return layout;
}

/** Tile shape: X 512×8, Y 128×32, Yf 64×64 (cpp 1) / 128×32 (cpp 2, 4) / 256×16 (cpp 8, 16), linear 64×1. */
export function tileGeometry(tiling: TilingName, cpp: number): TileGeometry {
  const { widthBytes, heightRows, sizeBytes } = tiledLayout(tiling, cpp);
  return { widthBytes, heightRows, sizeBytes };
}

/**
 * Byte offset of byte column `xBytes` (= x · cpp) of row `y` from the start of the surface (KERNEL-ABI.md §2.4):
 * tiles row-major, `stride / tileWidth` per tile row, each tile's bytes placed by its address pattern.
 * Throws a RangeError for a stride that is not a whole number of tiles or a negative/non-integer position.
 */
export function tiledByteOffset(tiling: TilingName, cpp: number, strideBytes: number, xBytes: number, y: number): number {
  const l = tiledLayout(tiling, cpp);
  if (!Number.isSafeInteger(strideBytes) || strideBytes <= 0 || strideBytes % l.widthBytes !== 0) {
    throw new RangeError(`stride ${strideBytes} is not a positive multiple of the ${tiling} tile width ${l.widthBytes}`);
  }
  if (!Number.isSafeInteger(xBytes) || xBytes < 0 || xBytes >= strideBytes || !Number.isSafeInteger(y) || y < 0) {
    throw new RangeError(`position (${xBytes} B, row ${y}) is outside a surface of stride ${strideBytes}`);
  }
  if (tiling === "linear") return y * strideBytes + xBytes;
  const tileRow = Math.floor(y / l.heightRows);
  const tileCol = Math.floor(xBytes / l.widthBytes);
  const tileIndex = tileRow * (strideBytes / l.widthBytes) + tileCol;
  return tileIndex * l.sizeBytes + l.xOffset[xBytes - tileCol * l.widthBytes]! + l.yOffset[y - tileRow * l.heightRows]!;
}

/**
 * GVT's PLANE_STRIDE unit in bytes (fb_decoder.c intel_vgpu_get_stride, gen9+): linear 64, X 512, Y 128, Yf 64
 * for 8 bpp and 128 for 16/32/64 bpp. Yf at 128 bpp (cpp 16) is "unsupported bpp" there: RangeError here.
 * Note the Yf cpp-8 unit (128) is half that tile's width (256): an odd register value gives a stride that
 * `checkTiledLayout` rejects, as the hardware would not scan it out.
 */
export function gvtStrideUnit(tiling: TilingName, cpp: number): number {
  checkTiling(tiling);
  checkCpp(cpp);
  switch (tiling) {
    case "linear":
      return 64;
    case "x":
      return 512;
    case "y":
      return 128;
    case "yf":
      if (cpp === 1) return 64;
      if (cpp === 2 || cpp === 4 || cpp === 8) return 128;
      throw new RangeError(`GVT does not decode Yf strides at ${cpp * 8} bpp`);
  }
}

/** The tile height GVT uses for the reported size (vgpu_get_plane_info): linear 1, X 8, Y 32, Yf 32. */
export function gvtTileHeight(tiling: TilingName): number {
  checkTiling(tiling);
  switch (tiling) {
    case "linear":
      return 1;
    case "x":
      return 8;
    case "y":
    case "yf":
      return 32;
  }
}

/**
 * The size GVT reports for a plane: stride × roundup(height, gvtTileHeight) bytes (not page aligned). For
 * 8-bpp Yf (64-row tiles) this can be one half tile row short of the bytes the layout really covers; i915
 * never scans C8 out of Yf (skl_plane_format_mod_supported allows C8 only with linear, X and Y), so real
 * guests do not hit it. Use `surfaceExtentBytes` for the bytes a detiler may touch.
 */
export function gvtReportedSize(tiling: TilingName, strideBytes: number, height: number): number {
  const th = gvtTileHeight(tiling);
  return strideBytes * Math.ceil(height / th) * th;
}

/** Bytes the layout really spans for `height` rows: stride × roundup(height, tile rows) (linear: stride × height). */
export function surfaceExtentBytes(tiling: TilingName, cpp: number, strideBytes: number, height: number): number {
  const th = tiledLayout(tiling, cpp).heightRows;
  return strideBytes * Math.ceil(height / th) * th;
}

/** The largest surface the checks accept: the 4 GiB global GTT a gen8+ plane scans out of. */
export const MAX_SURFACE_BYTES = 2 ** 32;

export interface TiledSurfaceGeometry {
  tiling: TilingName;
  /** Bytes per pixel as the layout sees it (2 for packed YUV 4:2:2). */
  cpp: number;
  strideBytes: number;
  /** Pixels per row that must fit in the stride. */
  width: number;
  height: number;
}

/**
 * Why a surface geometry cannot be laid out, or undefined when it can: tiling and cpp known; width, height and
 * stride positive integers; stride a multiple of the tile width (linear: of 64, the unit PLANE_STRIDE counts)
 * and at least width × cpp; the tiled extent within the 4 GiB GGTT.
 */
export function checkTiledLayout(g: TiledSurfaceGeometry): string | undefined {
  if (!(TILINGS as readonly string[]).includes(g.tiling)) return `unknown tiling "${String(g.tiling)}"`;
  if (!TILING_CPPS.includes(g.cpp)) return `bytes per pixel ${g.cpp} has no Intel tile layout`;
  if (!Number.isSafeInteger(g.width) || g.width <= 0) return `width ${g.width} is not a positive integer`;
  if (!Number.isSafeInteger(g.height) || g.height <= 0) return `height ${g.height} is not a positive integer`;
  if (!Number.isSafeInteger(g.strideBytes) || g.strideBytes <= 0) return `stride ${g.strideBytes} is not a positive integer`;
  const l = tiledLayout(g.tiling, g.cpp);
  if (g.strideBytes % l.widthBytes !== 0) {
    return `stride ${g.strideBytes} is not a multiple of the ${g.tiling} tile width ${l.widthBytes} bytes`;
  }
  if (g.strideBytes < g.width * g.cpp) {
    return `stride ${g.strideBytes} is shorter than a row of ${g.width} pixels × ${g.cpp} bytes`;
  }
  const extent = surfaceExtentBytes(g.tiling, g.cpp, g.strideBytes, g.height);
  if (extent > MAX_SURFACE_BYTES) return `surface spans ${extent} bytes, more than the 4 GiB GGTT`;
  return undefined;
}

// A tile is exactly one page: that is what lets a writer or detiler do one page lookup per tile.
if (TILE_SIZE_BYTES !== PAGE_SIZE) throw new Error("Intel tiles are expected to be one page");
