/**
 * The pages behind one exported GVT dma-buf, and the CPU view of them.
 *
 * Real GVT resolves a dma-buf's pages lazily (vgpu_gem_get_pages): when an importer first needs them it
 * reads the GGTT entries covering the surface and pins each guest page, failing with -EINVAL if one is
 * not mapped; the pages then stay pinned until the buffer is released, so later GGTT changes do not move
 * it. The model does the same at the first mmap or DMA_BUF_IOCTL_SYNC: every page of the buffer must
 * have a present PTE that points inside the VM's RAM.
 *
 * Unlike real GVT (whose proxy objects cannot be CPU-mapped: -ENODEV), these dma-bufs can be mmap'ed:
 * - pages contiguous in guest RAM → the mapping is a LIVE view of the guest's memory;
 * - scattered pages → a Uint8Array cannot alias them, so the mapping is a SHADOW copy, filled at mmap
 *   time and refreshed from the pinned guest pages by DMA_BUF_IOCTL_SYNC(START|READ). Consumers must
 *   bracket CPU reads with SYNC START / END as the dma-buf uAPI asks; with a live view SYNC is a no-op.
 */
import { DmaBufSyncFlags, Errno, PAGE_SIZE, PROT_WRITE } from "../../abi/index.ts";
import type { GuestRam } from "../../kernel/guest-ram.ts";
import type { Vma } from "../../kernel/open-file.ts";
import { NO_PAGE, type Ggtt } from "./ggtt.ts";

/** What pinning needs from the device, or undefined once the vGPU is gone (the object is an orphan). */
export interface PinSource {
  ggtt: Ggtt;
  ram: GuestRam;
}

export class DmaBufBacking {
  private pfns: Uint32Array | undefined;
  private ram: GuestRam | undefined;
  private live: Uint8Array | undefined;
  private shadow: Uint8Array | undefined;

  constructor(
    /** GM address of the surface */
    private readonly start: number,
    /** dma-buf size: the surface size rounded up to whole pages */
    readonly size: number,
    private readonly source: () => PinSource | undefined,
  ) {}

  get pinned(): boolean {
    return this.pfns !== undefined;
  }

  /** True when mapped as a live view of guest RAM (only meaningful once pinned). */
  get isLive(): boolean {
    return this.live !== undefined;
  }

  /**
   * Pin the guest pages (once): 0, -ENODEV when the vGPU is gone (vgpu_gem_get_pages on an orphan), or
   * -EINVAL when a PTE is not present or points outside RAM.
   */
  pin(): number {
    if (this.pfns) return 0;
    const src = this.source();
    if (!src) return -Errno.ENODEV;
    const pages = this.size / PAGE_SIZE;
    const pfns = new Uint32Array(pages);
    let contiguous = true;
    for (let i = 0; i < pages; i++) {
      const pfn = src.ggtt.translatePage(this.start + i * PAGE_SIZE, src.ram);
      if (pfn === NO_PAGE) return -Errno.EINVAL;
      pfns[i] = pfn;
      if (i > 0 && pfn !== pfns[i - 1]! + 1) contiguous = false;
    }
    this.pfns = pfns;
    this.ram = src.ram;
    if (contiguous) {
      // every page was checked to be inside RAM, so this view is too
      this.live = src.ram.view(pfns[0]! * PAGE_SIZE, this.size);
    } else {
      this.shadow = new Uint8Array(this.size);
    }
    return 0;
  }

  /** Copy the pinned guest pages into the shadow buffer (no-op for a live view). */
  refresh(): void {
    const { pfns, ram, shadow } = this;
    if (!pfns || !ram || !shadow) return;
    for (let i = 0; i < pfns.length; i++) {
      const page = ram.page(pfns[i]!);
      if (page) shadow.set(page, i * PAGE_SIZE);
    }
  }

  /** The exporter's mmap: MAP_SHARED only, read-only (the GEM object is), then the live or shadow view. */
  mmap(vma: Vma): Uint8Array | number {
    if (!vma.shared) return -Errno.EINVAL;
    if ((vma.prot & PROT_WRITE) !== 0) return -Errno.EACCES;
    const ret = this.pin();
    if (ret < 0) return ret;
    this.refresh();
    const view = this.live ?? this.shadow!;
    const at = vma.pgoff * PAGE_SIZE;
    return view.subarray(at, at + vma.length);
  }

  /** begin_cpu_access: pin if needed, and refresh the shadow for a read. */
  beginCpuAccess(flags: number): number {
    const ret = this.pin();
    if (ret < 0) return ret;
    if ((flags & DmaBufSyncFlags.READ) !== 0) this.refresh();
    return 0;
  }

  /** Drop the pins (the dma-buf is released). */
  unpin(): void {
    this.pfns = undefined;
    this.ram = undefined;
    this.live = undefined;
    this.shadow = undefined;
  }
}
