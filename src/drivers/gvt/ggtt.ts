/**
 * A vGPU's view of the global GTT (GGTT): the graphics-memory (GM) ranges it owns and the guest's 8-byte
 * page-table entries for them, as GVT keeps them (its "virtual GGTT").
 *
 * The vGPU owns two slices of the host's 4 GiB of GM: one in the aperture (low, CPU-mappable) and one in
 * the hidden range (high). A guest learns them from the PVINFO ballooning registers and may only use
 * those: writes to PTEs of other GM are dropped, reads of them answer 0 (gtt.c emulate_ggtt_mmio_*).
 *
 * A gen8 PTE: bit 0 present, bits 45:12 the guest-physical page address (GTT_HAW = 46). Translation to a
 * guest page is checked twice over: the entry must be present and its page must lie inside the VM's RAM,
 * so nothing the guest writes here can make the host touch memory outside the guest.
 */
import { PAGE_SIZE } from "../../abi/index.ts";
import type { GuestRam } from "../../kernel/guest-ram.ts";
import { GTT_ENTRY_SIZE } from "./regs.ts";

export const GEN8_PAGE_PRESENT = 1;
/** bits 45:32 of a PTE's address live in the low 14 bits of its upper half */
const PTE_HI_ADDR_MASK = 0x3fff;
const PTE_LO_ADDR_MASK = 0xfffff000;

/** A vGPU's share of graphics memory (host GM addresses, which GVT lets the guest use unchanged). */
export interface GmRanges {
  apertureBase: number;
  apertureSize: number;
  hiddenBase: number;
  hiddenSize: number;
}

/** Translation failed: the address is not the vGPU's, the PTE is not present, or its page is not RAM. */
export const NO_PAGE = -1;

export class Ggtt {
  /** PTE halves (lo, hi) for the aperture slice then the hidden slice */
  private readonly entries: Uint32Array;
  private readonly apertureEntries: number;

  constructor(readonly gm: GmRanges) {
    this.apertureEntries = gm.apertureSize / PAGE_SIZE;
    this.entries = new Uint32Array(2 * (this.apertureEntries + gm.hiddenSize / PAGE_SIZE));
  }

  /** vgpu_gmadr_is_aperture */
  isAperture(gma: number): boolean {
    return gma >= this.gm.apertureBase && gma <= this.gm.apertureBase + this.gm.apertureSize - 1;
  }

  /** vgpu_gmadr_is_hidden */
  isHidden(gma: number): boolean {
    return gma >= this.gm.hiddenBase && gma <= this.gm.hiddenBase + this.gm.hiddenSize - 1;
  }

  /** vgpu_gmadr_is_valid: the address lies in one of the vGPU's two slices. */
  isValid(gma: number): boolean {
    return this.isAperture(gma) || this.isHidden(gma);
  }

  /**
   * intel_gvt_ggtt_validate_range: [gma, gma + size) lies wholly inside the aperture slice or wholly
   * inside the hidden slice (size 0: just the address). Exact for any size: JS numbers, no u32 wrap.
   */
  validateRange(gma: number, size: number): boolean {
    if (size === 0) return this.isValid(gma);
    const last = gma + size - 1;
    return (this.isAperture(gma) && this.isAperture(last)) || (this.isHidden(gma) && this.isHidden(last));
  }

  /** Slot of the PTE for `gma` in `entries` (pairs), or -1 when the vGPU does not own that GM. */
  private slot(gma: number): number {
    if (this.isAperture(gma)) return Math.floor((gma - this.gm.apertureBase) / PAGE_SIZE);
    if (this.isHidden(gma)) return this.apertureEntries + Math.floor((gma - this.gm.hiddenBase) / PAGE_SIZE);
    return -1;
  }

  /**
   * A 4-byte access to the GTT part of BAR0 at `offset` bytes into it (a PTE half: offset % 8 is 0 for
   * the low half, 4 for the high half). Writes outside the vGPU's GM are dropped; reads there answer 0.
   */
  readHalf(offset: number): number {
    const s = this.slot(Math.floor(offset / GTT_ENTRY_SIZE) * PAGE_SIZE);
    if (s < 0) return 0;
    return this.entries[2 * s + ((offset & 4) >> 2)]!;
  }

  writeHalf(offset: number, value: number): void {
    const s = this.slot(Math.floor(offset / GTT_ENTRY_SIZE) * PAGE_SIZE);
    if (s < 0) return;
    this.entries[2 * s + ((offset & 4) >> 2)] = value >>> 0;
  }

  /** Set one PTE directly (for the host side of tests and for reset). */
  setEntry(gma: number, lo: number, hi: number): void {
    const s = this.slot(gma);
    if (s < 0) return;
    this.entries[2 * s] = lo >>> 0;
    this.entries[2 * s + 1] = hi >>> 0;
  }

  /** Every PTE back to 0 (not present). */
  clear(): void {
    this.entries.fill(0);
  }

  /**
   * The guest page number the page at `gma` maps to, or NO_PAGE when `gma` is not the vGPU's, the PTE
   * is not present, or the page is not inside `ram`.
   */
  translatePage(gma: number, ram: GuestRam): number {
    const s = this.slot(gma);
    if (s < 0) return NO_PAGE;
    const lo = this.entries[2 * s]!;
    if ((lo & GEN8_PAGE_PRESENT) === 0) return NO_PAGE;
    const hi = this.entries[2 * s + 1]! & PTE_HI_ADDR_MASK;
    // Address bits 45:12 → page number; below 2^34, exact in a double.
    const pfn = hi * 0x100000 + ((lo & PTE_LO_ADDR_MASK) >>> 12);
    return pfn < ram.pageCount ? pfn : NO_PAGE;
  }
}

/** The PTE a guest writes to map GM page → guest page `pfn` (present, address bits 45:12). */
export function encodePte(pfn: number): { lo: number; hi: number } {
  return { lo: (((pfn % 0x100000) * PAGE_SIZE) | GEN8_PAGE_PRESENT) >>> 0, hi: Math.floor(pfn / 0x100000) >>> 0 };
}
