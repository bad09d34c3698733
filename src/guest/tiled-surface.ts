/**
 * The guest side of a tiled scan-out surface: writing XRGB8888 images into a surface of any DRM format this
 * project models, in LINEAR, X-, Y- or Yf-tiled layout, through the guest pages that back it (a GGTT maps a
 * surface onto pages that need not be contiguous). Where the bytes go is defined once, in
 * src/abi/intel-tiling.ts; this file only converts pixels and walks the layout.
 *
 * How a write works (and why it is fast): the destination rectangle is clipped, then handled one band of tile
 * rows at a time and, inside a band, tile by tile: one `page()` lookup per tile (= one 4 KiB page), then for
 * each row of the tile one kernel call that converts source pixels straight into the page, run by contiguous
 * run (X: a 512-byte tile row; Y/Yf: 16-byte OWORDs), using the layout's per-column and per-row offset tables.
 * LINEAR surfaces are walked row by row, one lookup per page a row touches. Nothing is allocated per pixel or
 * per run (one small typed view per page). Packed YUV alone goes through a scratch band first, because a
 * stored element there is a pair of pixels whose chroma depends on both.
 *
 * Pixel conversions (XRGB8888 in, 0x00RRGGBB; the top byte is ignored):
 * - 8888 formats: exact; X bytes written 0, A bytes 0xFF.
 * - RGB565: channels truncated to 5/6/5 bits (loss ≤ 7 for R and B, ≤ 3 for G); read back by bit replication.
 * - 2101010 formats: 8 → 10 bits by bit replication (v << 2 | v >> 6), read back as v10 >> 2: exact. The X bits
 *   are written 0, the A bits (ARGB/ABGR2101010) 3 (opaque).
 * - C8: the index into a fixed 3-3-2 palette, `C8_PALETTE` (index = R3 << 5 | G3 << 2 | B2, each channel rounded
 *   to the nearest palette level; entry i expands the levels by bit replication). The ABI does not carry the
 *   guest's palette, so a consumer showing C8 should use this same palette. Loss ≤ 18 (R, G), ≤ 42 (B).
 * - YUYV/YVYU/UYVY/VYUY: BT.601 limited range (Y 16..235, Cb/Cr 16..240) in 16-bit fixed point; each pixel
 *   keeps its own Y, and a horizontal pair (even x, x + 1) shares one Cb/Cr: the average of the two pixels'
 *   chroma. A pair whose pixels have the same colour reads back within ±2 per channel. When a write covers
 *   only one pixel of a pair (an odd left edge or an odd right edge), that pixel's Y is written, the
 *   partner's Y is kept, and the pair's chroma becomes the written pixel's own (the newest write wins).
 *
 * Pages: `page(i)` must return the live 4096-byte view of surface bytes [i·4096, (i+1)·4096) or undefined
 * when that page is not mapped. A missing page is never an error: the pixels that fall in it are skipped and
 * counted. A view of any other length is a programming error (RangeError).
 *
 * Requires a little-endian host (x86-64, arm64): pixels are moved as 16/32-bit words.
 */
import { formatDescriptor, formatName, type FormatDescriptor } from "../abi/drm-fourcc.ts";
import { modifierDescriptor, modifierName, type TilingName } from "../abi/drm-modifiers.ts";
import { checkTiledLayout, surfaceExtentBytes, tiledLayout, type TiledLayout } from "../abi/intel-tiling.ts";
import { PAGE_SIZE } from "../abi/mman.ts";
import { C8_PALETTE } from "../abi/c8-palette.ts";
import type { LinearImage } from "./guest-display.ts";

