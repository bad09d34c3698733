/**
 * PNG for the replay workload and for screenshots, with node:zlib and no dependency: decode every standard
 * PNG (grey, RGB, palette, grey+alpha, RGBA; depths 1–16; Adam7 interlacing) into XRGB8888 (alpha and tRNS are dropped), and
 * encode an XRGB8888 image as 8-bit RGB. Chunk CRCs are checked; anything malformed is a PngError.
 */
import { deflateSync, inflateSync } from "node:zlib";
import type { LinearImage } from "../guest-display.ts";

export class PngError extends Error {
  override readonly name = "PngError";
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const MAX_PIXELS = 1 << 26;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace: number;
}

/** Decode a PNG into an XRGB8888 image (alpha is dropped: the pixels are opaque). */
export function decodePng(data: Uint8Array, name = "png"): LinearImage {
  for (let i = 0; i < 8; i++) if (data[i] !== SIGNATURE[i]) throw new PngError(`${name}: not a PNG (bad signature)`);
  let p = 8;
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (p < data.length && !ended) {
    if (p + 12 > data.length) throw new PngError(`${name}: truncated chunk at byte ${p}`);
    const len = u32(data, p);
    const type = String.fromCharCode(data[p + 4]!, data[p + 5]!, data[p + 6]!, data[p + 7]!);
    if (len > 0x7fffffff || p + 12 + len > data.length) throw new PngError(`${name}: chunk ${type} overruns the file`);
    const body = data.subarray(p + 8, p + 8 + len);
    if (crc32(data.subarray(p + 4, p + 8 + len)) !== u32(data, p + 8 + len)) throw new PngError(`${name}: CRC mismatch in ${type}`);
    p += 12 + len;
    switch (type) {
      case "IHDR": {
        if (len !== 13) throw new PngError(`${name}: IHDR of ${len} bytes`);
        header = { width: u32(body, 0), height: u32(body, 4), depth: body[8]!, colorType: body[9]!, interlace: body[12]! };
        if (body[10] !== 0 || body[11] !== 0) throw new PngError(`${name}: unknown compression or filter method`);
        break;
      }
      case "PLTE":
        palette = body;
        break;
      case "IDAT":
        idat.push(body);
        break;
      case "IEND":
        ended = true;
        break;
      default:
        if (!(type.charCodeAt(0) & 0x20)) throw new PngError(`${name}: unknown critical chunk ${type}`);
    }
  }
  if (!header) throw new PngError(`${name}: no IHDR`);
  const { width, height, depth, colorType, interlace } = header;
  const channels = CHANNELS[colorType];
  if (channels === undefined || !DEPTHS[colorType]!.includes(depth)) throw new PngError(`${name}: colour type ${colorType} at depth ${depth}`);
  if (width === 0 || height === 0 || width * height > MAX_PIXELS) throw new PngError(`${name}: size ${width}x${height}`);
  if (interlace > 1) throw new PngError(`${name}: interlace method ${interlace}`);
  if (colorType === 3 && (!palette || palette.length % 3 !== 0)) throw new PngError(`${name}: palette image without a valid PLTE`);
  if (idat.length === 0) throw new PngError(`${name}: no image data`);
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
  } catch (e) {
    throw new PngError(`${name}: bad zlib data (${(e as Error).message})`);
  }
  const out = new Uint32Array(width * height);
  const bitsPerPixel = channels * depth;
  const filterUnit = Math.max(1, bitsPerPixel >> 3);
  const passes =
    interlace === 1
      ? [
          [0, 0, 8, 8],
          [4, 0, 8, 8],
          [0, 4, 4, 8],
          [2, 0, 4, 4],
          [0, 2, 2, 4],
          [1, 0, 2, 2],
          [0, 1, 1, 2],
        ]
      : [[0, 0, 1, 1]];
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes as Array<[number, number, number, number]>) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * bitsPerPixel) / 8);
    const need = ph * (rowBytes + 1);
    if (offset + need > raw.length) throw new PngError(`${name}: image data too short`);
    let prev = new Uint8Array(rowBytes);
    let cur = new Uint8Array(rowBytes);
    for (let y = 0; y < ph; y++) {
      const filter = raw[offset]!;
      cur.set(raw.subarray(offset + 1, offset + 1 + rowBytes));
      offset += rowBytes + 1;
      unfilter(filter, cur, prev, filterUnit, name);
      const outRow = (y0 + y * dy) * width;
      for (let x = 0; x < pw; x++) {
        out[outRow + x0 + x * dx] = pixelAt(cur, x, colorType, depth, palette);
      }
      const t = prev;
      prev = cur;
      cur = t;
    }
  }
  return { width, height, stridePixels: width, pixels: out };
}

function unfilter(filter: number, cur: Uint8Array, prev: Uint8Array, bpp: number, name: string): void {
  const n = cur.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) cur[i] = (cur[i]! + cur[i - bpp]!) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) cur[i] = (cur[i]! + prev[i]!) & 0xff;
      return;
    case 3:
      for (let i = 0; i < n; i++) cur[i] = (cur[i]! + (((i >= bpp ? cur[i - bpp]! : 0) + prev[i]!) >> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? cur[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        cur[i] = (cur[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new PngError(`${name}: unknown row filter ${filter}`);
  }
}

/** Sample `index` (of `depth` bits) from a row. */
function sample(row: Uint8Array, index: number, depth: number): number {
  if (depth === 8) return row[index]!;
  if (depth === 16) return row[index * 2]!; // the high byte
  const bit = index * depth;
  return (row[bit >> 3]! >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

function pixelAt(row: Uint8Array, x: number, colorType: number, depth: number, palette: Uint8Array | undefined): number {
  switch (colorType) {
    case 0: {
      const v = sample(row, x, depth);
      const g = depth >= 8 ? v : Math.round((v * 255) / ((1 << depth) - 1));
      return (g << 16) | (g << 8) | g;
    }
    case 2:
      return (sample(row, x * 3, depth) << 16) | (sample(row, x * 3 + 1, depth) << 8) | sample(row, x * 3 + 2, depth);
    case 3: {
      const i = sample(row, x, depth) * 3;
      if (!palette || i + 2 >= palette.length) return 0;
      return (palette[i]! << 16) | (palette[i + 1]! << 8) | palette[i + 2]!;
    }
    case 4: {
      const g = sample(row, x * 2, depth);
      return (g << 16) | (g << 8) | g;
    }
    default:
      return (sample(row, x * 4, depth) << 16) | (sample(row, x * 4 + 1, depth) << 8) | sample(row, x * 4 + 2, depth);
  }
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Encode an XRGB8888 image as an 8-bit RGB PNG. */
export function encodePng(img: LinearImage): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, img.width);
  dv.setUint32(4, img.height);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = new Uint8Array(img.height * (1 + img.width * 3));
  let o = 0;
  for (let y = 0; y < img.height; y++) {
    raw[o++] = 0;
    const row = y * img.stridePixels;
    for (let x = 0; x < img.width; x++) {
      const v = img.pixels[row + x]!;
      raw[o++] = (v >>> 16) & 0xff;
      raw[o++] = (v >>> 8) & 0xff;
      raw[o++] = v & 0xff;
    }
  }
  return Buffer.concat([
    Uint8Array.from(SIGNATURE),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
