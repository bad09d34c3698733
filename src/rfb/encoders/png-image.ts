/**
 * PNG files of surface rectangles for TightPNG (control 1010). Rectangles with at most 256 colours are
 * written here as indexed PNG (bit depth 1, 2, 4 or 8 by palette size; rows unfiltered; zlib from
 * node:zlib): exact, and much smaller than RGB. sharp's own palette mode quantises through libimagequant
 * and does not keep colours exactly, so it is not used. Full-colour rectangles go through sharp (libpng
 * with zlib-ng), 8-bit RGB, no adaptive filtering (cheap).
 *
 * Both read the surface (or the caller's palette scratch) synchronously; only compression runs later.
 */
import * as zlib from "node:zlib";
import sharp from "sharp";
import { deflateComplete } from "./tight-deflate.ts";
import { snapshotRgb } from "./jpeg.ts";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** node:zlib's crc32 where the runtime has it (Node ≥ 20.15), else a table. */
const crc32: (b: Uint8Array) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === "function"
    ? (b) => (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(b)
    : (b) => {
        let c = 0xffffffff;
        for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
        return ~c >>> 0;
      };

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, "latin1");
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** PNG bit depth for a palette of n colours. */
export function paletteBitDepth(n: number): 1 | 2 | 4 | 8 {
  return n <= 2 ? 1 : n <= 4 ? 2 : n <= 16 ? 4 : 8;
}

/**
 * An indexed PNG of w×h pixels: `indices` (packed rows, one byte each) into `colours` (0x00RRGGBB, n ≤ 256).
 * Copies what it needs before returning, so the caller may reuse both arrays at once.
 */
export function encodePalettePng(colours: Uint32Array, n: number, indices: Uint8Array, w: number, h: number, level: number): Buffer | Promise<Buffer> {
  if (n < 1 || n > 256) throw new RangeError(`palette PNG with ${n} colours`);
  const depth = paletteBitDepth(n);
  const perByte = 8 / depth;
  const rowBytes = 1 + Math.ceil(w / perByte);
  const raw = new Uint8Array(rowBytes * h); // filter byte 0 (none) starts each row
  let i = 0;
  for (let row = 0; row < h; row++) {
    const base = row * rowBytes + 1;
    if (depth === 8) {
      raw.set(indices.subarray(i, i + w), base);
      i += w;
    } else {
      for (let col = 0; col < w; col++) raw[base + Math.floor(col / perByte)]! |= indices[i++]! << (8 - depth * ((col % perByte) + 1));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = 3; // indexed colour
  const plte = new Uint8Array(n * 3);
  for (let k = 0; k < n; k++) {
    const c = colours[k]!;
    plte[k * 3] = c >>> 16;
    plte[k * 3 + 1] = c >>> 8;
    plte[k * 3 + 2] = c;
  }
  const head = Buffer.concat([Buffer.from(SIGNATURE), chunk("IHDR", ihdr), chunk("PLTE", plte)]);
  const assemble = (idat: Uint8Array) => Buffer.concat([head, chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))]);
  const z = deflateComplete(raw, level);
  return z instanceof Promise ? z.then(assemble) : assemble(z);
}

/** An 8-bit RGB PNG of the rect through sharp; reads the surface now. */
export function encodeRgbPng(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number, level: number): Promise<Buffer> {
  const rgb = snapshotRgb(pixels, stride, x, y, w, h);
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png({ compressionLevel: level, adaptiveFiltering: false, palette: false }).toBuffer();
}