/** A scan-out surface as the guest sees it: geometry, format, layout and the pages that hold its bytes. */
export interface TiledSurface {
  readonly width: number;
  readonly height: number;
  readonly strideBytes: number;
  /** DRM fourcc (DrmFormat.*). */
  readonly drmFormat: number;
  /** DRM_FORMAT_MOD_LINEAR or I915_FORMAT_MOD_{X,Y,Yf}_TILED. */
  readonly modifier: bigint;
  /** The live 4 KiB view of surface bytes [i·4096, (i+1)·4096), or undefined when that page is unmapped. */
  page(i: number): Uint8Array | undefined;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WriteResult {
  /** Pixels stored. */
  written: number;
  /** Pixels inside the surface that fell in a missing page and were not stored. */
  skipped: number;
  /** Pixels of the source rectangle that fell outside the surface. */
  clipped: number;
}

// ---------------------------------------------------------------------------------------------------------
// Colour conversions

/** Nearest 3-bit and 2-bit palette level of an 8-bit channel. */
const Q3 = new Uint8Array(256);
const Q2 = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  Q3[v] = Math.round((v * 7) / 255);
  Q2[v] = Math.round((v * 3) / 255);
}
/** The fixed C8 palette is defined once in src/abi (the consumer shows C8 with the same one). */
export { C8_PALETTE };

/** The C8 palette index for an XRGB8888 colour (nearest level per channel). */
export function c8Index(xrgb: number): number {
  return (Q3[(xrgb >>> 16) & 255]! << 5) | (Q3[(xrgb >>> 8) & 255]! << 2) | Q2[xrgb & 255]!;
}

// BT.601, limited range, 16-bit fixed point. Forward: Y = 16 + 219/255·(0.299 R + 0.587 G + 0.114 B),
// Cb = 128 + 224/255·(−0.168736 R − 0.331264 G + 0.5 B), Cr = 128 + 224/255·(0.5 R − 0.418688 G − 0.081312 B).
// (The coefficient rows of Cb and Cr sum to exactly 0 after rounding, so greys get Cb = Cr = 128.)
const FIX = 1 << 16;
const HALF = FIX >> 1;
const fx = (v: number): number => Math.round(v * FIX);
const YR = fx((0.299 * 219) / 255);
const YG = fx((0.587 * 219) / 255);
const YB = fx((0.114 * 219) / 255);
const UR = fx((-0.168736 * 224) / 255);
const UG = fx((-0.331264 * 224) / 255);
const UB = -UR - UG;
const VG = fx((-0.418688 * 224) / 255);
const VB = fx((-0.081312 * 224) / 255);
const VR = -VG - VB;
// Inverse: R = 255/219·(Y−16) + 1.402·255/224·(Cr−128), G = … − 0.344136·255/224·(Cb−128) − 0.714136·255/224·(Cr−128),
// B = … + 1.772·255/224·(Cb−128); rounded and clamped to 0..255.
const KY = fx(255 / 219);
const KRV = fx((1.402 * 255) / 224);
const KGU = fx((0.344136 * 255) / 224);
const KGV = fx((0.714136 * 255) / 224);
const KBU = fx((1.772 * 255) / 224);

function lumaOf(p: number): number {
  return ((YR * ((p >>> 16) & 255) + YG * ((p >>> 8) & 255) + YB * (p & 255) + HALF) >> 16) + 16;
}
/** Cb of one pixel. */
function cbOf(p: number): number {
  return (UR * ((p >>> 16) & 255) + UG * ((p >>> 8) & 255) + UB * (p & 255) + HALF + (128 << 16)) >> 16;
}
function crOf(p: number): number {
  return (VR * ((p >>> 16) & 255) + VG * ((p >>> 8) & 255) + VB * (p & 255) + HALF + (128 << 16)) >> 16;
}
/** Cb of the average of two pixels (from the channel sums, rounded once). */
function cbOf2(p: number, q: number): number {
  const r = ((p >>> 16) & 255) + ((q >>> 16) & 255);
  const g = ((p >>> 8) & 255) + ((q >>> 8) & 255);
  const b = (p & 255) + (q & 255);
  return (UR * r + UG * g + UB * b + FIX + (128 << 17)) >> 17;
}
function crOf2(p: number, q: number): number {
  const r = ((p >>> 16) & 255) + ((q >>> 16) & 255);
  const g = ((p >>> 8) & 255) + ((q >>> 8) & 255);
  const b = (p & 255) + (q & 255);
  return (VR * r + VG * g + VB * b + FIX + (128 << 17)) >> 17;
}

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** BT.601 limited-range Y, Cb, Cr → 0x00RRGGBB (the reference inverse used by readPixelXrgb). */
export function yuv601ToXrgb(y: number, cb: number, cr: number): number {
  const c = KY * (y - 16);
  const d = cb - 128;
  const e = cr - 128;
  const r = clamp8((c + KRV * e + HALF) >> 16);
  const g = clamp8((c - KGU * d - KGV * e + HALF) >> 16);
  const b = clamp8((c + KBU * d + HALF) >> 16);
  return (r << 16) | (g << 8) | b;
}

