/**
 * PC Screen Font (PSF) bitmap fonts, the format of the Linux console (setfont, kbd, console-setup): version 1
 * (magic 36 04, 8 pixels wide) and version 2 (magic 72 b5 4a 86, any width), optionally gzipped, with or
 * without the Unicode table that maps code points to glyphs. Parsed once; drawing reads the packed bitmap
 * rows directly (see ../workloads/draw.ts).
 */
import { gunzipSync } from "node:zlib";

const PSF1_MAGIC0 = 0x36;
const PSF1_MAGIC1 = 0x04;
const PSF1_MODE512 = 0x01;
const PSF1_MODEHASTAB = 0x02;
const PSF1_MODEHASSEQ = 0x04;
const PSF1_SEPARATOR = 0xffff;
const PSF1_STARTSEQ = 0xfffe;

const PSF2_MAGIC = 0x864ab572;
const PSF2_HAS_UNICODE_TABLE = 0x01;
const PSF2_SEPARATOR = 0xff;
const PSF2_STARTSEQ = 0xfe;

const BMP = 0x10000;
const REPLACEMENT = 0xfffd;

export class PsfError extends Error {
  override readonly name = "PsfError";
}

/** A fixed-size bitmap font: glyph `g`, row `r` is `bytesPerRow` bytes at `(g * height + r) * bytesPerRow`, MSB leftmost. */
export class BitmapFont {
  /** glyph index per BMP code point, -1 where the font has none */
  private readonly bmp = new Int32Array(BMP).fill(-1);
  private readonly astral = new Map<number, number>();
  private fallbackGlyph = 0;

  constructor(
    readonly name: string,
    readonly width: number,
    readonly height: number,
    readonly glyphCount: number,
    /** packed glyph rows: glyphCount × height × bytesPerRow bytes */
    readonly bitmaps: Uint8Array,
  ) {
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
      throw new PsfError(`${name}: glyph size ${width}x${height} is not positive`);
    }
    if (bitmaps.length < glyphCount * height * this.bytesPerRow) {
      throw new PsfError(`${name}: ${bitmaps.length} bitmap bytes for ${glyphCount} glyphs of ${width}x${height}`);
    }
  }

  get bytesPerRow(): number {
    return (this.width + 7) >> 3;
  }

  /** Map a code point to a glyph (the first mapping of a code point wins, as the kernel's table does). */
  map(codePoint: number, glyph: number): void {
    if (glyph < 0 || glyph >= this.glyphCount) throw new PsfError(`${this.name}: glyph ${glyph} out of range`);
    if (codePoint >= 0 && codePoint < BMP) {
      if (this.bmp[codePoint] === -1) this.bmp[codePoint] = glyph;
    } else if (codePoint < 0x110000 && !this.astral.has(codePoint)) {
      this.astral.set(codePoint, glyph);
    }
  }

  /** Finish building: pick the glyph shown for unmapped code points (U+FFFD, else '?', else glyph 0). */
  seal(): this {
    this.fallbackGlyph = this.lookup(REPLACEMENT) ?? this.lookup(0x3f) ?? 0;
    return this;
  }

  /** The glyph for a code point, or undefined when the font has none. */
  lookup(codePoint: number): number | undefined {
    if (codePoint >= 0 && codePoint < BMP) {
      const g = this.bmp[codePoint]!;
      return g < 0 ? undefined : g;
    }
    return this.astral.get(codePoint);
  }

  /** The glyph drawn for a code point: its own, or the fallback. Allocation-free for BMP code points. */
  glyphFor(codePoint: number): number {
    if (codePoint >= 0 && codePoint < BMP) {
      const g = this.bmp[codePoint]!;
      return g < 0 ? this.fallbackGlyph : g;
    }
    return this.astral.get(codePoint) ?? this.fallbackGlyph;
  }

  /** Whether pixel (x, y) of glyph `g` is set. For tests and slow paths; drawing reads `bitmaps` directly. */
  pixel(g: number, x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    const byte = this.bitmaps[(g * this.height + y) * this.bytesPerRow + (x >> 3)]!;
    return ((byte >> (7 - (x & 7))) & 1) === 1;
  }
}

