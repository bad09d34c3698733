/**
 * One GVT-g vGPU instance: the VfioDeviceOps of kvmgt.c over the display model of GVT (KERNEL-ABI.md §3.3).
 *
 * Device-fd layout: region `index` at fd offset `index << 40` (vfio-pci's convention, which kvmgt uses):
 * 0 BAR0 (MMIO + GGTT, 16 MiB), 7 config space (4 KiB), 9 OpRegion, 10 EDID. Reads and writes are split
 * into naturally aligned 4/2/1-byte pieces as intel_vgpu_read/write do, and any failed piece fails the whole
 * call with -EFAULT (kvmgt's read_err/write_err), whatever the region handler's own errno was.
 */
import {
  DEVICE_INFO_MINSZ,
  Errno,
  GFX_PLANE_INFO_MINSZ,
  GfxPlaneInfoView,
  IRQ_INFO_SIZE,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  VFIO_GFX_PLANE_TYPE_PROBE,
  VFIO_PCI_NUM_IRQS,
  VFIO_PCI_NUM_REGIONS,
  VFIO_REGION_SUBTYPE_GFX_EDID,
  VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION,
  VFIO_REGION_TYPE_GFX,
  VFIO_REGION_TYPE_PCI_VENDOR_TYPE,
  VfioDeviceFlags,
  VfioIrqInfoFlags,
  VfioPciIrq,
  VfioPciRegion,
  VfioRegionFlags,
  encodeRegionTypeCap,
  getU32,
  setU32,
  type IoctlArg,
} from "../../abi/index.ts";
import type { GuestRam } from "../../kernel/guest-ram.ts";
import type { IoctlContext, Vma } from "../../kernel/open-file.ts";
import { userBytes } from "../../kernel/open-file.ts";
import { coreGetRegionInfo, type RegionDescription } from "../../kernel/region-info-reply.ts";
import type { VfioDeviceOps } from "../../kernel/vfio-device.ts";
import { GVT_CONFIG_SPACE_SIZE, GvtConfigSpace, PCI_VENDOR_ID_INTEL } from "./config-space.ts";
import type { PinSource } from "./dmabuf-backing.ts";
import { GvtDmabufList } from "./dmabuf-list.ts";
import { EDID_REGION_SIZE, EdidRegion } from "./edid.ts";
import { Ggtt, type GmRanges } from "./ggtt.ts";
import { GvtMmio } from "./mmio.ts";
import { OPREGION_SIZE, buildOpRegion, opRegionAccess } from "./opregion.ts";
import { decodePlane, emptyFbInfo, type DecodeContext } from "./plane-decoder.ts";
import { BAR0_SIZE, GTT_OFFSET, GTT_SIZE, MMIO_SIZE } from "./regs.ts";
import { HOST_GM, type GvtTypeSpec } from "./types.ts";

/** VFIO_PCI_OFFSET_SHIFT: region index in the top bits of a device-fd offset */
export const VFIO_PCI_OFFSET_SHIFT = 40;
const OFFSET_UNIT = 2 ** VFIO_PCI_OFFSET_SHIFT;
export const GVT_OPREGION_INDEX = VFIO_PCI_NUM_REGIONS;
export const GVT_EDID_INDEX = VFIO_PCI_NUM_REGIONS + 1;
/** OpRegion and EDID */
export const GVT_NUM_DEVICE_REGIONS = 2;
export const GVT_NUM_REGIONS = VFIO_PCI_NUM_REGIONS + GVT_NUM_DEVICE_REGIONS;

export function regionOffset(index: number): number {
  return index * OFFSET_UNIT;
}

/** Where the VM's RAM comes from when the device is opened (the VMM's DMA mappings). */
export type GuestRamProvider = (uuid: string) => GuestRam | undefined;

