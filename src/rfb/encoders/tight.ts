/**
 * Tight (encoding 7), server side. How a damaged rectangle is sent, after TigerVNC's EncodeManager:
 *
 * 1. Solid areas first (tight-layout.ts): 16×16 blocks of one colour grown into the largest solid
 *    rectangle (≥ 2048 px) go out as Fill (control 0x80 + one TPIXEL: 16 bytes with the header). The rest
 *    is split into sub-rectangles ≤ 2048 px wide and ≤ 65,536 px in area.
 * 2. Each sub-rectangle's colours are counted up to a limit (tight-analysis.ts). The limit, as TigerVNC:
 *    area / (8 × compression level), the divisor at least 4 (level −1 counts as 2); when JPEG is allowed
 *    it is 24 at levels 0–1 and 96 otherwise (a palette beats JPEG on few colours); always 2…256.
 *    - 1 colour → Fill.
 *    - 2 colours → mono: palette filter with 2 entries, 1 bit per pixel, rows padded to a byte, MSB first.
 *    - up to the limit → palette filter, one index byte per pixel.
 *    - more → JPEG (control 0x90, compact length, baseline JFIF) when the client allows lossy and its
 *      format is 16 or 32 bpp, one JPEG for sub-rectangles stacked in a column (jpeg-bands.ts); else
 *      the gradient filter when TPIXELs are R, G, B bytes (each channel less left + above − above-left,
 *      as TightVNC did for smooth images): on full-motion video a quarter fewer bytes than the copy
 *      filter and a quarter less deflate time (docs/vnc.md has the figures); else the copy filter,
 *      TPIXELs through zlib.
 * 3. Basic data under 12 bytes is sent as is; otherwise compact length + zlib. Streams as TightVNC:
 *    0 full colour, 1 mono, 2 indexed, 3 gradient. Each rect's zlib data stands alone and no reset bit is
 *    ever set, so one encoding serves every client; the sender splices the zlib header into a client's
 *    first rect on a stream and compresses small updates again with the client's history (tight-deflate.ts,
 *    encoder.ts). zlib levels per compression level come from TigerVNC's table.
 *
 * Not done (TigerVNC neither): the gradient filter for TPIXELs that are whole pixels (16 and 8 bpp
 * clients get the copy filter), and "Tight without zlib" (−317), which the session does not track.
 */
import { Encoding } from "../encodings.ts";
import { outputBuffer, type OutputBuffers } from "../output-pool.ts";
import type { PixelTranslator } from "../pixel-translator.ts";
import { RECT_HEADER_BYTES, TIGHT_ZLIB_STREAMS, writeRectHeader, type EncodeContext, type EncodedRect, type RectEncoder } from "./encoder.ts";
import { encodeJpeg } from "./jpeg.ts";
import { joinJpegBands } from "./jpeg-bands.ts";
import { analyseColours, MAX_PALETTE, sharedPaletteScratch } from "./tight-analysis.ts";
import { compactLengthBytes, writeCompactLength } from "./tight-compact-length.ts";
import { keptZlibInput } from "./deflate-rect.ts";
import { TIGHT_ZLIB_LEVELS, deflateTightData, tightCompressLevel } from "./tight-deflate.ts";
import { planTightRegions, type TightRegion } from "./tight-layout.ts";
import { packGradientTPixels, packTPixels, tpixelBytes, writeTPixel } from "./tight-tpixel.ts";

export const TightControl = {
  FILL: 0x80,
  JPEG: 0x90,
  PNG: 0xa0,
  /** basic compression: bit 6 says a filter id byte follows */
  EXPLICIT_FILTER: 0x40,
} as const;

export const TightFilter = { COPY: 0, PALETTE: 1, GRADIENT: 2 } as const;

export const TightStream = { FULL_COLOUR: 0, MONO: 1, INDEXED: 2, GRADIENT: 3 } as const;

/** The filter bytes of a gradient rect: its id alone. */
const GRADIENT_PREFIX = Uint8Array.of(TightFilter.GRADIENT);

/** What a region's encoder says of a region that goes as JPEG: encoded after the loop, joined with its neighbours. */
export const JPEG_LATER = Symbol("jpeg later");

/** Basic data shorter than this is sent without zlib and without a length. */
export const TIGHT_MIN_TO_COMPRESS = 12;

