/**
 * One mbochs vGPU instance: the VfioDeviceOps of samples/vfio-mdev/mbochs.c (KERNEL-ABI.md §3.1).
 *
 * Device-fd layout: config space @0x0000, MMIO BAR2 @0x1000, EDID region @0x2000, VRAM BAR0 @0x3000.
 * With `quirks` on, the model also does what the real driver observably gets wrong (see README.md).
 */
import {
  DEVICE_INFO_CAPS_START,
  DEVICE_INFO_MINSZ,
  DEVICE_INFO_SIZE,
  Errno,
  IRQ_SET_SIZE,
  PLANE_NOTIFY_CAP_SIZE,
  PlaneNotifyCapOffset,
  VFIO_DEVICE_INFO_CAP_PLANE_NOTIFY,
  VFIO_IRQ_SET_ACTION_TYPE_MASK,
  VFIO_IRQ_SET_DATA_TYPE_MASK,
  VfioIrqInfoFlags,
  VfioIrqSetFlags,
  getI32,
  GFX_PLANE_INFO_MINSZ,
  GfxPlaneInfoView,
  IRQ_INFO_SIZE,
  PAGE_SIZE,
  REGION_INFO_SIZE,
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
  VFIO_REGION_SUBTYPE_GFX_EDID,
  VFIO_REGION_TYPE_GFX,
  VfioDeviceFlags,
  VfioPciRegion,
  VfioRegionFlags,
  DrmPlaneType,
  encodeRegionTypeCap,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
  getU16,
  getU32,
  setU16,
  setU32,
  setU64Number,
  type IoctlArg,
} from "../../abi/index.ts";
import type { IoctlContext, OpenFile, Vma } from "../../kernel/open-file.ts";
import { userBytes } from "../../kernel/open-file.ts";
import { EventFd } from "../../kernel/eventfd.ts";
import { coreGetRegionInfo, type RegionDescription } from "../../kernel/region-info-reply.ts";
import type { VfioDeviceOps } from "../../kernel/vfio-device.ts";
import { splitAccess } from "../common/split-access.ts";
import {
  PCI_CLASS_DISPLAY_OTHER,
  PCI_SUBDEVICE_ID_QEMU,
  PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
  PciConfigSpace,
} from "../common/pci-config.ts";
import { BOCHS_DMABUF_LIST_MAX, BochsDmabufList } from "./dmabuf-list.ts";
import { BochsEdid } from "./edid-state.ts";
import type { BochsTypeSpec } from "./types.ts";
import { MmioLayout, VBE_DISPI_ID5, VBE_DISPI_INDEX_COUNT, VbeIndex, decodeFramebuffer, emptyMode } from "./vbe.ts";
import { Vram } from "./vram.ts";

export const MBOCHS_CONFIG_SPACE_SIZE = 0xff;
export const MBOCHS_MMIO_BAR_OFFSET = 0x1000;
export const MBOCHS_MMIO_BAR_SIZE = 0x1000;
export const MBOCHS_EDID_OFFSET = 0x2000;
export const MBOCHS_EDID_SIZE = 0x1000;
export const MBOCHS_MEMORY_BAR_OFFSET = 0x3000;
export const MBOCHS_EDID_REGION_INDEX = 9;
export const MBOCHS_NUM_REGIONS = 10;
/** vfio_region_info followed by one TYPE cap: the only reply size the pre-6.19 driver accepts. */
const REGION_INFO_EXT_SIZE = 48;
/** DISPI registers whose writes can change what QUERY_GFX_PLANE answers. */
const PLANE_REGISTERS = new Set<number>([
  VbeIndex.XRES,
  VbeIndex.YRES,
  VbeIndex.BPP,
  VbeIndex.ENABLE,
  VbeIndex.VIRT_WIDTH,
  VbeIndex.X_OFFSET,
  VbeIndex.Y_OFFSET,
]);

export interface MbochsOptions {
  /** reproduce the real driver's observable bugs (default off: the documented behaviour) */
  quirks?: boolean;
  /**
   * offer the plane-change notification extension (src/abi/ext-plane-notify.ts) on IRQ index 5. Off by
   * default: the real mbochs has no interrupts, and the model answers as it does.
   */
  planeNotify?: boolean;
}

/** The device-specific IRQ index of the plane-change notification (the first after the PCI ones). */
export const PLANE_NOTIFY_IRQ_INDEX = VFIO_PCI_NUM_IRQS;
/** GET_INFO with the plane-notify capability: the struct, then the capability. */
const PLANE_NOTIFY_INFO_SIZE = DEVICE_INFO_CAPS_START + PLANE_NOTIFY_CAP_SIZE;

