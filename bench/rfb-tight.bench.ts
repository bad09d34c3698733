/**
 * Tight and TightPNG on guest frames: ms and bytes per full-frame update at 1920×1080 (320×240 with
 * --quick) for the desktop and video workloads, in noVNC's pixel format at the default compression level:
 * Tight lossless, Tight with JPEG (fine quality 80, 2X subsampling → 4:2:0: TurboVNC's "medium quality"),
 * and TightPNG lossless. Frames come from the workload through the model's mbochs and the display
 * consumer (as consumer.bench.ts); only encode() is timed, awaited to the last byte.
 */
import type { EncodeContext, RectEncoder } from "../src/rfb/encoders/encoder.ts";
import { TightPngEncoder } from "../src/rfb/encoders/tight-png.ts";
import { TightEncoder } from "../src/rfb/encoders/tight.ts";
import { RGBX_PIXEL_FORMAT } from "../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../src/rfb/pixel-translator.ts";
import { guestFrames } from "./model-display.ts";

export interface TightBenchResult {
  scene: "desktop" | "video";
  mode: string;
  width: number;
  height: number;
  frames: number;
  msPerFrame: number;
  bytesPerFrame: number;
  rectsPerFrame: number;
}

const MODES: Array<{ mode: string; encoder: RectEncoder; jpegQuality: number }> = [
  { mode: "Tight lossless", encoder: new TightEncoder(), jpegQuality: -1 },
  { mode: "Tight JPEG q80", encoder: new TightEncoder(), jpegQuality: 80 },
  { mode: "TightPNG lossless", encoder: new TightPngEncoder(), jpegQuality: -1 },
];

export async function benchTight(quick: boolean): Promise<TightBenchResult[]> {
  const [width, height] = quick ? [320, 240] : [1920, 1080];
  const count = quick ? 2 : 20;
  const translator = new PixelTranslator(RGBX_PIXEL_FORMAT);
  const results: TightBenchResult[] = [];
  for (const scene of ["desktop", "video"] as const) {
    const frames = guestFrames(scene, width, height, count);
    for (const { mode, encoder, jpegQuality } of MODES) {
      const ctxOf = (pixels: Uint32Array): EncodeContext => ({ pixels, width, height, translator, compressLevel: -1, jpegQuality, subsampling: "2x" });
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
      results.push({ scene, mode, width, height, frames: frames.length, msPerFrame: ms / frames.length, bytesPerFrame: bytes / frames.length, rectsPerFrame: rects / frames.length });
    }
  }
  return results;
}