/** The palette size limit for a sub-rectangle of `area` pixels (see the header). */
export function tightPaletteLimit(area: number, requestedLevel: number, jpeg: boolean): number {
  let limit: number;
  if (jpeg) {
    limit = requestedLevel >= 0 && requestedLevel < 2 ? 24 : 96;
  } else {
    const level = requestedLevel >= 0 && requestedLevel <= 9 ? requestedLevel : 2;
    limit = Math.floor(area / Math.max(4, level * 8));
  }
  return Math.min(MAX_PALETTE, Math.max(2, limit));
}

/** Whether JPEG may be used for this client: lossy allowed and a 16 or 32 bpp format. */
export function tightJpegAllowed(ctx: EncodeContext): boolean {
  return ctx.jpegQuality >= 0 && ctx.translator.bytesPerPixel !== 1;
}

export function fillRect(t: PixelTranslator, r: TightRegion, colour: number, encoding: number): EncodedRect {
  const bytes = new Uint8Array(RECT_HEADER_BYTES + 1 + tpixelBytes(t));
  writeRectHeader(bytes, 0, r.x, r.y, r.w, r.h, encoding);
  bytes[RECT_HEADER_BYTES] = TightControl.FILL;
  writeTPixel(t, colour, bytes, RECT_HEADER_BYTES + 1);
  return { bytes };
}

/** A JPEG rect (control 0x90); reads the surface now. */
export function jpegRect(ctx: EncodeContext, r: TightRegion, encoding: number): Promise<EncodedRect> {
  // fine quality 0 exists on the wire; JPEG's scale starts at 1
  const quality = Math.min(100, Math.max(1, Math.round(ctx.jpegQuality)));
  return encodeJpeg(ctx.pixels, ctx.width, r.x, r.y, r.w, r.h, quality, ctx.subsampling).then((jfif) => ({
    bytes: lengthPrefixedRect(r, encoding, TightControl.JPEG, jfif).bytes,
    lossy: true,
  }));
}

/** header + control + compact length + data (JPEG and PNG rects). */
export function lengthPrefixedRect(r: TightRegion, encoding: number, control: number, data: Uint8Array): EncodedRect {
  const bytes = new Uint8Array(RECT_HEADER_BYTES + 1 + compactLengthBytes(data.length) + data.length);
  writeRectHeader(bytes, 0, r.x, r.y, r.w, r.h, encoding);
  bytes[RECT_HEADER_BYTES] = control;
  const off = writeCompactLength(data.length, bytes, RECT_HEADER_BYTES + 1);
  bytes.set(data, off);
  return { bytes };
}

/**
 * A basic-compression rect: header, control (stream id, filter flag; never a reset bit), the filter bytes
 * (`prefix`: filter id, palette), then the data raw (< 12 bytes) or compact length + zlib data standing
 * alone on the stream (tight-deflate.ts), marked for the sender to splice the zlib header into a client's
 * first rect on the stream and, for small data, to compress it again with the client's history.
 */
function basicRect(r: TightRegion, stream: number, prefix: Uint8Array | undefined, data: Uint8Array, level: number, output: OutputBuffers | undefined): EncodedRect | Promise<EncodedRect> {
  const control = (stream << 4) | (prefix ? TightControl.EXPLICIT_FILTER : 0);
  const prefixBytes = prefix?.length ?? 0;
  const lengthAt = RECT_HEADER_BYTES + 1 + prefixBytes;
  const assemble = (body: Uint8Array, compressed: boolean): Uint8Array => {
    const lengthBytes = compressed ? compactLengthBytes(body.length) : 0;
    // every byte is written below
    const bytes = outputBuffer(output, lengthAt + lengthBytes + body.length);
    writeRectHeader(bytes, 0, r.x, r.y, r.w, r.h, Encoding.Tight);
    bytes[RECT_HEADER_BYTES] = control;
    if (prefix) bytes.set(prefix, RECT_HEADER_BYTES + 1);
    const off = compressed ? writeCompactLength(body.length, bytes, lengthAt) : lengthAt;
    bytes.set(body, off);
    return bytes;
  };
  if (data.length < TIGHT_MIN_TO_COMPRESS) return { bytes: assemble(data, false) };
  const zlibStream = TIGHT_ZLIB_STREAMS[stream]!;
  const z = deflateTightData(data, level, output);
  if (z instanceof Promise) return z.then((d) => ({ bytes: assemble(d, true), zlibStream, zlibLengthAt: lengthAt }));
  const zlibInput = keptZlibInput(data, level);
  const bytes = assemble(z, true);
  return zlibInput ? { bytes, zlibStream, zlibLengthAt: lengthAt, zlibInput } : { bytes, zlibStream, zlibLengthAt: lengthAt };
}