export class MbochsDevice implements VfioDeviceOps {
  readonly memsize: number;
  readonly quirks: boolean;
  readonly vbe = new Uint16Array(VBE_DISPI_INDEX_COUNT);
  readonly edid: BochsEdid;
  readonly config: PciConfigSpace;
  readonly vram: Vram;
  readonly dmabufs: BochsDmabufList;
  /** scratch for one QUERY_GFX_PLANE: the kernel's on-stack struct, so a query allocates nothing */
  private readonly plane = new GfxPlaneInfoView();
  private readonly mode = emptyMode();
  readonly planeNotify: boolean;
  /** the eventfd armed for plane-change notification (holds a reference) */
  private notifyFile: OpenFile | undefined;

  constructor(
    readonly uuid: string,
    readonly type: BochsTypeSpec,
    options: MbochsOptions = {},
  ) {
    this.memsize = type.mbytes * 1024 * 1024;
    this.quirks = options.quirks ?? false;
    this.dmabufs = new BochsDmabufList(this.quirks ? Infinity : BOCHS_DMABUF_LIST_MAX);
    this.planeNotify = options.planeNotify ?? false;
    this.vram = new Vram(this.memsize);
    this.edid = new BochsEdid(type.maxX, type.maxY);
    this.config = new PciConfigSpace(
      {
        vendor: 0x1234,
        device: 0x1111,
        subsystemVendor: PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
        subsystem: PCI_SUBDEVICE_ID_QEMU,
        command: PCI_COMMAND_IO | PCI_COMMAND_MEMORY,
        classDevice: PCI_CLASS_DISPLAY_OTHER,
        revision: 0x01,
      },
      [
        { index: 0, size: this.memsize, prefetchable: true },
        { index: 2, size: MBOCHS_MMIO_BAR_SIZE, prefetchable: false },
      ],
    );
    this.reset();
  }

  /** VBE registers back to power-on values; VRAM and the dma-buf list are left alone. */
  reset(): number {
    this.vbe.fill(0);
    this.vbe[VbeIndex.ID] = VBE_DISPI_ID5;
    this.vbe[VbeIndex.VIDEO_MEMORY_64K] = this.memsize / (64 * 1024);
    this.notifyPlaneChange();
    return 0;
  }

  closeDevice(): void {
    this.dmabufs.clear();
    this.vram.release();
    this.notifyFile?.put();
    this.notifyFile = undefined;
  }

  /** Tell the armed eventfd (if any) that what QUERY_GFX_PLANE answers may have changed. */
  private notifyPlaneChange(): void {
    const f = this.notifyFile;
    if (f && f.ops instanceof EventFd) f.ops.signal();
  }

  ioctl(request: number, arg: IoctlArg, ctx: IoctlContext): number {
    switch (request) {
      case VFIO_DEVICE_GET_INFO:
        return this.getInfo(arg);
      case VFIO_DEVICE_GET_REGION_INFO:
        return this.quirks ? this.getRegionInfoPre619(arg) : coreGetRegionInfo(arg, (i) => this.describeRegion(i));
      case VFIO_DEVICE_GET_IRQ_INFO:
        return this.getIrqInfo(arg);
      case VFIO_DEVICE_QUERY_GFX_PLANE:
        return this.queryGfxPlane(arg);
      case VFIO_DEVICE_GET_GFX_DMABUF:
        return this.getGfxDmabuf(arg, ctx);
      case VFIO_DEVICE_SET_IRQS:
        return this.planeNotify ? this.setIrqs(arg, ctx) : -Errno.EINVAL;
      case VFIO_DEVICE_RESET:
        return this.reset();
      default:
        return -Errno.ENOTTY;
    }
  }

  private getInfo(arg: IoctlArg): number {
    const b = userBytes(arg, DEVICE_INFO_MINSZ);
    if (typeof b === "number") return b;
    if (getU32(b, 0) < DEVICE_INFO_MINSZ) return -Errno.EINVAL;
    // The capability is copied out only when argsz has room for it: a buffer shorter than argsz claims
    // faults then, and a failed call must leave the caller's bytes as they were (found by fuzzing).
    if (this.planeNotify && getU32(b, 0) >= PLANE_NOTIFY_INFO_SIZE && b.length < PLANE_NOTIFY_INFO_SIZE) return -Errno.EFAULT;
    // No RESET flag, although VFIO_DEVICE_RESET works: as the real driver reports it.
    setU32(b, 4, VfioDeviceFlags.PCI);
    setU32(b, 8, MBOCHS_NUM_REGIONS);
    setU32(b, 12, VFIO_PCI_NUM_IRQS);
    if (this.planeNotify) return this.describePlaneNotify(b);
    return 0;
  }

