/**
 * The video workload: full-screen motion every frame — a moving plasma whose every pixel changes from one
 * frame to the next, with seeded per-pixel grain (so it does not compress: the worst case for a damage
 * detector and an encoder), plus a frame counter. Double-buffered when the display has two buffers.
 *
 * Per frame it fills three lookup rows (x, y and x+y terms) and then does table lookups per pixel: no
 * allocation and no transcendental function in the pixel loop.
 */
import { terminusBold32 } from "../font/terminus.ts";
import type { DisplayMode, GuestDisplay } from "../guest-display.ts";
import { drawText, fillRect } from "./draw.ts";
import type { InputEvent } from "./input.ts";
import { Prng } from "./prng.ts";
import { ensureMode, FlipTracker, WorkloadBase } from "./workload.ts";

export interface VideoOptions {
  seed: number;
  mode?: DisplayMode;
  /** per-pixel grain (default true) */
  grain?: boolean;
}

const TABLE = 1024;

export class VideoWorkload extends WorkloadBase {
  readonly name = "video";
  private flips: FlipTracker | undefined;
  private readonly sine = new Int32Array(TABLE);
  private readonly palette = new Uint32Array(256);
  private rowX = new Int32Array(0);
  private colY = new Int32Array(0);
  private diag = new Int32Array(0);
  private readonly speeds: number[];
  private readonly grainSeed: number;
  private frames = 0;

  constructor(private readonly options: VideoOptions) {
    super();
    const r = new Prng(options.seed).fork("video");
    for (let i = 0; i < TABLE; i++) this.sine[i] = Math.round(42 + 42 * Math.sin((2 * Math.PI * i) / TABLE));
    const phase = [r.range(0, 6.28), r.range(0, 6.28), r.range(0, 6.28)];
    for (let i = 0; i < 256; i++) {
      const a = (2 * Math.PI * i) / 256;
      const c = (k: number): number => Math.round(127.5 + 127.5 * Math.sin(a + phase[k]!));
      this.palette[i] = ((c(0) << 16) | (c(1) << 8) | c(2)) >>> 0;
    }
    this.speeds = [r.range(0.15, 0.4), r.range(0.1, 0.3), r.range(0.2, 0.5), r.range(0.03, 0.08)];
    this.grainSeed = r.u32();
  }

  start(display: GuestDisplay): void {
    this.attach(display);
    ensureMode(display, this.options.mode);
    this.flips = new FlipTracker(display);
    this.layout();
  }

  resized(): void {
    this.flips?.modeWasSet();
    this.layout();
  }

  input(_event: InputEvent): void {
    // A video player ignores the pointer.
  }

  clipboard(_text: string): void {
    // Nothing to paste into.
  }

  frame(tMs: number): void {
    const flips = this.flips!;
    const back = flips.back();
    const img = flips.display.buffer(back);
    const w = img.width, h = img.height, stride = img.stridePixels;
    const [sa, sb, sc, sd] = this.speeds as [number, number, number, number];
    const a = Math.floor(tMs * sa), b = Math.floor(tMs * sb), c = Math.floor(tMs * sc), d = Math.floor(tMs * sd);
    const sine = this.sine, rowX = this.rowX, colY = this.colY, diag = this.diag, pal = this.palette;
    for (let x = 0; x < w; x++) rowX[x] = sine[((x * 3) + a) & (TABLE - 1)]!;
    for (let y = 0; y < h; y++) colY[y] = sine[((y * 2) + b) & (TABLE - 1)]! + d;
    for (let i = 0; i < w + h; i++) diag[i] = sine[(i + c) & (TABLE - 1)]!;
    const px = img.pixels;
    const grain = this.options.grain ?? true;
    let s = (this.grainSeed ^ Math.imul(this.frames + 1, 0x9e3779b1)) | 0;
    for (let y = 0; y < h; y++) {
      const row = y * stride;
      const cy = colY[y]!;
      if (grain) {
        for (let x = 0; x < w; x++) {
          s = (Math.imul(s, 1664525) + 1013904223) | 0;
          px[row + x] = (pal[(rowX[x]! + cy + diag[x + y]!) & 255]! ^ ((s >>> 8) & 0x070707)) >>> 0;
        }
      } else {
        for (let x = 0; x < w; x++) px[row + x] = pal[(rowX[x]! + cy + diag[x + y]!) & 255]!;
      }
    }
    const font = terminusBold32();
    const label = `frame ${this.frames}`;
    fillRect(img, 16, 16, label.length * font.width + 16, font.height + 8, 0x000000);
    drawText(img, font, 24, 20, label, 0xffffff);
    flips.present(back);
    this.frames++;
  }

  private layout(): void {
    const m = this.mode;
    this.rowX = new Int32Array(m.width);
    this.colY = new Int32Array(m.height);
    this.diag = new Int32Array(m.width + m.height);
  }
}
