/**
 * GuestDisplay over a GVT guest: two scanout buffers in GGTT-mapped guest pages (X-tiled by default, as
 * i915 scans out), a real cursor plane, and the EDID the host published through DP AUX.
 *
 * Workloads draw into linear staging images; present(n) writes buffer n's image into its surface through the
 * shared tiled writer (format conversion and tiling in one pass) and flips PLANE_SURF to it. Buffers are
 * allocated once at the largest mode; a smaller mode shows the top-left of them with the same stride, so
 * mode changes never take more guest memory.
 */
import { DrmFormat, I915_FORMAT_MOD_X_TILED } from "../abi/index.ts";
import type { CursorImage, DisplayMode, GuestDisplay, LinearImage } from "./guest-display.ts";
import type { GvtGuest, GvtSurface } from "./gvt-guest.ts";
import { writeImage } from "./tiled-surface.ts";

export interface GvtDisplayOptions {
  /** the largest mode buffers are allocated for (default 1920x1200, the GVT types' limit) */
  maxMode?: DisplayMode;
  /** scanout modifier (default I915 X tiling) */
  modifier?: bigint;
  /** scanout format (default XRGB8888) */
  drmFormat?: number;
}

const BUFFERS = 2;
const CURSOR_SIZES = [64, 128, 256] as const;

export class GvtDisplay implements GuestDisplay {
  readonly hasCursor = true;
  readonly bufferCount = BUFFERS;
  readonly maxMode: DisplayMode;
  private readonly surfaces: GvtSurface[];
  private readonly staging: Uint32Array[];
  private current: DisplayMode | undefined;
  private views: GvtSurface[] = [];
  private cursors = new Map<number, GvtSurface>();

  constructor(
    private readonly guest: GvtGuest,
    options: GvtDisplayOptions = {},
  ) {
    this.maxMode = options.maxMode ?? { width: 1920, height: 1200 };
    const { width, height } = this.maxMode;
    const modifier = options.modifier ?? I915_FORMAT_MOD_X_TILED;
    const drmFormat = options.drmFormat ?? DrmFormat.XRGB8888;
    this.surfaces = Array.from({ length: BUFFERS }, () => guest.allocSurface({ width, height, drmFormat, modifier }));
    this.staging = Array.from({ length: BUFFERS }, () => new Uint32Array(width * height));
  }

  get mode(): DisplayMode | undefined {
    return this.current;
  }

  setMode(mode: DisplayMode): void {
    const { width, height } = mode;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > this.maxMode.width || height > this.maxMode.height) {
      throw new RangeError(`${width}x${height} is outside 1x1..${this.maxMode.width}x${this.maxMode.height}`);
    }
    this.current = { width, height };
    // The same memory, described with the new size: PIPESRC and the plane follow on the next show().
    this.views = this.surfaces.map((s) => ({ ...s, width, height, page: s.page }));
    this.present(0);
  }

  disable(): void {
    this.guest.disablePlane();
    this.current = undefined;
  }

  buffer(n: number): LinearImage {
    const mode = this.requireMode();
    if (!Number.isInteger(n) || n < 0 || n >= BUFFERS) throw new RangeError(`buffer ${n} of ${BUFFERS}`);
    const pixels = this.staging[n]!.subarray(0, mode.width * mode.height);
    return { width: mode.width, height: mode.height, stridePixels: mode.width, pixels };
  }

  present(n: number): void {
    this.requireMode();
    const view = this.views[n];
    if (!view) throw new RangeError(`buffer ${n} of ${BUFFERS}`);
    writeImage(view, this.buffer(n), 0, 0);
    this.guest.show(view);
  }

  setCursor(image: CursorImage | undefined): void {
    if (!image) {
      this.guest.hideCursor();
      return;
    }
    const size = CURSOR_SIZES.find((s) => s >= image.width && s >= image.height);
    if (!size) throw new RangeError(`a ${image.width}x${image.height} cursor is larger than 256x256`);
    let surface = this.cursors.get(size);
    if (!surface) {
      surface = this.guest.allocCursor(size);
      this.cursors.set(size, surface);
    }
    // Written pixel by pixel: the cursor is ARGB and its alpha must survive (the image writer makes A opaque).
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = x < image.width && y < image.height;
        this.guest.setPixel(surface, x, y, inside ? image.pixels[y * image.stridePixels + x]! >>> 0 : 0);
      }
    }
    this.guest.setHotspot(image.hotX, image.hotY);
    this.guest.setCursor(surface);
  }

  /** (x, y) is the cursor image's top-left corner, as CURPOS takes it; negative values are allowed. */
  moveCursor(x: number, y: number): void {
    this.guest.moveCursor(x, y);
  }

  preferredMode(): DisplayMode | undefined {
    return this.guest.preferredMode();
  }

  private requireMode(): DisplayMode {
    if (!this.current) throw new Error("the display is off");
    return this.current;
  }
}