export class GvtDevice implements VfioDeviceOps {
  readonly mmio: GvtMmio;
  readonly ggtt: Ggtt;
  readonly edid: EdidRegion;
  readonly config: GvtConfigSpace;
  readonly opregion = buildOpRegion();
  readonly dmabufs = new GvtDmabufList();
  /** the VM's RAM while the device is open */
  private ram: GuestRam | undefined;
  /** the kernel's on-stack vfio_device_gfx_plane_info (zeroed, then 60 bytes copied in) */
  private readonly plane = new GfxPlaneInfoView();
  private readonly fb = emptyFbInfo();
  private readonly decodeCtx: DecodeContext;
  private readonly pinSource = (): PinSource | undefined => (this.ram ? { ggtt: this.ggtt, ram: this.ram } : undefined);

  constructor(
    readonly uuid: string,
    readonly type: GvtTypeSpec,
    readonly gm: GmRanges,
    readonly vgpuId: number,
    private readonly guestRam: GuestRamProvider,
  ) {
    this.ggtt = new Ggtt(gm);
    this.edid = new EdidRegion(type.maxX, type.maxY, (connected) => this.mmio.hotplug(connected));
    this.mmio = new GvtMmio(gm, vgpuId, this.edid.blob, type.fences);
    this.config = new GvtConfigSpace(BAR0_SIZE, HOST_GM.apertureSize);
    const self = this;
    this.decodeCtx = {
      mmio: this.mmio,
      ggtt: this.ggtt,
      get ram(): GuestRam {
        return self.ram!;
      },
    };
  }

  get guestRamAttached(): GuestRam | undefined {
    return this.ram;
  }

  /** intel_vgpu_open_device: the VM's memory must be there (GVT requires KVM; the model a GuestRam). */
  openDevice(): number {
    const ram = this.guestRam(this.uuid);
    if (!ram) return -Errno.ENODEV;
    this.ram = ram;
    return 0;
  }

  /** intel_vgpu_close_device → intel_gvt_release_vgpu → intel_vgpu_dmabuf_cleanup. */
  closeDevice(): void {
    this.dmabufs.cleanup();
    this.ram = undefined;
  }

  /**
   * VFIO_DEVICE_RESET (a device-model-level reset): registers back to their reset values (pipe A on, every
   * plane off, PVINFO repopulated, monitor present) and every GGTT entry cleared. dma-buf objects and
   * buffers already exported are untouched (pinned buffers keep their pages).
   */
  reset(): number {
    this.mmio.reset();
    this.ggtt.clear();
    return 0;
  }

  ioctl(request: number, arg: IoctlArg, ctx: IoctlContext): number {
    switch (request) {
      case VFIO_DEVICE_GET_INFO:
        return this.getInfo(arg);
      case VFIO_DEVICE_GET_REGION_INFO:
        return coreGetRegionInfo(arg, (i) => this.describeRegion(i));
      case VFIO_DEVICE_GET_IRQ_INFO:
        return this.getIrqInfo(arg);
      case VFIO_DEVICE_SET_IRQS:
        // No interrupt delivery in the model (a guest polls SDEIIR for hotplug).
        return -Errno.EINVAL;
      case VFIO_DEVICE_RESET:
        return this.reset();
      case VFIO_DEVICE_QUERY_GFX_PLANE:
        return this.queryGfxPlane(arg);
      case VFIO_DEVICE_GET_GFX_DMABUF:
        return this.getGfxDmabuf(arg, ctx);
      default:
        return -Errno.ENOTTY;
    }
  }

  private getInfo(arg: IoctlArg): number {
    const b = userBytes(arg, DEVICE_INFO_MINSZ);
    if (typeof b === "number") return b;
    if (getU32(b, 0) < DEVICE_INFO_MINSZ) return -Errno.EINVAL;
    setU32(b, 4, VfioDeviceFlags.PCI | VfioDeviceFlags.RESET);
    setU32(b, 8, GVT_NUM_REGIONS);
    setU32(b, 12, VFIO_PCI_NUM_IRQS);
    return 0;
  }

