/**
 * The lossless encoders (Raw, RRE, Hextile, Zlib, ZRLE) on desktop guest frames: ms and bytes per
 * full-frame update at 1920×1080 (320×240 with --quick), in noVNC's pixel format (RGBX) and TigerVNC's
 * (the server's XRGB) at the default compression level. Frames come from the guest's desktop workload
 * through the model's mbochs and the display consumer; only encode() is timed, awaited to the last byte.
 */
import type { EncodeContext, RectEncoder } from "../src/rfb/encoders/encoder.ts";
import { HextileEncoder } from "../src/rfb/encoders/hextile.ts";
import { RawEncoder } from "../src/rfb/encoders/raw.ts";
import { RreEncoder } from "../src/rfb/encoders/rre.ts";
import { ZlibEncoder } from "../src/rfb/encoders/zlib.ts";
import { ZrleEncoder } from "../src/rfb/encoders/zrle.ts";
import { RGBX_PIXEL_FORMAT, SERVER_PIXEL_FORMAT, type PixelFormat } from "../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../src/rfb/pixel-translator.ts";
import { guestFrames } from "./model-display.ts";

export interface LosslessBenchResult {
  encoder: string;
  format: string;
  width: number;
  height: number;
  frames: number;
  msPerFrame: number;
  bytesPerFrame: number;
  rectsPerFrame: number;
}

const ENCODERS: Array<[string, RectEncoder]> = [
  ["Raw", new RawEncoder()],
  ["RRE", new RreEncoder()],
  ["Hextile", new HextileEncoder()],
  ["Zlib", new ZlibEncoder()],
  ["ZRLE", new ZrleEncoder()],
];

const FORMATS: Array<[string, PixelFormat]> = [
  ["RGBX (noVNC)", RGBX_PIXEL_FORMAT],
  ["XRGB (TigerVNC)", SERVER_PIXEL_FORMAT],
];

export async function benchLosslessEncoders(quick: boolean): Promise<LosslessBenchResult[]> {
  const [width, height] = quick ? [320, 240] : [1920, 1080];
  const count = quick ? 2 : 10;
  const frames = guestFrames("desktop", width, height, count);
  const results: LosslessBenchResult[] = [];
  for (const [formatName, format] of FORMATS) {
    const translator = new PixelTranslator(format);
    const ctxOf = (pixels: Uint32Array): EncodeContext => ({ pixels, width, height, translator, compressLevel: -1, jpegQuality: -1, subsampling: "1x" });
    for (const [name, encoder] of ENCODERS) {
      await encoder.encode(ctxOf(frames[0]!), 0, 0, width, height); // warm up
      let ms = 0;
      let bytes = 0;
      let rects = 0;
      for (const pixels of frames) {
        const t0 = performance.now();
        const out = await encoder.encode(ctxOf(pixels), 0, 0, width, height);
        ms += performance.now() - t0;
        rects += out.length;
        for (const r of out) bytes += r.bytes.length;
      }
      results.push({ encoder: name, format: formatName, width, height, frames: count, msPerFrame: ms / count, bytesPerFrame: bytes / count, rectsPerFrame: rects / count });
    }
  }
  return results;
}