/** XRGB8888 → BT.601 limited-range [Y, Cb, Cr] of one pixel (what a lone or same-colour pixel gets). */
export function xrgbToYuv601(xrgb: number): [number, number, number] {
  return [lumaOf(xrgb), cbOf(xrgb), crOf(xrgb)];
}

// ---------------------------------------------------------------------------------------------------------
// Per-format encoders (built once per format)

/** How a source pixel becomes a stored element: the kernel `put` switches on this once per run. */
const K_COPY = 0; // already encoded (YUV macropixels from the scratch stage)
const K_MASK = 1; // XRGB8888: X byte cleared
const K_ALPHA = 2; // ARGB8888: A byte 0xFF
const K_SWAP = 3; // XBGR8888 / ABGR8888: R and B exchanged (+ A)
const K_565 = 4; // RGB565: channels truncated with shifts
const K_LUT = 5; // everything else (C8, 2101010): per-channel tables

interface Encoder {
  desc: FormatDescriptor;
  /** Bytes per pixel as the layout sees it (2 for packed YUV). */
  cpp: number;
  /** Bytes per stored element: cpp, or 4 for a YUV macropixel (two pixels). */
  elemBytes: 1 | 2 | 4;
  kind: number;
  /** K_LUT: per-channel tables already shifted into place (int32 so loads stay small integers). */
  lutR: Int32Array;
  lutG: Int32Array;
  lutB: Int32Array;
  /** Constant bits OR-ed into every element (alpha), as an int32. */
  orBits: number;
  /** YUV: bit shifts of Y0, U, Y1, V inside the little-endian macropixel word. */
  sy0: number;
  su: number;
  sy1: number;
  sv: number;
}

function channelTo(v8: number, bits: number): number {
  return bits >= 8 ? (v8 << (bits - 8)) | (v8 >> (16 - bits)) : v8 >> (8 - bits);
}

function channelFrom(raw: number, bits: number): number {
  return bits >= 8 ? raw >> (bits - 8) : (raw << (8 - bits)) | (raw >> (2 * bits - 8));
}

const encoders = new Map<number, Encoder>();

function encoderFor(code: number): Encoder {
  const cached = encoders.get(code >>> 0);
  if (cached !== undefined) return cached;
  const desc = formatDescriptor(code);
  if (desc === undefined) throw new RangeError(`surface format ${formatName(code)} (0x${(code >>> 0).toString(16)}) is not supported`);
  const enc: Encoder = {
    desc,
    cpp: desc.bytesPerPixel,
    elemBytes: desc.kind === "yuv422" ? 4 : desc.bytesPerPixel,
    kind: K_LUT,
    lutR: new Int32Array(256),
    lutG: new Int32Array(256),
    lutB: new Int32Array(256),
    orBits: 0,
    sy0: 0,
    su: 0,
    sy1: 0,
    sv: 0,
  };
  if (desc.kind === "indexed") {
    for (let v = 0; v < 256; v++) {
      enc.lutR[v] = Q3[v]! << 5;
      enc.lutG[v] = Q3[v]! << 2;
      enc.lutB[v] = Q2[v]!;
    }
  } else if (desc.kind === "rgb") {
    for (let v = 0; v < 256; v++) {
      enc.lutR[v] = channelTo(v, desc.r.bits) << desc.r.shift;
      enc.lutG[v] = channelTo(v, desc.g.bits) << desc.g.shift;
      enc.lutB[v] = channelTo(v, desc.b.bits) << desc.b.shift;
    }
    if (desc.a !== undefined) enc.orBits = ((1 << desc.a.bits) - 1) << desc.a.shift;
    if (desc.name === "XRGB8888") enc.kind = K_MASK;
    else if (desc.name === "ARGB8888") enc.kind = K_ALPHA;
    else if (desc.name === "XBGR8888" || desc.name === "ABGR8888") enc.kind = K_SWAP;
    else if (desc.name === "RGB565") enc.kind = K_565;
  } else {
    enc.kind = K_COPY;
    enc.sy0 = desc.y0 * 8;
    enc.su = desc.u * 8;
    enc.sy1 = desc.y1 * 8;
    enc.sv = desc.v * 8;
  }
  encoders.set(code >>> 0, enc);
  return enc;
}