  private getIrqInfo(arg: IoctlArg): number {
    const b = userBytes(arg, IRQ_INFO_SIZE);
    if (typeof b === "number") return b;
    const index = getU32(b, 8);
    if (getU32(b, 0) < IRQ_INFO_SIZE || index >= VFIO_PCI_NUM_IRQS) return -Errno.EINVAL;
    if (index !== VfioPciIrq.INTX && index !== VfioPciIrq.MSI) return -Errno.EINVAL;
    const flags =
      VfioIrqInfoFlags.EVENTFD |
      (index === VfioPciIrq.INTX ? VfioIrqInfoFlags.MASKABLE | VfioIrqInfoFlags.AUTOMASKED : VfioIrqInfoFlags.NORESIZE);
    setU32(b, 4, flags);
    setU32(b, 12, 1);
    return 0;
  }

  describeRegion(index: number): RegionDescription | number {
    const RW = VfioRegionFlags.READ | VfioRegionFlags.WRITE;
    const offset = regionOffset(index);
    switch (index) {
      case VfioPciRegion.BAR0:
        return { offset, size: BAR0_SIZE, flags: RW };
      case VfioPciRegion.CONFIG:
        return { offset, size: GVT_CONFIG_SPACE_SIZE, flags: RW };
      case GVT_OPREGION_INDEX:
        return {
          offset,
          size: OPREGION_SIZE,
          flags: VfioRegionFlags.READ,
          caps: [encodeRegionTypeCap((VFIO_REGION_TYPE_PCI_VENDOR_TYPE | PCI_VENDOR_ID_INTEL) >>> 0, VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION)],
        };
      case GVT_EDID_INDEX:
        return {
          offset,
          size: EDID_REGION_SIZE,
          flags: RW | VfioRegionFlags.CAPS,
          caps: [encodeRegionTypeCap(VFIO_REGION_TYPE_GFX, VFIO_REGION_SUBTYPE_GFX_EDID)],
        };
      default:
        // BAR1..5 (the aperture BAR2 is not modelled), ROM and VGA: no region; past the last: -EINVAL
        if (index >= GVT_NUM_REGIONS) return -Errno.EINVAL;
        return { offset, size: 0, flags: 0 };
    }
  }

  /**
   * intel_vgpu_query_plane through kvmgt's ioctl: the kernel struct is zeroed, 60 bytes copied in, 60
   * copied back on success, nothing on error. A plane that is not there (-ENODEV inside) answers 0 with
   * the caller's struct as it was. Allocation-free unless a new framebuffer object is created.
   */
  private queryGfxPlane(arg: IoctlArg): number {
    const user = userBytes(arg, GFX_PLANE_INFO_MINSZ);
    if (typeof user === "number") return user;
    const p = this.plane;
    const k = p.bytes;
    k.fill(0);
    for (let i = 0; i < GFX_PLANE_INFO_MINSZ; i++) k[i] = user[i]!;
    if (p.argsz < GFX_PLANE_INFO_MINSZ) return -Errno.EINVAL;

    const flags = p.flags;
    if (flags === (VFIO_GFX_PLANE_TYPE_DMABUF | VFIO_GFX_PLANE_TYPE_PROBE)) return this.copyOut(user);
    if ((flags & ~VFIO_GFX_PLANE_TYPE_DMABUF) !== 0 || flags === 0) return -Errno.EINVAL;

    const fb = this.fb;
    const ret = this.ram ? decodePlane(this.decodeCtx, p.drmPlaneType, fb) : -Errno.ENODEV;
    if (ret === -Errno.ENODEV) return this.copyOut(user);
    if (ret < 0) return ret;

    let obj = this.dmabufs.findByInfo(fb);
    if (obj) this.dmabufs.takeInitref(obj);
    else obj = this.dmabufs.create(fb);
    // update_fb_info: the reply carries the latest decode (position, hotspot, stride) and the object's id
    p.drmFormat = fb.drmFormat;
    p.setModifier(fb.modLo, fb.modHi);
    p.width = fb.width;
    p.height = fb.height;
    p.stride = fb.stride;
    p.size = fb.size;
    p.xPos = fb.xPos;
    p.yPos = fb.yPos;
    p.xHot = fb.xHot;
    p.yHot = fb.yHot;
    p.id = obj.id;
    return this.copyOut(user);
  }

  private copyOut(user: Uint8Array): number {
    const k = this.plane.bytes;
    for (let i = 0; i < GFX_PLANE_INFO_MINSZ; i++) user[i] = k[i]!;
    return 0;
  }

