/**
 * JPEG of a surface rectangle through sharp (libvips + mozjpeg), for Tight (control 1001) and TightPNG.
 *
 * The pixels are copied out synchronously (R, G, B bytes, or one luma byte for "gray") before sharp runs on
 * its threads, so the JPEG is a snapshot of the call's moment. mozjpeg's slow extras (trellis
 * quantisation, overshoot deringing, scan optimisation, Huffman optimisation, progressive) are off: a
 * baseline JPEG with the standard tables is what every VNC client decodes and is about twice as fast
 * (TOOLING.md §5: 1080p q80 in ~15.5 ms).
 *
 * Subsampling: sharp offers only 4:4:4 and 4:2:0. "1x" → 4:4:4; "2x" (4:2:2) → 4:2:0, the nearest it has,
 * a little smaller and softer in vertical chroma than the client asked; "4x" → 4:2:0; "8x" and "16x"
 * (TurboVNC's coarser modes) → 4:2:0 as well; "gray" → a one-component greyscale JPEG (BT.601 luma).
 */
import sharp from "sharp";
import type { Subsampling } from "./encoder.ts";
import { packRgb } from "./tight-tpixel.ts";

export function sharpChromaSubsampling(s: Subsampling): "4:4:4" | "4:2:0" {
  return s === "1x" ? "4:4:4" : "4:2:0";
}

/** Copy the w×h rect at (x, y) of an XRGB surface into packed R, G, B bytes. */
export function snapshotRgb(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number): Buffer {
  const out = Buffer.allocUnsafe(w * h * 3);
  packRgb(pixels, stride, x, y, w, h, out, 0);
  return out;
}

/** Copy the rect as one luma byte per pixel (BT.601 weights, as JPEG's own RGB → YCbCr). */
export function snapshotLuma(pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number): Buffer {
  const out = Buffer.allocUnsafe(w * h);
  let o = 0;
  for (let row = y; row < y + h; row++) {
    for (let i = row * stride + x, end = i + w; i < end; i++) {
      const v = pixels[i]!;
      out[o++] = (((v >>> 16) & 0xff) * 19595 + ((v >>> 8) & 0xff) * 38470 + (v & 0xff) * 7471 + 32768) >>> 16;
    }
  }
  return out;
}

/** A baseline JFIF of the rect. Reads the surface now; the promise settles when sharp is done. */
export function encodeJpeg(
  pixels: Uint32Array,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
  quality: number,
  subsampling: Subsampling,
): Promise<Buffer> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`JPEG quality ${quality} is not 1…100`);
  const gray = subsampling === "gray";
  const raw = gray ? snapshotLuma(pixels, stride, x, y, w, h) : snapshotRgb(pixels, stride, x, y, w, h);
  const image = sharp(raw, { raw: { width: w, height: h, channels: gray ? 1 : 3 } });
  // sharp converts output to sRGB unless told otherwise: keep grey one component
  if (gray) image.toColourspace("b-w");
  return image
    .jpeg({
      quality,
      chromaSubsampling: sharpChromaSubsampling(subsampling),
      progressive: false,
      optimiseCoding: false,
      trellisQuantisation: false,
      overshootDeringing: false,
      optimiseScans: false,
      quantisationTable: 0,
    })
    .toBuffer();
}