// ---------------------------------------------------------------------------------------------------------
// Surface resolution and validation

interface Resolved {
  enc: Encoder;
  tiling: TilingName;
  layout: TiledLayout;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function resolve(surface: TiledSurface): Resolved {
  if (!HOST_LITTLE_ENDIAN) throw new Error("tiled-surface writes pixels as host words and needs a little-endian host");
  const enc = encoderFor(surface.drmFormat);
  const mod = modifierDescriptor(surface.modifier);
  if (mod === undefined) throw new RangeError(`surface modifier ${modifierName(surface.modifier)} is not a known layout`);
  // A YUV 4:2:2 row holds whole pairs: an odd width still needs its last pair's bytes inside the stride.
  const width = enc.desc.kind === "yuv422" ? surface.width + (surface.width & 1) : surface.width;
  const problem = checkTiledLayout({ tiling: mod.tiling, cpp: enc.cpp, strideBytes: surface.strideBytes, width, height: surface.height });
  if (problem !== undefined) {
    throw new RangeError(`${formatName(surface.drmFormat)} ${mod.name} surface ${surface.width}x${surface.height}: ${problem}`);
  }
  return { enc, tiling: mod.tiling, layout: tiledLayout(mod.tiling, enc.cpp) };
}

function checkPage(page: Uint8Array, index: number): void {
  if (page.length !== PAGE_SIZE) throw new RangeError(`surface page ${index} is ${page.length} bytes, expected ${PAGE_SIZE}`);
}

/** Byte offset of byte column xb of row y (no checks: callers stay inside the validated surface). */
function offsetOf(l: TiledLayout, stride: number, xb: number, y: number): number {
  if (l.tiling === "linear") return y * stride + xb;
  const tileRow = Math.floor(y / l.heightRows);
  const tileCol = Math.floor(xb / l.widthBytes);
  return (tileRow * (stride / l.widthBytes) + tileCol) * l.sizeBytes + l.xOffset[xb - tileCol * l.widthBytes]! + l.yOffset[y - tileRow * l.heightRows]!;
}

function checkInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${name} ${v} is not an integer`);
}

// ---------------------------------------------------------------------------------------------------------
// Buffers reused across calls: the YUV scratch band and a bounce page for pages not aligned to the element size

let scratch = new Int32Array(16 * 1024);

function ensureScratch(elems: number): Int32Array {
  if (elems > scratch.length) scratch = new Int32Array(Math.max(elems, scratch.length * 2));
  return scratch;
}

const bounce8 = new Uint8Array(PAGE_SIZE);
const bounce16 = new Uint16Array(bounce8.buffer);
const bounce32 = new Int32Array(bounce8.buffer);

type ElemView = Uint8Array | Uint16Array | Int32Array;

/** A view of a page by element size, or undefined when the page's offset is not aligned to it. */
function pageView(page: Uint8Array, elemBytes: 1 | 2 | 4): ElemView | undefined {
  if (elemBytes === 1) return page;
  if ((page.byteOffset & (elemBytes - 1)) !== 0) return undefined;
  return elemBytes === 4 ? new Int32Array(page.buffer, page.byteOffset, PAGE_SIZE >> 2) : new Uint16Array(page.buffer, page.byteOffset, PAGE_SIZE >> 1);
}

// ---------------------------------------------------------------------------------------------------------
// The write engine

/**
 * A clipped write: destination [x0, x1) × [y0, y1). Elements are taken from `src` at `srcBase + (y − y0) ·
 * srcStride + (byte column − ex0) / elemBytes`; for YUV that is the scratch band (re-based per band), otherwise
 * the source image itself, converted on the fly.
 */
interface Job {
  surface: TiledSurface;
  r: Resolved;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** The source image as int32 (so loads of 0xFFxxxxxx stay integers), and where pixel (x0, y0) is. */
  img: Int32Array;
  imgBase: number;
  imgStride: number;
  /** Element span (bytes) actually stored: the rect, widened to whole pairs for YUV. */
  ex0: number;
  ex1: number;
  /** Byte span of the rect itself (for counting). */
  rx0: number;
  rx1: number;
  written: number;
  skipped: number;
}

/**
 * The one kernel: store the elements for byte columns [c0, c1) of one tile row (or one linear segment), taking
 * them from src[s…] converted per the encoder. `xo` maps a byte column to its offset inside the page and is
 * consulted once per contiguous run (runMask + 1 bytes); `rowOff` is the row's offset inside the page.
 */
function putRow(
  enc: Encoder,
  view: ElemView,
  rowOff: number,
  xo: Int32Array | undefined,
  c0: number,
  c1: number,
  runMask: number,
  shift: number,
  src: Int32Array,
  s: number,
): void {
  const kind = enc.kind;
  const or = enc.orBits;
  const lr = enc.lutR;
  const lg = enc.lutG;
  const lb = enc.lutB;
  for (let c = c0; c < c1; ) {
    const runEnd = Math.min(c1, (c | runMask) + 1);
    const n = (runEnd - c) >> shift;
    const d = (rowOff + (xo === undefined ? c : xo[c]!)) >> shift;
    switch (kind) {
      case K_COPY:
        for (let k = 0; k < n; k++) view[d + k] = src[s + k]!;
        break;
      case K_MASK:
        for (let k = 0; k < n; k++) view[d + k] = src[s + k]! & 0xffffff;
        break;
      case K_ALPHA:
        for (let k = 0; k < n; k++) view[d + k] = src[s + k]! | -0x1000000;
        break;
      case K_SWAP:
        for (let k = 0; k < n; k++) {
          const p = src[s + k]!;
          view[d + k] = ((p & 0xff) << 16) | (p & 0xff00) | ((p >> 16) & 0xff) | or;
        }
        break;
      case K_565:
        for (let k = 0; k < n; k++) {
          const p = src[s + k]!;
          view[d + k] = ((p >> 8) & 0xf800) | ((p >> 5) & 0x07e0) | ((p >> 3) & 0x001f);
        }
        break;
      default:
        for (let k = 0; k < n; k++) {
          const p = src[s + k]!;
          view[d + k] = lr[(p >> 16) & 0xff]! | lg[(p >> 8) & 0xff]! | lb[p & 0xff]! | or;
        }
    }
    s += n;
    c = runEnd;
  }
}

/**
 * putRow into a page: through the aligned view, or for a page whose offset is not aligned to the element size,
 * run by run through a bounce buffer (slow, correct; real guest pages are always aligned).
 */
function putPageRow(
  enc: Encoder,
  view: ElemView | undefined,
  page: Uint8Array,
  rowOff: number,
  xo: Int32Array | undefined,
  c0: number,
  c1: number,
  runMask: number,
  shift: number,
  src: Int32Array,
  s: number,
): void {
  if (view !== undefined) {
    putRow(enc, view, rowOff, xo, c0, c1, runMask, shift, src, s);
    return;
  }
  const bounce = shift === 2 ? bounce32 : shift === 1 ? bounce16 : bounce8;
  for (let c = c0; c < c1; ) {
    const runEnd = Math.min(c1, (c | runMask) + 1);
    putRow(enc, bounce, 0, undefined, 0, runEnd - c, PAGE_SIZE - 1, shift, src, s);
    page.set(bounce8.subarray(0, runEnd - c), rowOff + (xo === undefined ? c : xo[c]!));
    s += (runEnd - c) >> shift;
    c = runEnd;
  }
}

/** YUV stage 1: encode rows [ya, yb) into scratch macropixels, row r at r · rowElems. */
function encodeYuvRows(job: Job, ya: number, yb: number, rowElems: number, out: Int32Array): void {
  const enc = job.r.enc;
  const src = job.img;
  const { sy0, su, sy1, sv } = enc;
  const x0 = job.x0;
  const x1 = job.x1;
  for (let y = ya; y < yb; y++) {
    const s0 = job.imgBase + (y - job.y0) * job.imgStride; // source of pixel x0
    let d = (y - ya) * rowElems;
    let x = x0 & ~1;
    if (x0 & 1) {
      // Lone right pixel of its pair: keep the partner's Y, chroma from the new pixel.
      const p = src[s0]!;
      const keep = existingYuvByte(job, x, y, sy0);
      out[d++] = (keep << sy0) | (cbOf(p) << su) | (lumaOf(p) << sy1) | (crOf(p) << sv);
      x += 2;
    }
    for (; x + 1 < x1; x += 2) {
      const p = src[s0 + x - x0]!;
      const q = src[s0 + x + 1 - x0]!;
      out[d++] = (lumaOf(p) << sy0) | (cbOf2(p, q) << su) | (lumaOf(q) << sy1) | (crOf2(p, q) << sv);
    }
    if (x < x1) {
      // Lone left pixel of its pair: keep the partner's Y.
      const p = src[s0 + x - x0]!;
      const keep = existingYuvByte(job, x, y, sy1);
      out[d++] = (lumaOf(p) << sy0) | (cbOf(p) << su) | (keep << sy1) | (crOf(p) << sv);
    }
  }
}

/** The byte at bit shift `shift` of the macropixel holding pair (x, x + 1) of row y, or 0 if its page is missing. */
function existingYuvByte(job: Job, x: number, y: number, shift: number): number {
  const off = offsetOf(job.r.layout, job.surface.strideBytes, x * 2, y) + (shift >> 3);
  const index = Math.floor(off / PAGE_SIZE);
  const page = job.surface.page(index);
  if (page === undefined) return 0;
  checkPage(page, index);
  return page[off - index * PAGE_SIZE]!;
}

/** Pixels of the rect within byte columns [c0, c1). */
function rectPixels(job: Job, c0: number, c1: number): number {
  const a = Math.max(c0, job.rx0);
  const b = Math.min(c1, job.rx1);
  return b > a ? (b - a) / job.r.enc.cpp : 0;
}

function runTiled(job: Job): void {
  const { layout: l, enc } = job.r;
  const E = enc.elemBytes;
  const shift = E === 4 ? 2 : E === 2 ? 1 : 0;
  const W = l.widthBytes;
  const H = l.heightRows;
  const runMask = l.runBytes - 1;
  const xo = l.xOffset;
  const yo = l.yOffset;
  const tilesPerRow = job.surface.strideBytes / W;
  const yuv = enc.kind === K_COPY;
  const rowElems = (job.ex1 - job.ex0) >> shift;
  const src = yuv ? ensureScratch(rowElems * H) : job.img;
  const tc0 = Math.floor(job.ex0 / W);
  const tc1 = Math.floor((job.ex1 - 1) / W);
  for (let band = Math.floor(job.y0 / H); band * H < job.y1; band++) {
    const bandY = band * H;
    const ya = Math.max(job.y0, bandY);
    const yb = Math.min(job.y1, bandY + H);
    // Element index of (ex0, ya) and the step between rows.
    let base: number;
    let step: number;
    if (yuv) {
      encodeYuvRows(job, ya, yb, rowElems, src);
      base = 0;
      step = rowElems;
    } else {
      base = job.imgBase + (ya - job.y0) * job.imgStride;
      step = job.imgStride;
    }
    for (let tc = tc0; tc <= tc1; tc++) {
      const tileX = tc * W;
      const c0 = Math.max(job.ex0, tileX) - tileX;
      const c1 = Math.min(job.ex1, tileX + W) - tileX;
      const pixels = rectPixels(job, tileX + c0, tileX + c1) * (yb - ya);
      const index = band * tilesPerRow + tc;
      const page = job.surface.page(index);
      if (page === undefined) {
        job.skipped += pixels;
        continue;
      }
      checkPage(page, index);
      const view = pageView(page, E);
      const col = (tileX + c0 - job.ex0) >> shift;
      for (let y = ya; y < yb; y++) {
        putPageRow(enc, view, page, yo[y - bandY]!, xo, c0, c1, runMask, shift, src, base + (y - ya) * step + col);
      }
      job.written += pixels;
    }
  }
}

function runLinear(job: Job): void {
  const enc = job.r.enc;
  const E = enc.elemBytes;
  const shift = E === 4 ? 2 : E === 2 ? 1 : 0;
  const stride = job.surface.strideBytes;
  const yuv = enc.kind === K_COPY;
  const rowElems = (job.ex1 - job.ex0) >> shift;
  const src = yuv ? ensureScratch(rowElems) : job.img;
  for (let y = job.y0; y < job.y1; y++) {
    let s: number;
    if (yuv) {
      encodeYuvRows(job, y, y + 1, rowElems, src);
      s = 0;
    } else {
      s = job.imgBase + (y - job.y0) * job.imgStride;
    }
    const rowStart = y * stride;
    for (let c = job.ex0; c < job.ex1; ) {
      const abs = rowStart + c;
      const index = Math.floor(abs / PAGE_SIZE);
      const pageStart = index * PAGE_SIZE;
      const segEnd = Math.min(job.ex1, pageStart + PAGE_SIZE - rowStart);
      const n = (segEnd - c) >> shift;
      const pixels = rectPixels(job, c, segEnd);
      const page = job.surface.page(index);
      if (page === undefined) {
        job.skipped += pixels;
      } else {
        checkPage(page, index);
        // A linear segment is one contiguous run inside the page.
        putPageRow(enc, pageView(page, E), page, 0, undefined, abs - pageStart, rowStart + segEnd - pageStart, PAGE_SIZE - 1, shift, src, s);
        job.written += pixels;
      }
      s += n;
      c = segEnd;
    }
  }
}

function run(
  surface: TiledSurface,
  r: Resolved,
  img: Int32Array,
  imgStride: number,
  srcX: number,
  srcY: number,
  dstX: number,
  dstY: number,
  w: number,
  h: number,
): WriteResult {
  const x0 = Math.max(dstX, 0);
  const y0 = Math.max(dstY, 0);
  const x1 = Math.min(dstX + w, surface.width);
  const y1 = Math.min(dstY + h, surface.height);
  if (x0 >= x1 || y0 >= y1) return { written: 0, skipped: 0, clipped: w * h };
  const cpp = r.enc.cpp;
  const yuv = r.enc.desc.kind === "yuv422";
  const job: Job = {
    surface,
    r,
    x0,
    x1,
    y0,
    y1,
    img,
    imgBase: (srcY + (y0 - dstY)) * imgStride + srcX + (x0 - dstX),
    imgStride,
    ex0: yuv ? (x0 & ~1) * 2 : x0 * cpp,
    ex1: yuv ? (x1 + (x1 & 1)) * 2 : x1 * cpp,
    rx0: x0 * cpp,
    rx1: x1 * cpp,
    written: 0,
    skipped: 0,
  };
  if (r.tiling === "linear") runLinear(job);
  else runTiled(job);
  return { written: job.written, skipped: job.skipped, clipped: w * h - (x1 - x0) * (y1 - y0) };
}

// ---------------------------------------------------------------------------------------------------------
// Public API

/**
 * Write `srcRect` of `image` (default: all of it) with its top-left corner at (dstX, dstY) of the surface,
 * converting to the surface's format and placing bytes per its modifier. The destination is clipped to the
 * surface (dstX/dstY may be negative); pixels in missing pages are skipped. Throws a RangeError for a surface
 * this module cannot lay out (unknown format or modifier, bad stride), a srcRect outside the image, or
 * non-integer coordinates.
 */
export function writeImage(surface: TiledSurface, image: LinearImage, dstX: number, dstY: number, srcRect?: Rect): WriteResult {
  const r = resolve(surface);
  checkInt("dstX", dstX);
  checkInt("dstY", dstY);
  const { width: iw, height: ih, stridePixels } = image;
  if (!Number.isSafeInteger(iw) || !Number.isSafeInteger(ih) || iw < 0 || ih < 0 || !Number.isSafeInteger(stridePixels) || stridePixels < iw) {
    throw new RangeError(`image ${iw}x${ih} with stride ${stridePixels} pixels is malformed`);
  }
  if (ih > 0 && image.pixels.length < (ih - 1) * stridePixels + iw) {
    throw new RangeError(`image ${iw}x${ih} (stride ${stridePixels}) needs ${(ih - 1) * stridePixels + iw} pixels, has ${image.pixels.length}`);
  }
  const rect = srcRect ?? { x: 0, y: 0, width: iw, height: ih };
  for (const k of ["x", "y", "width", "height"] as const) checkInt(`srcRect.${k}`, rect[k]);
  if (rect.width < 0 || rect.height < 0 || rect.x < 0 || rect.y < 0 || rect.x + rect.width > iw || rect.y + rect.height > ih) {
    throw new RangeError(`srcRect ${rect.width}x${rect.height}+${rect.x}+${rect.y} is not inside the ${iw}x${ih} image`);
  }
  const px = image.pixels;
  const img = new Int32Array(px.buffer, px.byteOffset, px.length);
  return run(surface, r, img, stridePixels, rect.x, rect.y, dstX, dstY, rect.width, rect.height);
}

/** Fill a rectangle (clipped to the surface) with one XRGB8888 colour. */
export function fillRect(surface: TiledSurface, x: number, y: number, w: number, h: number, xrgb: number): WriteResult {
  const r = resolve(surface);
  checkInt("x", x);
  checkInt("y", y);
  checkInt("width", w);
  checkInt("height", h);
  if (w < 0 || h < 0) throw new RangeError(`fill rectangle ${w}x${h} has a negative size`);
  // One source row of the clipped width, read again for every row (source stride 0).
  const x0 = Math.max(x, 0);
  const cw = Math.max(0, Math.min(x + w, surface.width) - x0);
  const row = new Int32Array(Math.max(cw, 1)).fill(xrgb | 0);
  const res = run(surface, r, row, 0, 0, 0, x0, y, cw, h);
  return { ...res, clipped: w * h - res.written - res.skipped };
}

/**
 * The reference reader: pixel (x, y) as 0x00RRGGBB, decoded from the surface's format (C8 through C8_PALETTE,
 * YUV through the BT.601 inverse, 565 by bit replication, 2101010 by dropping the two low bits; alpha dropped).
 * Undefined when (x, y) is outside the surface or its page is missing.
 */
export function readPixelXrgb(surface: TiledSurface, x: number, y: number): number | undefined {
  const r = resolve(surface);
  if (!Number.isSafeInteger(x) || !Number.isSafeInteger(y) || x < 0 || y < 0 || x >= surface.width || y >= surface.height) return undefined;
  const desc = r.enc.desc;
  const xb = desc.kind === "yuv422" ? (x & ~1) * 2 : x * desc.bytesPerPixel;
  const off = offsetOf(r.layout, surface.strideBytes, xb, y);
  const index = Math.floor(off / PAGE_SIZE);
  const page = surface.page(index);
  if (page === undefined) return undefined;
  checkPage(page, index);
  const o = off - index * PAGE_SIZE;
  switch (desc.kind) {
    case "indexed":
      return C8_PALETTE[page[o]!]!;
    case "rgb": {
      const v = desc.bytesPerPixel === 2 ? page[o]! | (page[o + 1]! << 8) : (page[o]! | (page[o + 1]! << 8) | (page[o + 2]! << 16) | (page[o + 3]! << 24)) >>> 0;
      const ch = (c: { shift: number; bits: number }): number => channelFrom((v >>> c.shift) & ((1 << c.bits) - 1), c.bits);
      return (ch(desc.r) << 16) | (ch(desc.g) << 8) | ch(desc.b);
    }
    case "yuv422": {
      const luma = page[o + ((x & 1) === 0 ? desc.y0 : desc.y1)]!;
      return yuv601ToXrgb(luma, page[o + desc.u]!, page[o + desc.v]!);
    }
  }
}

/** Pages a surface's layout spans: ceil(stride × roundup(height, tile rows) / 4096). */
export function surfacePageCount(surface: TiledSurface): number {
  const r = resolve(surface);
  return Math.ceil(surfaceExtentBytes(r.tiling, r.enc.cpp, surface.strideBytes, surface.height) / PAGE_SIZE);
}
