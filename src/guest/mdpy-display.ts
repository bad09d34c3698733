/**
 * GuestDisplay over an mdpy device: one fixed mode (the type's), one buffer, no cursor, no EDID. Asking for
 * another mode is a RangeError: mdpy cannot change resolution.
 */
import type { MdpyGuest } from "./mdpy-guest.ts";
import type { CursorImage, DisplayMode, GuestDisplay, LinearImage } from "./guest-display.ts";

export class MdpyDisplay implements GuestDisplay {
  readonly hasCursor = false;
  readonly bufferCount = 1;
  readonly maxMode: DisplayMode;
  private on = true;

  constructor(private readonly guest: MdpyGuest) {
    this.maxMode = { width: guest.width, height: guest.height };
  }

  get mode(): DisplayMode | undefined {
    return this.on ? this.maxMode : undefined;
  }

  setMode(mode: DisplayMode): void {
    if (mode.width !== this.maxMode.width || mode.height !== this.maxMode.height) {
      throw new RangeError(`mdpy shows only ${this.maxMode.width}x${this.maxMode.height}`);
    }
    this.on = true;
  }

  /** mdpy has no enable bit: "off" only stops drawing; the device keeps showing the framebuffer. */
  disable(): void {
    this.on = false;
  }

  buffer(n: number): LinearImage {
    if (n !== 0) throw new RangeError(`buffer ${n} of 1`);
    return this.guest.image;
  }

  present(n: number): void {
    if (n !== 0) throw new RangeError(`buffer ${n} of 1`);
  }

  setCursor(_image: CursorImage | undefined): void {
    // No cursor plane.
  }

  moveCursor(_x: number, _y: number): void {
    // No cursor plane.
  }

  preferredMode(): DisplayMode | undefined {
    return undefined;
  }
}