/** Parse a PSF1 or PSF2 font (gzipped or not). Without a Unicode table, glyph i stands for code point i. */
export function parsePsf(data: Uint8Array, name = "psf"): BitmapFont {
  const bytes = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b ? new Uint8Array(gunzipSync(data)) : data;
  if (bytes.length >= 4 && bytes[0] === PSF1_MAGIC0 && bytes[1] === PSF1_MAGIC1) return parsePsf1(bytes, name);
  if (bytes.length >= 32 && u32(bytes, 0) === PSF2_MAGIC) return parsePsf2(bytes, name);
  throw new PsfError(`${name}: not a PSF font (magic ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`);
}

function parsePsf1(bytes: Uint8Array, name: string): BitmapFont {
  const mode = bytes[2]!;
  const height = bytes[3]!;
  const count = mode & PSF1_MODE512 ? 512 : 256;
  const glyphEnd = 4 + count * height;
  if (height === 0 || bytes.length < glyphEnd) throw new PsfError(`${name}: PSF1 truncated (${bytes.length} bytes, need ${glyphEnd})`);
  const font = new BitmapFont(name, 8, height, count, bytes.slice(4, glyphEnd));
  if (mode & (PSF1_MODEHASTAB | PSF1_MODEHASSEQ)) {
    let p = glyphEnd;
    for (let g = 0; g < count; g++) {
      let inSequence = false;
      for (;;) {
        if (p + 2 > bytes.length) throw new PsfError(`${name}: PSF1 Unicode table truncated at glyph ${g}`);
        const v = bytes[p]! | (bytes[p + 1]! << 8);
        p += 2;
        if (v === PSF1_SEPARATOR) break;
        if (v === PSF1_STARTSEQ) inSequence = true;
        else if (!inSequence) font.map(v, g);
      }
    }
  } else {
    for (let g = 0; g < count; g++) font.map(g, g);
  }
  return font.seal();
}

function parsePsf2(bytes: Uint8Array, name: string): BitmapFont {
  const headerSize = u32(bytes, 8);
  const flags = u32(bytes, 12);
  const count = u32(bytes, 16);
  const charSize = u32(bytes, 20);
  const height = u32(bytes, 24);
  const width = u32(bytes, 28);
  const rowBytes = (width + 7) >> 3;
  if (width === 0 || height === 0 || charSize !== rowBytes * height) {
    throw new PsfError(`${name}: PSF2 glyph size ${width}x${height} disagrees with ${charSize} bytes per glyph`);
  }
  if (count === 0 || count > 0x110000) throw new PsfError(`${name}: PSF2 glyph count ${count}`);
  const glyphEnd = headerSize + count * charSize;
  if (headerSize < 32 || bytes.length < glyphEnd) throw new PsfError(`${name}: PSF2 truncated (${bytes.length} bytes, need ${glyphEnd})`);
  const font = new BitmapFont(name, width, height, count, bytes.slice(headerSize, glyphEnd));
  if (flags & PSF2_HAS_UNICODE_TABLE) {
    let p = glyphEnd;
    for (let g = 0; g < count; g++) {
      let inSequence = false;
      for (;;) {
        if (p >= bytes.length) throw new PsfError(`${name}: PSF2 Unicode table truncated at glyph ${g}`);
        const b = bytes[p]!;
        if (b === PSF2_SEPARATOR) {
          p++;
          break;
        }
        if (b === PSF2_STARTSEQ) {
          inSequence = true;
          p++;
          continue;
        }
        const [cp, len] = utf8At(bytes, p, name);
        p += len;
        if (!inSequence) font.map(cp, g);
      }
    }
  } else {
    for (let g = 0; g < count; g++) font.map(g, g);
  }
  return font.seal();
}

function utf8At(b: Uint8Array, p: number, name: string): [number, number] {
  const c = b[p]!;
  const len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  if (len === 0 || p + len > b.length) throw new PsfError(`${name}: bad UTF-8 in the Unicode table at byte ${p}`);
  let cp = len === 1 ? c : c & (0xff >> (len + 1));
  for (let i = 1; i < len; i++) {
    const cont = b[p + i]!;
    if ((cont & 0xc0) !== 0x80) throw new PsfError(`${name}: bad UTF-8 in the Unicode table at byte ${p}`);
    cp = (cp << 6) | (cont & 0x3f);
  }
  return [cp, len];
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
