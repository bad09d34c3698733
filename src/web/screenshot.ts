/** The Console's current surface as a PNG (sharp/libvips), for the API and `vfio-display screenshot`. */
import sharp from "sharp";
import type { ConsoleSurface } from "../display/console.ts";

/** XRGB words (0x00RRGGBB) → packed RGB bytes: what sharp takes as raw 3-channel input. */
export function surfaceToRgb(s: ConsoleSurface): Buffer {
  const n = s.width * s.height;
  if (s.pixels.length < n) throw new RangeError(`surface ${s.width}x${s.height} has only ${s.pixels.length} pixels`);
  const out = Buffer.allocUnsafe(n * 3);
  const px = s.pixels;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const v = px[i]!;
    out[o] = (v >>> 16) & 0xff;
    out[o + 1] = (v >>> 8) & 0xff;
    out[o + 2] = v & 0xff;
  }
  return out;
}

export async function surfaceToPng(s: ConsoleSurface): Promise<Buffer> {
  // Copy first: the surface keeps changing while libvips works on another thread.
  const rgb = surfaceToRgb(s);
  return sharp(rgb, { raw: { width: s.width, height: s.height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
}
