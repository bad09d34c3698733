/**
 * Tight and TightPNG on guest frames: ms and bytes per full-frame update at 1920×1080 (320×240 with
 * --quick) for the desktop and video workloads, in noVNC's pixel format at the default compression level:
 * Tight lossless, Tight with JPEG (fine quality 80, 2X subsampling → 4:2:0: TurboVNC's "medium quality"),
 * and TightPNG lossless. Frames come from the workload through the model's mbochs and the display
 * consumer (as consumer.bench.ts); only encode() is timed, awaited to the last byte.
 */
import { DisplayConsumer } from "../src/display/display-consumer.ts";
import { createMbochsParent } from "../src/drivers/bochs/mbochs-parent.ts";
import { BochsDisplay } from "../src/guest/bochs-display.ts";
import { BochsGuest } from "../src/guest/bochs-guest.ts";
import { createWorkload } from "../src/guest/workloads/registry.ts";
import { HostKernel } from "../src/kernel/host-kernel.ts";
import type { EncodeContext, RectEncoder } from "../src/rfb/encoders/encoder.ts";
import { TightPngEncoder } from "../src/rfb/encoders/tight-png.ts";
import { TightEncoder } from "../src/rfb/encoders/tight.ts";
import { RGBX_PIXEL_FORMAT } from "../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../src/rfb/pixel-translator.ts";

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

/** Copies of the console surface after each of `count` workload frames. */
function guestFrames(scene: "desktop" | "video", width: number, height: number, count: number): Uint32Array[] {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const uuid = "0b5e55ed-0000-4000-8000-00000000710e";
  if (kernel.bus.create("mbochs", "mbochs-large", uuid) !== 0) throw new Error("mdev create failed");
  const hostDev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof hostDev === "number" || typeof guestDev === "number") throw new Error("open failed");
  const display = new BochsDisplay(BochsGuest.attach(guestDev));
  display.setMode({ width, height });
  const consumer = new DisplayConsumer(hostDev, { edid: false });
  consumer.start();
  const workload = createWorkload({ kind: scene, options: { seed: 7, mode: { width, height } } });
  workload.start(display);
  let t = 0;
  for (let i = 0; i < 30; i++) workload.frame((t += 1000 / 60));
  const frames: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    workload.frame((t += 1000 / 60));
    consumer.refresh();
    const surface = consumer.console.surface;
    if (!surface || surface.width !== width || surface.height !== height) throw new Error("no surface of the frame's size");
    frames.push(surface.pixels.slice());
  }
  consumer.stop();
  return frames;
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
