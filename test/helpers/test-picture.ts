/**
 * Still pictures for comparing what a real VNC client shows with the Console, and the comparisons.
 * The picture mixes what makes each encoder take its different paths: large solid areas (fills, RRE,
 * Tight fill), few-colour text-like blocks (palettes, hextile subrects), smooth gradients (JPEG-friendly)
 * and a seeded noise patch (raw/full-colour tiles), at a size that is not a multiple of any tile size.
 */
import type { ConsoleSurface } from "../../src/display/console.ts";

export function makeTestPicture(width: number, height: number, seed = 1): ConsoleSurface {
  const pixels = new Uint32Array(width * height);
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    // xorshift32: deterministic, no allocation
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v: number;
      if (y < height / 4) v = 0x203040; // solid band
      else if (y < height / 2) {
        // smooth gradient
        v = (((x * 255) / width) << 16) | (((y * 255) / height) << 8) | 0x80;
      } else if (x < width / 2) {
        // text-like: two colours in 8x16 cells
        const cell = ((x >> 3) * 7 + (y >> 4) * 13) & 3;
        const on = ((x * 3 + y * (cell + 1)) & 7) < 2;
        v = on ? 0xffffff : 0x0000a0;
      } else if (y < (height * 3) / 4) v = rnd() & 0xffffff; // noise
      else v = (x >> 4) & 1 ? 0xc00000 : 0x00c000; // stripes
      pixels[y * width + x] = v;
    }
  }
  return { width, height, pixels };
}

/**
 * A picture of few colours (at most 6 in any area): solid panels and two-colour "text" blocks, the content
 * Tight sends as fills and palettes, which are lossless even when the client asks for JPEG quality.
 */
export function makeFewColourPicture(width: number, height: number): ConsoleSurface {
  const pixels = new Uint32Array(width * height);
  const panel = [0x2b303b, 0xeeeeee, 0x1565c0, 0xc62828, 0x2e7d32, 0xf9a825];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cx = Math.floor((x * 3) / width);
      const cy = Math.floor((y * 2) / height);
      const bg = panel[(cx + cy * 3) % panel.length]!;
      // a glyph-like pattern inside each panel, margins solid
      const inText = x % (width / 3) > 12 && y % (height / 2) > 24 && (y >> 4) % 2 === 0;
      const ink = ((x * 5) ^ (y * 3)) % 7 < 2;
      pixels[y * width + x] = inText && ink ? (bg === 0xeeeeee ? 0x000000 : 0xffffff) : bg;
    }
  }
  return { width, height, pixels };
}

/** RGBA (or RGB with channels = 3) bytes → XRGB words. */
export function rgbaToXrgb(data: Uint8Array, width: number, height: number, channels: number): Uint32Array {
  const out = new Uint32Array(width * height);
  for (let i = 0, o = 0; i < out.length; i++, o += channels) out[i] = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
  return out;
}

export interface PixelDiff {
  differing: number;
  first?: { x: number; y: number; expected: string; actual: string };
}

/** Count differing pixels (ignoring the X byte); the first one is described for the assertion message. */
export function diffPixels(expected: Uint32Array, actual: Uint32Array, width: number): PixelDiff {
  if (expected.length !== actual.length) throw new RangeError(`sizes differ: ${expected.length} vs ${actual.length} pixels`);
  let differing = 0;
  let first: PixelDiff["first"];
  for (let i = 0; i < expected.length; i++) {
    if (((expected[i]! ^ actual[i]!) & 0xffffff) !== 0) {
      if (differing === 0) {
        const hex = (v: number): string => (v & 0xffffff).toString(16).padStart(6, "0");
        first = { x: i % width, y: Math.floor(i / width), expected: hex(expected[i]!), actual: hex(actual[i]!) };
      }
      differing++;
    }
  }
  return first ? { differing, first } : { differing };
}

/** PSNR in dB over the R, G and B channels (Infinity when identical). */
export function psnr(expected: Uint32Array, actual: Uint32Array): number {
  if (expected.length !== actual.length) throw new RangeError(`sizes differ: ${expected.length} vs ${actual.length} pixels`);
  let se = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = expected[i]!;
    const b = actual[i]!;
    const dr = ((a >>> 16) & 0xff) - ((b >>> 16) & 0xff);
    const dg = ((a >>> 8) & 0xff) - ((b >>> 8) & 0xff);
    const db = (a & 0xff) - (b & 0xff);
    se += dr * dr + dg * dg + db * db;
  }
  if (se === 0) return Infinity;
  return 10 * Math.log10((255 * 255 * 3 * expected.length) / se);
}

/** The top-left `width` × `height` part of a larger image (a viewer window may be bigger than the desktop). */
export function crop(pixels: Uint32Array, stride: number, width: number, height: number, x0 = 0, y0 = 0): Uint32Array {
  const out = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) out.set(pixels.subarray((y0 + y) * stride + x0, (y0 + y) * stride + x0 + width), y * width);
  return out;
}
