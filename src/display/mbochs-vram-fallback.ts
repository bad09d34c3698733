/**
 * mbochs's dma-bufs cannot be CPU-mapped on a real kernel: the buffer is exported as a read-only file,
 * mm clears VM_SHARED on a shared mapping of a read-only file, and mbochs_mmap_dmabuf refuses any vma
 * without it (-EINVAL). The pixels are in the device's VRAM BAR all the same, and the DISPI registers say
 * where: this maps BAR0 and hands back exactly the plane's bytes, for a consumer to read instead of the
 * dma-buf. Any other device answers -ENODEV.
 */
import {
  Errno,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  VfioPciRegion,
  getRegionInfo,
  getU16,
  isMapping,
  type DeviceFile,
  type Mapping,
} from "../abi/index.ts";

const BOCHS_VENDOR = 0x1234;
const BOCHS_DEVICE = 0x1111;
/** the DISPI registers in the MMIO BAR (QEMU stdvga layout), 16-bit each */
const DISPI_BASE = 0x500;
const DISPI = { XRES: 1, BPP: 3, VIRT_WIDTH: 6, X_OFFSET: 8, Y_OFFSET: 9 } as const;

export interface PlaneGeometry {
  readonly stride: number;
  readonly size: number;
}

function read16(dev: DeviceFile, at: number, buf: Uint8Array): number {
  const n = dev.pread(buf.subarray(0, 2), at);
  return n === 2 ? getU16(buf, 0) : n < 0 ? n : -Errno.EIO;
}

/**
 * The plane the device just described, read through VRAM: a Mapping of `plane.size` bytes, or -errno
 * (-ENODEV: not a Bochs display; -EAGAIN: the guest changed its mode since the query; -EINVAL: the
 * registers put the plane outside VRAM).
 */
export function mapMbochsPlaneFromVram(dev: DeviceFile, plane: PlaneGeometry): Mapping | number {
  const scratch = new Uint8Array(4);
  const config = getRegionInfo(dev, VfioPciRegion.CONFIG);
  if (typeof config === "number") return config;
  if (dev.pread(scratch, config.offset) !== 4) return -Errno.ENODEV;
  if (getU16(scratch, 0) !== BOCHS_VENDOR || getU16(scratch, 2) !== BOCHS_DEVICE) return -Errno.ENODEV;
  const mmio = getRegionInfo(dev, VfioPciRegion.BAR2);
  const vram = getRegionInfo(dev, VfioPciRegion.BAR0);
  if (typeof mmio === "number") return mmio;
  if (typeof vram === "number") return vram;
  const reg: Record<keyof typeof DISPI, number> = { XRES: 0, BPP: 0, VIRT_WIDTH: 0, X_OFFSET: 0, Y_OFFSET: 0 };
  for (const name of Object.keys(DISPI) as (keyof typeof DISPI)[]) {
    const v = read16(dev, mmio.offset + DISPI_BASE + 2 * DISPI[name], scratch);
    if (v < 0) return v;
    reg[name] = v;
  }
  // mbochs_check_framebuffer's arithmetic; a stride other than the query's means the mode moved on.
  const stride = Math.max(reg.VIRT_WIDTH, reg.XRES) * 4;
  if (reg.BPP !== 32 || stride !== plane.stride) return -Errno.EAGAIN;
  const offset = reg.X_OFFSET * 4 + reg.Y_OFFSET * stride;
  if (plane.size <= 0 || offset + plane.size > vram.size) return -Errno.EINVAL;
  // mbochs maps VRAM only from its start (pgoff 3), so map up to the plane's last page and view the plane.
  const length = Math.ceil((offset + plane.size) / PAGE_SIZE) * PAGE_SIZE;
  const m = dev.mmap(Math.min(length, vram.size), PROT_READ, MAP_SHARED, vram.offset);
  if (!isMapping(m)) return m;
  const bytes = m.bytes.subarray(offset, offset + plane.size);
  return { bytes, unmap: () => m.unmap() };
}
