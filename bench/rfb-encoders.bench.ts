/**
 * The lossless encoders (Raw, RRE, Hextile, Zlib, ZRLE) on desktop guest frames: ms and bytes per
 * full-frame update at 1920×1080 (320×240 with --quick), in noVNC's pixel format (RGBX) and TigerVNC's
 * (the server's XRGB) at the default compression level. Frames come from the guest's desktop workload
 * through the model's mbochs and the display consumer; only encode() is timed, awaited to the last byte.
 */
import { DisplayConsumer } from "../src/display/display-consumer.ts";
import { createMbochsParent } from "../src/drivers/bochs/mbochs-parent.ts";
import { BochsDisplay } from "../src/guest/bochs-display.ts";
import { BochsGuest } from "../src/guest/bochs-guest.ts";
import { createWorkload } from "../src/guest/workloads/registry.ts";
import { HostKernel } from "../src/kernel/host-kernel.ts";
import type { EncodeContext, RectEncoder } from "../src/rfb/encoders/encoder.ts";
import { HextileEncoder } from "../src/rfb/encoders/hextile.ts";
import { RawEncoder } from "../src/rfb/encoders/raw.ts";
import { RreEncoder } from "../src/rfb/encoders/rre.ts";
import { ZlibEncoder } from "../src/rfb/encoders/zlib.ts";
import { ZrleEncoder } from "../src/rfb/encoders/zrle.ts";
import { RGBX_PIXEL_FORMAT, SERVER_PIXEL_FORMAT, type PixelFormat } from "../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../src/rfb/pixel-translator.ts";

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

/** Copies of the console surface after each of `count` desktop workload frames. */
function desktopFrames(width: number, height: number, count: number): Uint32Array[] {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const uuid = "0b5e55ed-0000-4000-8000-0000000105e5";
  if (kernel.bus.create("mbochs", "mbochs-large", uuid) !== 0) throw new Error("mdev create failed");
  const hostDev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof hostDev === "number" || typeof guestDev === "number") throw new Error("open failed");
  const display = new BochsDisplay(BochsGuest.attach(guestDev));
  display.setMode({ width, height });
  const consumer = new DisplayConsumer(hostDev, { edid: false });
  consumer.start();
  const workload = createWorkload({ kind: "desktop", options: { seed: 7, mode: { width, height } } });
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
  const frames = desktopFrames(width, height, count);
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
