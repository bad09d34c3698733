/**
 * The vGPU's PCI configuration space (cfg_space.c), 4 KiB (PCI_CFG_SPACE_EXP_SIZE).
 *
 * GVT starts from a copy of the host GPU's config space; the model starts from a Skylake GT2 desktop
 * part: vendor 0x8086, device 0x1912 ("DT GT2" in INTEL_SKL_GT2_IDS, include/drm/intel/i915_pciids.h),
 * class 0x0300 (VGA-compatible: GVT keeps the VGA class for the primary vGPU), revision 0x06.
 * BAR0 (GTTMMADR, 16 MiB) and BAR2 (GMADR, the aperture) are 64-bit memory BARs that answer the
 * all-ones sizing write; COMMAND's low bits are writable; the rest of the standard header is read-only
 * and everything past it (0x40..0xFFF) is plain read/write storage, as vgpu_pci_cfg_mem_write does.
 */
import {
  PCI_BASE_ADDRESS_0,
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_CLASS_DEVICE,
  PCI_CLASS_REVISION,
  PCI_COMMAND,
  PCI_DEVICE_ID,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
  getU32,
  setU16,
  setU32,
} from "../../abi/index.ts";

export const GVT_CONFIG_SPACE_SIZE = 4096;
export const PCI_VENDOR_ID_INTEL = 0x8086;
/** Skylake DT GT2 (i915_pciids.h, INTEL_SKL_GT2_IDS) */
export const GVT_PCI_DEVICE_ID = 0x1912;
export const PCI_CLASS_DISPLAY_VGA = 0x0300;
const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
/** PCI_COMMAND bits a guest may change: IO, MEMORY, MASTER and INTX_DISABLE (0x0400) */
const COMMAND_WRITABLE = 0x0407;
const PCI_INTERRUPT_LINE = 0x3c;
const STANDARD_HEADER_END = 0x40;

export class GvtConfigSpace {
  readonly bytes = new Uint8Array(GVT_CONFIG_SPACE_SIZE);
  private readonly barSizes = new Map<number, number>();

  constructor(bar0Size: number, bar2Size: number) {
    setU16(this.bytes, PCI_VENDOR_ID, PCI_VENDOR_ID_INTEL);
    setU16(this.bytes, PCI_DEVICE_ID, GVT_PCI_DEVICE_ID);
    setU16(this.bytes, PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID_INTEL);
    setU16(this.bytes, PCI_SUBSYSTEM_ID, GVT_PCI_DEVICE_ID);
    setU16(this.bytes, PCI_CLASS_DEVICE, PCI_CLASS_DISPLAY_VGA);
    this.bytes[PCI_CLASS_REVISION] = 0x06;
    this.barSizes.set(0, bar0Size);
    this.barSizes.set(2, bar2Size);
    setU32(this.bytes, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_MEM_TYPE_64);
    setU32(this.bytes, PCI_BASE_ADDRESS_0 + 8, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
  }

  /** intel_vgpu_emulate_cfg_read: at most 4 bytes, inside the 4 KiB; false otherwise. */
  read(offset: number, out: Uint8Array): boolean {
    if (out.length > 4 || offset + out.length > GVT_CONFIG_SPACE_SIZE) return false;
    out.set(this.bytes.subarray(offset, offset + out.length));
    return true;
  }

  write(offset: number, data: Uint8Array): boolean {
    if (data.length > 4 || offset + data.length > GVT_CONFIG_SPACE_SIZE) return false;
    if (offset >= PCI_BASE_ADDRESS_0 && offset < PCI_BASE_ADDRESS_0 + 24) {
      if (data.length === 4 && offset % 4 === 0) this.writeBar(offset, getU32(data, 0));
      return true;
    }
    for (let i = 0; i < data.length; i++) {
      const at = offset + i;
      if (at === PCI_COMMAND || at === PCI_COMMAND + 1) {
        const mask = at === PCI_COMMAND ? COMMAND_WRITABLE & 0xff : COMMAND_WRITABLE >> 8;
        this.bytes[at] = (this.bytes[at]! & ~mask) | (data[i]! & mask);
      } else if (at === PCI_INTERRUPT_LINE || at >= STANDARD_HEADER_END) {
        this.bytes[at] = data[i]!;
      }
    }
    return true;
  }

  /** A 64-bit BAR half: all-ones answers the size mask (high half: of the upper 32 bits), else the address. */
  private writeBar(offset: number, value: number): void {
    const index = (offset - PCI_BASE_ADDRESS_0) / 4;
    const lowIndex = this.barSizes.has(index) ? index : index - 1;
    const size = this.barSizes.get(lowIndex);
    if (size === undefined) return; // BAR1 is BAR0's high half only when BAR0 is 64-bit; others unimplemented
    const high = lowIndex !== index;
    if (!high) {
      const flags = this.bytes[offset]! & 0xf;
      const mask = value === 0xffffffff ? ~(size - 1) >>> 0 : value;
      setU32(this.bytes, offset, ((mask & 0xfffffff0) | flags) >>> 0);
    } else {
      const upperMask = size > 0x1_0000_0000 ? ~(size / 0x1_0000_0000 - 1) >>> 0 : 0xffffffff;
      setU32(this.bytes, offset, value === 0xffffffff ? upperMask : value >>> 0);
    }
  }
}