  /** The extension's device-info capability, by the capability-chain protocol. */
  private describePlaneNotify(b: Uint8Array): number {
    const argsz = getU32(b, 0);
    const needed = PLANE_NOTIFY_INFO_SIZE;
    setU32(b, 4, VfioDeviceFlags.PCI | VfioDeviceFlags.CAPS);
    setU32(b, 12, VFIO_PCI_NUM_IRQS + 1);
    if (argsz < needed) {
      setU32(b, 0, needed);
      if (argsz >= DEVICE_INFO_SIZE && b.length >= DEVICE_INFO_SIZE) setU32(b, 16, 0);
      return 0;
    }
    setU32(b, 16, DEVICE_INFO_CAPS_START);
    b.fill(0, DEVICE_INFO_SIZE, needed);
    setU16(b, DEVICE_INFO_CAPS_START + PlaneNotifyCapOffset.id, VFIO_DEVICE_INFO_CAP_PLANE_NOTIFY);
    setU16(b, DEVICE_INFO_CAPS_START + PlaneNotifyCapOffset.version, 1);
    setU32(b, DEVICE_INFO_CAPS_START + PlaneNotifyCapOffset.next, 0);
    setU32(b, DEVICE_INFO_CAPS_START + PlaneNotifyCapOffset.irqIndex, PLANE_NOTIFY_IRQ_INDEX);
    return 0;
  }

  /** SET_IRQS for the notification IRQ: arm or remove an eventfd, or trigger it (DATA_NONE). */
  private setIrqs(arg: IoctlArg, ctx: IoctlContext): number {
    const b = userBytes(arg, IRQ_SET_SIZE);
    if (typeof b === "number") return b;
    const argsz = getU32(b, 0);
    const flags = getU32(b, 4);
    const index = getU32(b, 8);
    const start = getU32(b, 12);
    const count = getU32(b, 16);
    if (argsz < IRQ_SET_SIZE || index !== PLANE_NOTIFY_IRQ_INDEX) return -Errno.EINVAL;
    const action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    const data = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    if ((flags & ~(VFIO_IRQ_SET_ACTION_TYPE_MASK | VFIO_IRQ_SET_DATA_TYPE_MASK)) !== 0) return -Errno.EINVAL;
    if (action !== VfioIrqSetFlags.ACTION_TRIGGER || start !== 0 || count > 1) return -Errno.EINVAL;
    if (data === VfioIrqSetFlags.DATA_NONE) {
      if (count === 0) {
        this.notifyFile?.put();
        this.notifyFile = undefined;
      } else {
        this.notifyPlaneChange();
      }
      return 0;
    }
    if (data !== VfioIrqSetFlags.DATA_EVENTFD || count !== 1) return -Errno.EINVAL;
    if (argsz < IRQ_SET_SIZE + 4) return -Errno.EINVAL;
    const d = userBytes(arg, IRQ_SET_SIZE + 4);
    if (typeof d === "number") return d;
    const fd = getI32(d, IRQ_SET_SIZE);
    if (fd === -1) {
      this.notifyFile?.put();
      this.notifyFile = undefined;
      return 0;
    }
    const file = ctx.get(fd);
    if (!file) return -Errno.EBADF;
    if (!(file.ops instanceof EventFd)) return -Errno.EINVAL;
    this.notifyFile?.put();
    this.notifyFile = file.get();
    return 0;
  }

  private getIrqInfo(arg: IoctlArg): number {
    const b = userBytes(arg, IRQ_INFO_SIZE);
    if (typeof b === "number") return b;
    if (this.planeNotify && getU32(b, 0) >= IRQ_INFO_SIZE && getU32(b, 8) === PLANE_NOTIFY_IRQ_INDEX) {
      setU32(b, 4, VfioIrqInfoFlags.EVENTFD);
      setU32(b, 12, 1);
      return 0;
    }
    if (getU32(b, 0) < IRQ_INFO_SIZE || getU32(b, 8) >= VFIO_PCI_NUM_IRQS) return -Errno.EINVAL;
    setU32(b, 12, 0); // count 0: mbochs has no interrupts (flags come back as the caller sent them)
    return 0;
  }

