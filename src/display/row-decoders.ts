/**
 * Row decoders: one line of a guest plane in its DRM format → XRGB8888 (0x00RRGGBB, bytes B,G,R,X), the
 * Console's one pixel format. XRGB8888 is what most guest framebuffers already are and what TigerVNC's
 * default pixel format is, so the common case needs no conversion at all (the consumer compares source rows
 * directly); every other format goes through a decoder into a line buffer first.
 *
 * Conventions for what the ABI leaves open:
 * - C8: the ABI carries no palette, so an index is shown with the fixed RGB 3-3-2 palette of
 *   src/abi/c8-palette.ts that our guests program; a guest with another palette shows false colours.
 * - 10-bit channels keep their top 8 bits; 5/6-bit channels are widened by bit replication.
 * - YUV 4:2:2 uses BT.601 limited range (Y 16–235, Cb/Cr 16–240); each pair of pixels shares one chroma.
 * - Alpha of the primary plane is ignored (scanout is opaque); the X byte of the output is 0.
 */
import { C8_PALETTE, DrmFormat, formatDescriptor } from "../abi/index.ts";

/** Decode `width` pixels starting at byte `offset` of `src` into `out[0..width)`. */
export type RowDecoder = (src: Uint8Array, offset: number, width: number, out: Uint32Array) => void;

function decodeXrgb8888(src: Uint8Array, offset: number, width: number, out: Uint32Array): void {
  for (let x = 0, i = offset; x < width; x++, i += 4) out[x] = src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16);
}

function decodeXbgr8888(src: Uint8Array, offset: number, width: number, out: Uint32Array): void {
  for (let x = 0, i = offset; x < width; x++, i += 4) out[x] = src[i + 2]! | (src[i + 1]! << 8) | (src[i]! << 16);
}

function decodeRgb565(src: Uint8Array, offset: number, width: number, out: Uint32Array): void {
  for (let x = 0, i = offset; x < width; x++, i += 2) {
    const v = src[i]! | (src[i + 1]! << 8);
    const r = (v >> 11) & 0x1f;
    const g = (v >> 5) & 0x3f;
    const b = v & 0x1f;
    out[x] = (((r << 3) | (r >> 2)) << 16) | (((g << 2) | (g >> 4)) << 8) | ((b << 3) | (b >> 2));
  }
}

function decodeXrgb2101010(src: Uint8Array, offset: number, width: number, out: Uint32Array): void {
  for (let x = 0, i = offset; x < width; x++, i += 4) {
    const v = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
    out[x] = (((v >>> 22) & 0xff) << 16) | (((v >>> 12) & 0xff) << 8) | ((v >>> 2) & 0xff);
  }
}

function decodeXbgr2101010(src: Uint8Array, offset: number, width: number, out: Uint32Array): void {
  for (let x = 0, i = offset; x < width; x++, i += 4) {
    const v = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
    out[x] = (((v >>> 2) & 0xff) << 16) | (((v >>> 12) & 0xff) << 8) | ((v >>> 22) & 0xff);
  }
}

function decodeC8(src: Uint8Array, offset: number, width: number, out: Uint32Array): void {
  for (let x = 0; x < width; x++) out[x] = C8_PALETTE[src[offset + x]!]!;
}

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** BT.601 limited range, fixed point (×1024): one pixel from Y, Cb, Cr. */
function yuvToXrgb(y: number, cb: number, cr: number): number {
  const c = (y - 16) * 1192; // 1.164
  const d = cb - 128;
  const e = cr - 128;
  const r = clamp8((c + 1634 * e + 512) >> 10); // 1.596
  const g = clamp8((c - 401 * d - 833 * e + 512) >> 10); // 0.392, 0.813
  const b = clamp8((c + 2066 * d + 512) >> 10); // 2.017
  return (r << 16) | (g << 8) | b;
}

function yuv422Decoder(y0: number, u: number, y1: number, v: number): RowDecoder {
  return (src, offset, width, out) => {
    for (let x = 0, i = offset; x < width; x += 2, i += 4) {
      const cb = src[i + u]!;
      const cr = src[i + v]!;
      out[x] = yuvToXrgb(src[i + y0]!, cb, cr);
      if (x + 1 < width) out[x + 1] = yuvToXrgb(src[i + y1]!, cb, cr);
    }
  };
}

const decoders = new Map<number, RowDecoder>([
  [DrmFormat.XRGB8888, decodeXrgb8888],
  [DrmFormat.ARGB8888, decodeXrgb8888],
  [DrmFormat.XBGR8888, decodeXbgr8888],
  [DrmFormat.ABGR8888, decodeXbgr8888],
  [DrmFormat.RGB565, decodeRgb565],
  [DrmFormat.XRGB2101010, decodeXrgb2101010],
  [DrmFormat.ARGB2101010, decodeXrgb2101010],
  [DrmFormat.XBGR2101010, decodeXbgr2101010],
  [DrmFormat.ABGR2101010, decodeXbgr2101010],
  [DrmFormat.C8, decodeC8],
]);
for (const code of [DrmFormat.YUYV, DrmFormat.YVYU, DrmFormat.UYVY, DrmFormat.VYUY]) {
  const d = formatDescriptor(code);
  if (d?.kind === "yuv422") decoders.set(code, yuv422Decoder(d.y0, d.u, d.y1, d.v));
}

/** The decoder for a DRM format, or undefined for a format the Console cannot show. */
export function rowDecoder(drmFormat: number): RowDecoder | undefined {
  return decoders.get(drmFormat >>> 0);
}

/** Formats whose rows are already XRGB8888 in memory: compared and copied without decoding. */
export function isNativeFormat(drmFormat: number): boolean {
  return drmFormat === DrmFormat.XRGB8888 || drmFormat === DrmFormat.ARGB8888;
}

/** Bytes per pixel of a format the decoders know (YUV 4:2:2: 2). */
export function bytesPerPixel(drmFormat: number): number {
  return formatDescriptor(drmFormat)?.bytesPerPixel ?? 0;
}

export { yuvToXrgb };
