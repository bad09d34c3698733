/**
 * One mdpy instance as the VFIO core sees it (the sample's mdpy_dev_ops): ioctl, read, write and mmap.
 *
 * Every ioctl follows the sample's pattern: copy in offsetofend(last field) bytes (-EFAULT if the caller's
 * buffer is shorter), check argsz against that same minimum (-EINVAL), answer, and copy back exactly those
 * bytes. Fields the sample does not set (argsz, index, flags of IRQ info, cap_offset of region info, the
 * request fields of a plane query) therefore come back as the caller sent them. Handlers work in place on
 * the caller's buffer and only write once every check has passed, which is the same thing as the kernel's
 * copy to a stack struct and back.
 */
import {
  DEVICE_INFO_MINSZ,
  DeviceInfoOffset,
  Errno,
  GFX_PLANE_INFO_MINSZ,
  GfxPlaneInfoOffset,
  IRQ_INFO_SIZE,
  IrqInfoOffset,
  PAGE_SIZE,
  REGION_INFO_SIZE,
  RegionInfoOffset,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_PCI_NUM_IRQS,
  VFIO_PCI_NUM_REGIONS,
  VfioDeviceFlags,
  getU32,
  setU32,
  setU64Number,
  type IoctlArg,
} from "../../abi/index.ts";
import { userBytes, type IoctlContext, type Vma } from "../../kernel/open-file.ts";
import type { VfioDeviceOps } from "../../kernel/vfio-device.ts";
import type { PciConfigSpace } from "../common/pci-config.ts";
import { createMdpyConfigSpace } from "./config-space.ts";
import { MdpyFramebuffer } from "./framebuffer.ts";
import { MDPY_MEMORY_BAR_OFFSET } from "./mdpy-defs.ts";
import { queryMdpyPlane } from "./plane-query.ts";
import { MdpyRegionAccess } from "./region-access.ts";
import { describeRegion } from "./region-info.ts";
import { typeResolution, type MdpyTypeSpec } from "./types.ts";

export interface MdpyDeviceOptions {
  /** Reproduce the sample's BAR0 pread/pwrite bug (every piece lands at framebuffer offset 0). */
  quirks?: boolean;
}

/** offsetofend(struct vfio_irq_info, count): the whole struct. */
const IRQ_INFO_MINSZ = IRQ_INFO_SIZE;
/** offsetofend(struct vfio_region_info, offset): the whole struct. */
const REGION_INFO_MINSZ = REGION_INFO_SIZE;

export class MdpyDevice implements VfioDeviceOps {
  readonly framebuffer: MdpyFramebuffer;
  readonly config: PciConfigSpace;
  readonly quirks: boolean;
  private readonly access: MdpyRegionAccess;
  /**
   * num_irqs from the last successful GET_INFO. The sample caches the reply and GET_IRQ_INFO checks the
   * index against it, so before any GET_INFO every IRQ index is -EINVAL. It lives as long as the device,
   * across opens and resets.
   */
  private cachedNumIrqs = 0;

  constructor(
    readonly type: MdpyTypeSpec,
    options: MdpyDeviceOptions = {},
  ) {
    this.quirks = options.quirks ?? false;
    this.framebuffer = new MdpyFramebuffer(type);
    this.config = createMdpyConfigSpace(type, this.framebuffer.size);
    this.access = new MdpyRegionAccess(this.config, this.framebuffer, this.quirks);
    this.framebuffer.paintGradient();
  }

  /** The device's vendor/resolution sysfs attribute. */
  resolution(): string {
    return typeResolution(this.type);
  }

  ioctl(request: number, arg: IoctlArg, _ctx: IoctlContext): number {
    switch (request) {
      case VFIO_DEVICE_GET_INFO:
        return this.getInfo(arg);
      case VFIO_DEVICE_GET_REGION_INFO:
        return this.getRegionInfo(arg);
      case VFIO_DEVICE_GET_IRQ_INFO:
        return this.getIrqInfo(arg);
      case VFIO_DEVICE_QUERY_GFX_PLANE:
        return this.queryGfxPlane(arg);
      case VFIO_DEVICE_SET_IRQS:
        // No interrupts at all; the argument is not even read.
        return -Errno.EINVAL;
      case VFIO_DEVICE_RESET:
        this.framebuffer.paintGradient();
        return 0;
      default:
        // Including GET_GFX_DMABUF: mdpy has no dma-buf path.
        return -Errno.ENOTTY;
    }
  }

  read(buf: Uint8Array, pos: number): number {
    return this.access.read(buf, pos);
  }

  write(buf: Uint8Array, pos: number): number {
    return this.access.write(buf, pos);
  }

  /** Only the framebuffer can be mapped, only at its own offset, only shared, and no longer than it is. */
  mmap(vma: Vma): Uint8Array | number {
    if (vma.pgoff !== MDPY_MEMORY_BAR_OFFSET / PAGE_SIZE) return -Errno.EINVAL;
    if (vma.length > this.framebuffer.size) return -Errno.EINVAL;
    if (!vma.shared) return -Errno.EINVAL;
    // The fd layer never passes an empty or odd length; a direct caller that does gets the same answer as
    // a vma with vm_end < vm_start.
    return this.framebuffer.view(vma.length) ?? -Errno.EINVAL;
  }

  private getInfo(arg: IoctlArg): number {
    const info = userBytes(arg, DEVICE_INFO_MINSZ);
    if (typeof info === "number") return info;
    if (getU32(info, DeviceInfoOffset.argsz) < DEVICE_INFO_MINSZ) return -Errno.EINVAL;
    // No RESET flag, although VFIO_DEVICE_RESET works: the sample does not advertise it.
    setU32(info, DeviceInfoOffset.flags, VfioDeviceFlags.PCI);
    setU32(info, DeviceInfoOffset.numRegions, VFIO_PCI_NUM_REGIONS);
    setU32(info, DeviceInfoOffset.numIrqs, VFIO_PCI_NUM_IRQS);
    this.cachedNumIrqs = VFIO_PCI_NUM_IRQS;
    return 0;
  }

  private getRegionInfo(arg: IoctlArg): number {
    const info = userBytes(arg, REGION_INFO_MINSZ);
    if (typeof info === "number") return info;
    if (getU32(info, RegionInfoOffset.argsz) < REGION_INFO_MINSZ) return -Errno.EINVAL;
    const region = describeRegion(getU32(info, RegionInfoOffset.index), this.framebuffer.size);
    if (typeof region === "number") return region;
    setU32(info, RegionInfoOffset.flags, region.flags);
    setU64Number(info, RegionInfoOffset.size, region.size);
    setU64Number(info, RegionInfoOffset.offset, region.offset);
    return 0;
  }

  private getIrqInfo(arg: IoctlArg): number {
    const info = userBytes(arg, IRQ_INFO_MINSZ);
    if (typeof info === "number") return info;
    if (getU32(info, IrqInfoOffset.argsz) < IRQ_INFO_MINSZ) return -Errno.EINVAL;
    if (getU32(info, IrqInfoOffset.index) >= this.cachedNumIrqs) return -Errno.EINVAL;
    setU32(info, IrqInfoOffset.count, 0);
    return 0;
  }

  private queryGfxPlane(arg: IoctlArg): number {
    const plane = userBytes(arg, GFX_PLANE_INFO_MINSZ);
    if (typeof plane === "number") return plane;
    if (getU32(plane, GfxPlaneInfoOffset.argsz) < GFX_PLANE_INFO_MINSZ) return -Errno.EINVAL;
    return queryMdpyPlane(plane, this.type, this.framebuffer.size);
  }
}
