/**
 * Replay: plays a directory of PNG frames (sorted by name, numbers compared as numbers: f2 before f10) at a
 * given frame rate of virtual time, looping or holding the last frame. Each frame is decoded once, at start,
 * and drawn scaled to fit the screen with its aspect kept (nearest neighbour; "center" draws it 1:1), black
 * around it. Double-buffered when the display has two buffers; a frame is drawn only when the picture due
 * changes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DisplayMode, GuestDisplay, LinearImage } from "../guest-display.ts";
import { blit, blitScaled, clear } from "./draw.ts";
import type { InputEvent } from "./input.ts";
import { decodePng } from "./png.ts";
import { ensureMode, FlipTracker, WorkloadBase } from "./workload.ts";

export interface ReplayOptions {
  seed: number;
  /** a directory of .png files */
  dir: string;
  /** frames per second of virtual time */
  fps: number;
  mode?: DisplayMode;
  /** start over after the last frame (default true) */
  loop?: boolean;
  fit?: "scale" | "center";
}

/** The PNG files of a directory in play order. */
export function framePaths(dir: string): string[] {
  const collator = new Intl.Collator("en", { numeric: true });
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith(".png"))
    .sort((a, b) => collator.compare(a, b))
    .map((f) => join(dir, f));
}

export class ReplayWorkload extends WorkloadBase {
  readonly name = "replay";
  readonly frames: LinearImage[];
  private flips: FlipTracker | undefined;
  private shownIndex = -1;

  constructor(private readonly options: ReplayOptions) {
    super();
    if (!(options.fps > 0)) throw new RangeError(`replay: fps ${options.fps}`);
    const paths = framePaths(options.dir);
    if (paths.length === 0) throw new Error(`replay: no .png files in ${options.dir}`);
    this.frames = paths.map((p) => decodePng(new Uint8Array(readFileSync(p)), p));
  }

  /** The index of the frame on screen, -1 before the first. */
  get frameOnScreen(): number {
    return this.shownIndex;
  }

  start(display: GuestDisplay): void {
    this.attach(display);
    const first = this.frames[0]!;
    ensureMode(display, this.options.mode ?? (display.mode ? undefined : fitMode(first, display)));
    this.flips = new FlipTracker(display);
  }

  resized(): void {
    this.flips?.modeWasSet();
    this.shownIndex = -1;
  }

  input(_event: InputEvent): void {}

  clipboard(_text: string): void {}

  frame(tMs: number): void {
    const n = this.frames.length;
    const due = Math.floor((tMs * this.options.fps) / 1000 + 1e-9);
    const index = (this.options.loop ?? true) ? due % n : Math.min(due, n - 1);
    if (index === this.shownIndex) return;
    const flips = this.flips!;
    const back = flips.back();
    const img = flips.display.buffer(back);
    const src = this.frames[index]!;
    clear(img, 0);
    if ((this.options.fit ?? "scale") === "center") {
      blit(img, Math.floor((img.width - src.width) / 2), Math.floor((img.height - src.height) / 2), src);
    } else {
      const scale = Math.min(img.width / src.width, img.height / src.height);
      const w = Math.max(1, Math.round(src.width * scale));
      const h = Math.max(1, Math.round(src.height * scale));
      blitScaled(img, Math.floor((img.width - w) / 2), Math.floor((img.height - h) / 2), w, h, src);
    }
    flips.present(back);
    this.shownIndex = index;
  }
}

/** With no mode set yet: the frames' own size when the device can show it (else the default choice). */
function fitMode(frame: LinearImage, display: GuestDisplay): DisplayMode | undefined {
  const max = display.maxMode;
  return frame.width <= max.width && frame.height <= max.height ? { width: frame.width, height: frame.height } : undefined;
}
