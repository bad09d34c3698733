/**
 * Bochs VBE "DISPI" registers (QEMU stdvga, include/hw/display/bochs-vbe.h) and how mbochs turns them into
 * a framebuffer description (mbochs_check_framebuffer).
 */
import { DrmFormat } from "../../abi/index.ts";

export const VbeIndex = {
  ID: 0,
  XRES: 1,
  YRES: 2,
  BPP: 3,
  ENABLE: 4,
  BANK: 5,
  VIRT_WIDTH: 6,
  VIRT_HEIGHT: 7,
  X_OFFSET: 8,
  Y_OFFSET: 9,
  VIDEO_MEMORY_64K: 10,
} as const;
export const VBE_DISPI_INDEX_COUNT = 11;
export const VBE_DISPI_ID5 = 0xb0c5;
export const VbeEnable = { ENABLED: 0x01, GETCAPS: 0x02, DAC_8BIT: 0x20, LFB_ENABLED: 0x40, NOCLEARMEM: 0x80 } as const;

/** Offsets inside the MMIO BAR (BAR2, 4 KiB), the same layout as QEMU's stdvga MMIO BAR. */
export const MmioLayout = {
  EDID_START: 0x000,
  EDID_END: 0x3ff,
  VGA_IOPORTS_START: 0x400,
  VGA_IOPORTS_END: 0x41f,
  DISPI_START: 0x500,
  DISPI_END: 0x515,
  QEMU_EXT_START: 0x600,
  QEMU_EXT_END: 0x607,
} as const;

/** A decoded framebuffer: every field takes part in mode equality, as mbochs memcmp()s its mode struct. */
export interface BochsMode {
  drmFormat: number;
  bytesPerPixel: number;
  width: number;
  height: number;
  stride: number;
  offset: number;
  size: number;
}

export function modesEqual(a: BochsMode, b: BochsMode): boolean {
  return (
    a.drmFormat === b.drmFormat &&
    a.bytesPerPixel === b.bytesPerPixel &&
    a.width === b.width &&
    a.height === b.height &&
    a.stride === b.stride &&
    a.offset === b.offset &&
    a.size === b.size
  );
}

/**
 * The framebuffer the guest programmed, or undefined for "no framebuffer" (disabled, not 32 bpp, smaller
 * than 64x64, or not inside VRAM). Register values are u16, so every product below stays far below 2^53
 * and the range check is exact: a guest cannot describe memory outside VRAM.
 */
export function decodeFramebuffer(vbe: Uint16Array, memsize: number, into: BochsMode): boolean {
  if ((vbe[VbeIndex.ENABLE]! & VbeEnable.ENABLED) === 0) return false;
  if (vbe[VbeIndex.BPP] !== 32) return false;
  const bytesPerPixel = 4;
  const width = vbe[VbeIndex.XRES]!;
  const height = vbe[VbeIndex.YRES]!;
  const virtWidth = Math.max(vbe[VbeIndex.VIRT_WIDTH]!, width);
  const stride = virtWidth * bytesPerPixel;
  const size = stride * height;
  const offset = vbe[VbeIndex.X_OFFSET]! * bytesPerPixel + vbe[VbeIndex.Y_OFFSET]! * stride;
  if (width < 64 || height < 64) return false;
  if (offset + size > memsize) return false;
  into.drmFormat = DrmFormat.XRGB8888;
  into.bytesPerPixel = bytesPerPixel;
  into.width = width;
  into.height = height;
  into.stride = stride;
  into.offset = offset;
  into.size = size;
  return true;
}

export function emptyMode(): BochsMode {
  return { drmFormat: 0, bytesPerPixel: 0, width: 0, height: 0, stride: 0, offset: 0, size: 0 };
}