/** Filter id 1 and a palette of n colours as TPIXELs. */
function palettePrefix(t: PixelTranslator, colours: Uint32Array, n: number): Uint8Array {
  const prefix = new Uint8Array(2 + n * tpixelBytes(t));
  prefix[0] = TightFilter.PALETTE;
  prefix[1] = n - 1;
  let off = 2;
  for (let i = 0; i < n; i++) off = writeTPixel(t, colours[i]!, prefix, off);
  return prefix;
}

/** 1 bit per pixel (index 1 = set), MSB leftmost, rows padded to a byte. */
function packMono(indices: Uint8Array, w: number, h: number): Uint8Array {
  const rowBytes = (w + 7) >>> 3;
  const out = new Uint8Array(rowBytes * h);
  let i = 0;
  for (let row = 0; row < h; row++) {
    const base = row * rowBytes;
    for (let col = 0; col < w; col++) if (indices[i++] === 1) out[base + (col >>> 3)]! |= 0x80 >>> (col & 7);
  }
  return out;
}

/**
 * Encode the planned regions of one rect (Tight and TightPNG): each through `encodeRegion`, except those it
 * answers JPEG_LATER for, which go as JPEG after the others, joined where they stack (jpeg-bands.ts).
 */
export function encodeTightRegions(
  ctx: EncodeContext,
  regions: readonly TightRegion[],
  encodeRegion: (r: TightRegion) => EncodedRect | Promise<EncodedRect> | typeof JPEG_LATER,
  encoding: number,
): EncodedRect[] | Promise<EncodedRect[]> {
  const rects: Array<EncodedRect | Promise<EncodedRect>> = [];
  const photos: TightRegion[] = [];
  let pending = false;
  for (const r of regions) {
    const rect = encodeRegion(r);
    if (rect === JPEG_LATER) {
      photos.push(r);
      continue;
    }
    if (rect instanceof Promise) pending = true;
    rects.push(rect);
  }
  for (const r of joinJpegBands(photos)) rects.push(jpegRect(ctx, r, encoding));
  return pending || photos.length > 0 ? Promise.all(rects) : (rects as EncodedRect[]);
}

export class TightEncoder implements RectEncoder {
  readonly encoding = Encoding.Tight;

  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] | Promise<EncodedRect[]> {
    const regions: TightRegion[] = [];
    planTightRegions(ctx.pixels, ctx.width, x, y, w, h, regions);
    const level = tightCompressLevel(ctx.compressLevel);
    const jpeg = tightJpegAllowed(ctx);
    return encodeTightRegions(ctx, regions, (r) => this.encodeRegion(ctx, r, level, jpeg), Encoding.Tight);
  }

  /** A region's rect, or JPEG_LATER for one that goes as JPEG (joined with its neighbours first). */
  private encodeRegion(ctx: EncodeContext, r: TightRegion, level: number, jpeg: boolean): EncodedRect | Promise<EncodedRect> | typeof JPEG_LATER {
    const t = ctx.translator;
    if (r.solid >= 0) return fillRect(t, r, r.solid, Encoding.Tight);
    const s = sharedPaletteScratch;
    const limit = tightPaletteLimit(r.w * r.h, ctx.compressLevel, jpeg);
    const n = analyseColours(ctx.pixels, ctx.width, r.x, r.y, r.w, r.h, limit, s);
    const zlib = TIGHT_ZLIB_LEVELS[level]!;
    if (n === 1) return fillRect(t, r, s.colours[0]!, Encoding.Tight);
    const out = ctx.output;
    if (n === 2) return basicRect(r, TightStream.MONO, palettePrefix(t, s.colours, 2), packMono(s.indices, r.w, r.h), zlib.mono, out);
    if (n <= limit) return basicRect(r, TightStream.INDEXED, palettePrefix(t, s.colours, n), s.indices.slice(0, r.w * r.h), zlib.indexed, out);
    if (jpeg) return JPEG_LATER;
    if (t.tpixel24) return basicRect(r, TightStream.GRADIENT, GRADIENT_PREFIX, packGradientTPixels(ctx.pixels, ctx.width, r.x, r.y, r.w, r.h, out), zlib.fullColour, out);
    return basicRect(r, TightStream.FULL_COLOUR, undefined, packTPixels(t, ctx.pixels, ctx.width, r.x, r.y, r.w, r.h, out), zlib.fullColour, out);
  }
}