  /** intel_vgpu_get_dmabuf: a new O_RDWR dma-buf per call for a listed id; unknown id → -EINVAL. */
  private getGfxDmabuf(arg: IoctlArg, ctx: IoctlContext): number {
    const b = userBytes(arg, 4);
    if (typeof b === "number") return b;
    const obj = this.dmabufs.findById(getU32(b, 0));
    if (!obj) return -Errno.EINVAL;
    const buf = this.dmabufs.export(obj, `gvt:${this.uuid}`, this.pinSource);
    const fd = ctx.installFd(buf.file);
    buf.file.put(); // the export's own reference: now held by the fd, or released if there was no fd
    if (fd < 0) return fd;
    this.dmabufs.dropInitref(obj);
    return fd;
  }

  read(buf: Uint8Array, pos: number): number {
    return this.rw(buf, pos, false);
  }

  write(buf: Uint8Array, pos: number): number {
    return this.rw(buf, pos, true);
  }

  /**
   * intel_vgpu_read / intel_vgpu_write: naturally aligned 4/2/1-byte pieces. (kvmgt also has an 8-byte
   * path for GGTT entries, but its check compares the region index with PCI_BASE_ADDRESS_0 (0x10) and so
   * never matches: PTEs are always written as two 4-byte halves.)
   */
  private rw(buf: Uint8Array, pos: number, isWrite: boolean): number {
    let done = 0;
    while (done < buf.length) {
      const left = buf.length - done;
      const at = pos + done;
      const size = left >= 4 && at % 4 === 0 ? 4 : left >= 2 && at % 2 === 0 ? 2 : 1;
      if (this.piece(buf.subarray(done, done + size), at, isWrite) <= 0) return -Errno.EFAULT;
      done += size;
    }
    return done;
  }

  /** intel_vgpu_rw for one piece: > 0 on success, ≤ 0 (a negative errno) on failure. */
  private piece(data: Uint8Array, pos: number, isWrite: boolean): number {
    const index = Math.floor(pos / OFFSET_UNIT);
    const off = pos - index * OFFSET_UNIT;
    if (index >= GVT_NUM_REGIONS) return -Errno.EINVAL;
    switch (index) {
      case VfioPciRegion.CONFIG: {
        const ok = isWrite ? this.config.write(off, data) : this.config.read(off, data);
        return ok ? data.length : -Errno.EINVAL;
      }
      case VfioPciRegion.BAR0:
        return this.bar0(data, off, isWrite);
      case GVT_OPREGION_INDEX:
        return opRegionAccess(this.opregion, data, off, isWrite);
      case GVT_EDID_INDEX:
        return this.edid.access(data, off, isWrite);
      default:
        // BAR1..5, ROM and VGA: nothing there
        return -Errno.EINVAL;
    }
  }

  /** intel_vgpu_emulate_mmio_read/write on BAR0: the GGTT (4-byte PTE halves) or the MMIO registers. */
  private bar0(data: Uint8Array, off: number, isWrite: boolean): number {
    const n = data.length;
    if (off >= GTT_OFFSET && off < GTT_OFFSET + GTT_SIZE) {
      if (n !== 4 || off % 4 !== 0) return -Errno.EINVAL;
      if (isWrite) this.ggtt.writeHalf(off - GTT_OFFSET, getU32(data, 0));
      else setU32(data, 0, this.ggtt.readHalf(off - GTT_OFFSET));
      return n;
    }
    if (off + n <= MMIO_SIZE) {
      if (isWrite) this.mmio.write(off, data);
      else this.mmio.read(off, data);
      return n;
    }
    // 2 MiB..8 MiB and past the GGTT: nothing the model emulates
    return -Errno.EINVAL;
  }

  /**
   * intel_vgpu_mmap: only the aperture (BAR2) can be mapped, MAP_SHARED. The model has no aperture, so
   * every mmap of the device fd is -EINVAL.
   */
  mmap(_vma: Vma): number {
    return -Errno.EINVAL;
  }

}
