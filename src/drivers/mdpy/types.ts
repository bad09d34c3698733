/**
 * The three mdpy types. Each fixes one mode; the framebuffer is the mode's byte size rounded up to a power
 * of two (the sample's roundup_pow_of_two), which is also BAR0's size — BAR sizing needs a power of two.
 */
import { DrmFormat } from "../../abi/index.ts";

export interface MdpyTypeSpec {
  /** sysfs type directory name, which is also the `name` attribute ("mdpy-" + the sample's type name) */
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** DRM fourcc; the sample only ever uses XRGB8888 */
  readonly format: number;
  readonly bytesPerPixel: number;
}

export const MDPY_TYPES: readonly MdpyTypeSpec[] = [
  { id: "mdpy-vga", width: 640, height: 480, format: DrmFormat.XRGB8888, bytesPerPixel: 4 },
  { id: "mdpy-xga", width: 1024, height: 768, format: DrmFormat.XRGB8888, bytesPerPixel: 4 },
  { id: "mdpy-hd", width: 1920, height: 1080, format: DrmFormat.XRGB8888, bytesPerPixel: 4 },
];

/** The module parameter `count`: how many mdpy devices may exist at once, over all types. */
export const DEFAULT_MAX_DEVICES = 4;

/** The smallest power of two ≥ n (n ≥ 1), as the kernel's roundup_pow_of_two. */
export function roundupPowOfTwo(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`roundupPowOfTwo needs a positive integer, got ${n}`);
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function typeStride(t: MdpyTypeSpec): number {
  return t.width * t.bytesPerPixel;
}

/** Framebuffer (and BAR0, and region 16) size in bytes. */
export function typeFramebufferSize(t: MdpyTypeSpec): number {
  return roundupPowOfTwo(typeStride(t) * t.height);
}

/** The `description` attribute's text, without the trailing newline sysfs adds. */
export function typeDescription(t: MdpyTypeSpec): string {
  return `virtual display, ${t.width}x${t.height} framebuffer`;
}

/** The device's vendor/resolution attribute, without the trailing newline. */
export function typeResolution(t: MdpyTypeSpec): string {
  return `${t.width}x${t.height}`;
}
