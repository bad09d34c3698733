/**
 * What a guest workload draws through: the guest OS's display driver reduced to what a desktop, a text
 * console or a video player needs. Implemented over each guest driver (bochs, gvt, mdpy); workloads never
 * see registers, GGTT entries or tiling.
 */

/** A linear XRGB8888 image (the pixel value is 0x00RRGGBB), row `y` starting at `y * stridePixels`. */
export interface LinearImage {
  readonly width: number;
  readonly height: number;
  readonly stridePixels: number;
  readonly pixels: Uint32Array;
}

export interface DisplayMode {
  width: number;
  height: number;
}

/** An ARGB8888 cursor image (0xAARRGGBB) and its hotspot. */
export interface CursorImage extends LinearImage {
  hotX: number;
  hotY: number;
}

export interface GuestDisplay {
  /** The largest mode the device can show (from its memory and, where there is one, the EDID). */
  readonly maxMode: DisplayMode;
  /** The current mode, or undefined while the display is off. */
  readonly mode: DisplayMode | undefined;
  /** How many whole frame buffers the current mode has (≥ 1): workloads that page-flip use 2. */
  readonly bufferCount: number;
  /** Switch mode (throws a RangeError for a mode the device cannot show). */
  setMode(mode: DisplayMode): void;
  /** Turn the display off. */
  disable(): void;
  /** The image to draw buffer `n` into. Changes become visible no later than `present(n)`. */
  buffer(n: number): LinearImage;
  /** Show buffer `n` (a page flip when it is not the one shown). */
  present(n: number): void;
  /** Whether the device has a cursor plane. */
  readonly hasCursor: boolean;
  /** Set the cursor image (undefined hides it). */
  setCursor(image: CursorImage | undefined): void;
  moveCursor(x: number, y: number): void;
  /** The EDID preferred mode the host published, if the device has an EDID and the link is up. */
  preferredMode(): DisplayMode | undefined;
}
