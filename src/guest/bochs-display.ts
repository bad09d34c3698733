/**
 * GuestDisplay over a Bochs display: the framebuffer is VRAM itself (XRGB8888, linear), so a workload draws
 * straight into guest memory; page flips pan Y_OFFSET between two buffers when VRAM holds two frames.
 * There is no cursor plane (mbochs has none): workloads draw their cursor into the frame.
 */
import type { BochsGuest } from "./bochs-guest.ts";
import { edidPreferredMode } from "./edid-preferred-mode.ts";
import type { CursorImage, DisplayMode, GuestDisplay, LinearImage } from "./guest-display.ts";

const MAX_BUFFERS = 2;

export class BochsDisplay implements GuestDisplay {
  readonly hasCursor = false;
  private current: DisplayMode | undefined;
  constructor(private readonly guest: BochsGuest) {}

  /** The largest 16:9 mode (width a multiple of 8) whose single frame fits VRAM: DISPI itself has no limit. */
  get maxMode(): DisplayMode {
    const pixels = this.guest.vramSize / 4;
    const width = Math.min(0xfff8, Math.floor(Math.sqrt((pixels * 16) / 9) / 8) * 8);
    return { width, height: Math.min(0xffff, Math.floor((width * 9) / 16)) };
  }

  get mode(): DisplayMode | undefined {
    return this.current;
  }

  get bufferCount(): number {
    return this.current ? Math.min(MAX_BUFFERS, this.guest.bufferCount) : 0;
  }

  setMode(mode: DisplayMode): void {
    this.guest.setMode({ width: mode.width, height: mode.height });
    this.current = { width: mode.width, height: mode.height };
  }

  disable(): void {
    this.guest.disable();
    this.current = undefined;
  }

  buffer(n: number): LinearImage {
    const mode = this.requireMode();
    if (!Number.isInteger(n) || n < 0 || n >= this.bufferCount) throw new RangeError(`buffer ${n} of ${this.bufferCount}`);
    const stridePixels = this.guest.stride / 4;
    const start = (this.guest.bufferOffset(n) >>> 2);
    return { width: mode.width, height: mode.height, stridePixels, pixels: this.guest.vramPixels.subarray(start, start + stridePixels * mode.height) };
  }

  present(n: number): void {
    this.requireMode();
    this.guest.flip(n);
  }

  setCursor(_image: CursorImage | undefined): void {
    // No cursor plane on this device: nothing to program.
  }

  moveCursor(_x: number, _y: number): void {
    // No cursor plane on this device.
  }

  preferredMode(): DisplayMode | undefined {
    return edidPreferredMode(this.guest.readEdid(128));
  }

  private requireMode(): DisplayMode {
    if (!this.current) throw new Error("the display is off");
    return this.current;
  }
}