  describeRegion(index: number): RegionDescription | number {
    const RW = VfioRegionFlags.READ | VfioRegionFlags.WRITE;
    if (index >= MBOCHS_NUM_REGIONS) return -Errno.EINVAL;
    switch (index) {
      case VfioPciRegion.CONFIG:
        return { offset: 0, size: MBOCHS_CONFIG_SPACE_SIZE, flags: RW };
      case VfioPciRegion.BAR0:
        return { offset: MBOCHS_MEMORY_BAR_OFFSET, size: this.memsize, flags: RW | VfioRegionFlags.MMAP };
      case VfioPciRegion.BAR2:
        return { offset: MBOCHS_MMIO_BAR_OFFSET, size: MBOCHS_MMIO_BAR_SIZE, flags: RW };
      case MBOCHS_EDID_REGION_INDEX:
        return {
          offset: MBOCHS_EDID_OFFSET,
          size: MBOCHS_EDID_SIZE,
          flags: RW,
          caps: [encodeRegionTypeCap(VFIO_REGION_TYPE_GFX, VFIO_REGION_SUBTYPE_GFX_EDID)],
        };
      default:
        return { offset: 0, size: 0, flags: 0 };
    }
  }

  /**
   * The driver's own region-info handling before Linux 6.19: argsz above 48 is refused, the EDID region
   * always reports argsz 48 and cap_offset 32, and exactly argsz bytes are written back (bytes 32..47 of a
   * region without caps are stack garbage in the kernel; zeros here).
   */
  private getRegionInfoPre619(arg: IoctlArg): number {
    const b = userBytes(arg, REGION_INFO_SIZE);
    if (typeof b === "number") return b;
    const outsz = getU32(b, 0);
    if (outsz < REGION_INFO_SIZE || outsz > REGION_INFO_EXT_SIZE) return -Errno.EINVAL;
    if (b.length < outsz) return -Errno.EFAULT;
    const region = this.describeRegion(getU32(b, 8));
    if (typeof region === "number") return region;
    const ext = new Uint8Array(REGION_INFO_EXT_SIZE);
    ext.set(b.subarray(0, REGION_INFO_SIZE));
    setU32(ext, 4, region.flags);
    setU64Number(ext, 16, region.size);
    setU64Number(ext, 24, region.offset);
    const cap = region.caps?.[0];
    if (cap) {
      setU32(ext, 0, REGION_INFO_EXT_SIZE);
      setU32(ext, 4, region.flags | VfioRegionFlags.CAPS);
      setU32(ext, 12, REGION_INFO_SIZE);
      ext.set(cap, REGION_INFO_SIZE);
    }
    b.set(ext.subarray(0, outsz));
    return 0;
  }

  /**
   * QUERY_GFX_PLANE: copy 60 bytes in, answer, copy 60 bytes back on success only. Allocation-free in the
   * steady state (a mode already in the list).
   */
  private queryGfxPlane(arg: IoctlArg): number {
    const user = userBytes(arg, GFX_PLANE_INFO_MINSZ);
    if (typeof user === "number") return user;
    const p = this.plane;
    const k = p.bytes;
    for (let i = 0; i < GFX_PLANE_INFO_MINSZ; i++) k[i] = user[i]!;
    if (p.argsz < GFX_PLANE_INFO_MINSZ) return -Errno.EINVAL;

    const flags = p.flags;
    if ((flags & VFIO_GFX_PLANE_TYPE_PROBE) !== 0) {
      return flags === (VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF) ? 0 : -Errno.EINVAL;
    }
    if (flags !== VFIO_GFX_PLANE_TYPE_DMABUF) return -Errno.EINVAL;

    p.setModifier(0, 0);
    p.xPos = 0;
    p.yPos = 0;
    p.xHot = 0;
    p.yHot = 0;

    const valid = p.drmPlaneType === DrmPlaneType.PRIMARY && decodeFramebuffer(this.vbe, this.memsize, this.mode);
    if (!valid) {
      p.drmFormat = 0;
      p.width = 0;
      p.height = 0;
      p.stride = 0;
      p.size = 0;
      p.id = 0;
    } else {
      let entry = this.dmabufs.findByMode(this.mode);
      if (!entry) {
        const created = this.dmabufs.add(this.mode, this.vram.bytes());
        // The real driver drops the new entry's pointer and fails this query; the next one finds it.
        if (this.quirks) return -Errno.ENOMEM;
        entry = created;
      }
      p.drmFormat = entry.mode.drmFormat;
      p.width = entry.mode.width;
      p.height = entry.mode.height;
      p.stride = entry.mode.stride;
      p.size = entry.mode.size;
      p.id = entry.id;
    }
    for (let i = 0; i < GFX_PLANE_INFO_MINSZ; i++) user[i] = k[i]!;
    return 0;
  }

