/**
 * A test pattern: colour bars, a one-pixel white border, a centred crosshair and the mode in large text,
 * redrawn whole after each mode change, plus a small ticking square (so frames are not all identical).
 * It draws into one buffer; the mode follower puts it on screen after each resize.
 */
import { terminus16, terminusBold32 } from "../font/terminus.ts";
import type { DisplayMode, GuestDisplay, LinearImage } from "../guest-display.ts";
import { drawText, fillRect, strokeRect, textWidth } from "./draw.ts";
import type { InputEvent } from "./input.ts";
import { ensureMode, FlipTracker, WorkloadBase } from "./workload.ts";

export interface TestPatternOptions {
  seed: number;
  mode?: DisplayMode;
}

const BARS = [0xc0c0c0, 0xc0c000, 0x00c0c0, 0x00c000, 0xc000c0, 0xc00000, 0x0000c0, 0x101010];

export class TestPatternWorkload extends WorkloadBase {
  readonly name = "test-pattern";
  private flips: FlipTracker | undefined;
  private dirty = true;
  private frames = 0;

  constructor(private readonly options: TestPatternOptions) {
    super();
  }

  start(display: GuestDisplay): void {
    this.attach(display);
    ensureMode(display, this.options.mode);
    this.flips = new FlipTracker(display);
    this.dirty = true;
  }

  resized(): void {
    this.flips?.modeWasSet();
    this.dirty = true;
  }

  input(_event: InputEvent): void {}

  clipboard(_text: string): void {}

  frame(_tMs: number): void {
    const flips = this.flips!;
    const n = flips.shown;
    const img = flips.display.buffer(n);
    if (this.dirty) {
      drawPattern(img);
      this.dirty = false;
    }
    const size = 16;
    const x = 8 + ((this.frames * 4) % Math.max(1, img.width - 2 * size - 16));
    fillRect(img, 8, img.height - size - 8, img.width - 16, size, 0x000000);
    fillRect(img, x, img.height - size - 8, size, size, 0xffffff);
    flips.present(n);
    this.frames++;
  }
}

export function drawPattern(img: LinearImage): void {
  const { width: w, height: h } = img;
  const barW = w / BARS.length;
  for (let i = 0; i < BARS.length; i++) {
    fillRect(img, Math.round(i * barW), 0, Math.round((i + 1) * barW) - Math.round(i * barW), h, BARS[i]!);
  }
  strokeRect(img, 0, 0, w, h, 0xffffff);
  fillRect(img, Math.floor(w / 2), 0, 1, h, 0xffffff);
  fillRect(img, 0, Math.floor(h / 2), w, 1, 0xffffff);
  const big = terminusBold32();
  const label = `${w}x${h}`;
  const lw = textWidth(big, label);
  fillRect(img, Math.floor((w - lw) / 2) - 12, Math.floor(h / 2) - 28, lw + 24, 56, 0x000000);
  drawText(img, big, Math.floor((w - lw) / 2), Math.floor(h / 2) - 16, label, 0xffffff);
  drawText(img, terminus16(), 8, 8, "vfio-display test pattern", 0x000000);
}