  /**
   * GET_GFX_DMABUF: a new fd for the entry's dma-buf. Unlike the real driver (which installs a second fd
   * on the same file without a reference), every fd handed out holds its own reference.
   */
  private getGfxDmabuf(arg: IoctlArg, ctx: IoctlContext): number {
    const b = userBytes(arg, 4);
    if (typeof b === "number") return b;
    const entry = this.dmabufs.findById(getU32(b, 0));
    if (!entry) return -Errno.ENOENT;
    const fresh = entry.buf === undefined;
    const buf = this.dmabufs.exportEntry(entry, `mbochs:${this.uuid}`, this.quirks);
    if (typeof buf === "number") return buf;
    const fd = ctx.installFd(buf.file);
    if (fresh) buf.file.put(); // the export's own reference now lives in the fd
    return fd;
  }

  read(buf: Uint8Array, pos: number): number {
    return splitAccess(buf, pos, (data, at) => this.access(data, at, false));
  }

  write(buf: Uint8Array, pos: number): number {
    return splitAccess(buf, pos, (data, at) => this.access(data, at, true));
  }

  /** One naturally aligned access (mdev_access). false → the syscall fails with -EFAULT. */
  private access(data: Uint8Array, pos: number, isWrite: boolean): boolean {
    const count = data.length;
    if (pos < MBOCHS_CONFIG_SPACE_SIZE) {
      if (isWrite) this.config.write(pos, data);
      else this.config.read(pos, data);
      return true;
    }
    if (pos >= MBOCHS_MMIO_BAR_OFFSET && pos + count <= MBOCHS_MMIO_BAR_OFFSET + MBOCHS_MMIO_BAR_SIZE) {
      if (isWrite) this.mmioWrite(pos - MBOCHS_MMIO_BAR_OFFSET, data);
      else this.mmioRead(pos - MBOCHS_MMIO_BAR_OFFSET, data);
      return true;
    }
    if (pos >= MBOCHS_EDID_OFFSET && pos + count <= MBOCHS_EDID_OFFSET + MBOCHS_EDID_SIZE) {
      this.edid.access(data, pos - MBOCHS_EDID_OFFSET, isWrite);
      return true;
    }
    if (pos >= MBOCHS_MEMORY_BAR_OFFSET && pos + count <= MBOCHS_MEMORY_BAR_OFFSET + this.memsize) {
      // The real driver subtracts the MMIO BAR offset here, landing 8 KiB further than the mmap view, and
      // indexes past its page array for the last two pages; the model reproduces the shift but refuses
      // what would fall outside VRAM.
      const v = pos - (this.quirks ? MBOCHS_MMIO_BAR_OFFSET : MBOCHS_MEMORY_BAR_OFFSET);
      if (v + count > this.memsize) return false;
      const vram = this.vram.bytes();
      if (isWrite) vram.set(data, v);
      else data.set(vram.subarray(v, v + count));
      return true;
    }
    return false;
  }

  private mmioRead(offset: number, data: Uint8Array): void {
    if (offset <= MmioLayout.EDID_END) {
      this.edid.guestRead(data, offset);
    } else if (offset >= MmioLayout.DISPI_START && offset <= MmioLayout.DISPI_END && data.length === 2) {
      const index = (offset - MmioLayout.DISPI_START) >> 1;
      setU16(data, 0, this.vbe[index] ?? 0);
    } else {
      data.fill(0);
    }
  }

  private mmioWrite(offset: number, data: Uint8Array): void {
    if (offset >= MmioLayout.DISPI_START && offset <= MmioLayout.DISPI_END && data.length === 2) {
      const index = (offset - MmioLayout.DISPI_START) >> 1;
      if (index < VBE_DISPI_INDEX_COUNT) {
        const value = getU16(data, 0);
        const changed = this.vbe[index] !== value;
        this.vbe[index] = value;
        if (changed && PLANE_REGISTERS.has(index)) this.notifyPlaneChange();
      }
    }
    // VGA ioports, QEMU extended registers and the EDID window are read-only or unhandled: ignored.
  }

  mmap(vma: Vma): Uint8Array | number {
    if (vma.pgoff !== MBOCHS_MEMORY_BAR_OFFSET / PAGE_SIZE) return -Errno.EINVAL;
    if (vma.length > this.memsize) return -Errno.EINVAL;
    if (!vma.shared) return -Errno.EINVAL;
    return this.vram.bytes().subarray(0, vma.length);
  }
}
