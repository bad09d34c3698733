/**
 * A type-0 PCI configuration space as the sample drivers emulate it: identity registers, 32-bit memory
 * BARs that answer the all-ones sizing write with their size mask, and nothing else writable.
 */
import {
  PCI_BASE_ADDRESS_0,
  PCI_BASE_ADDRESS_MEM_MASK,
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_BASE_ADDRESS_MEM_TYPE_32,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CLASS_DEVICE,
  PCI_CLASS_REVISION,
  PCI_COMMAND,
  PCI_DEVICE_ID,
  PCI_STATUS,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
  getU32,
  setU16,
  setU32,
} from "../../abi/index.ts";

/** Ids from the kernel's pci_ids.h (not uAPI) that the samples use. */
export const PCI_CLASS_DISPLAY_OTHER = 0x0380;
export const PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
export const PCI_SUBDEVICE_ID_QEMU = 0x1100;

export interface PciIdentity {
  vendor: number;
  device: number;
  subsystemVendor: number;
  subsystem: number;
  classDevice: number;
  revision: number;
  command?: number;
  status?: number;
}

export interface MemoryBar {
  /** BAR number 0..5 */
  index: number;
  size: number;
  prefetchable: boolean;
}

export class PciConfigSpace {
  /** 256 bytes: the samples advertise 0xFF, one byte less, and a 4-byte read at 0xFC must not run off. */
  readonly bytes = new Uint8Array(256);
  private readonly bars = new Map<number, MemoryBar>();

  constructor(id: PciIdentity, bars: readonly MemoryBar[]) {
    setU16(this.bytes, PCI_VENDOR_ID, id.vendor);
    setU16(this.bytes, PCI_DEVICE_ID, id.device);
    setU16(this.bytes, PCI_SUBSYSTEM_VENDOR_ID, id.subsystemVendor);
    setU16(this.bytes, PCI_SUBSYSTEM_ID, id.subsystem);
    setU16(this.bytes, PCI_COMMAND, id.command ?? 0);
    setU16(this.bytes, PCI_STATUS, id.status ?? 0);
    setU16(this.bytes, PCI_CLASS_DEVICE, id.classDevice);
    this.bytes[PCI_CLASS_REVISION] = id.revision;
    for (const bar of bars) {
      this.bars.set(bar.index, bar);
      const flags = PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32 | (bar.prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
      setU32(this.bytes, PCI_BASE_ADDRESS_0 + 4 * bar.index, flags);
    }
  }

  read(offset: number, out: Uint8Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.bytes[offset + i] ?? 0;
  }

  /**
   * A config write. Only a 4-byte write to an emulated BAR does anything: all-ones answers the size mask,
   * anything else stores the address bits; the low flag bits always stay. Other writes are ignored
   * (the samples ignore even COMMAND).
   */
  write(offset: number, data: Uint8Array): void {
    if (data.length !== 4 || offset < PCI_BASE_ADDRESS_0 || (offset - PCI_BASE_ADDRESS_0) % 4 !== 0) return;
    const bar = this.bars.get((offset - PCI_BASE_ADDRESS_0) / 4);
    if (!bar) return;
    const written = getU32(data, 0);
    const sizeMask = (~(bar.size - 1) >>> 0) & 0xffffffff;
    const address = written === 0xffffffff ? (written & sizeMask) >>> 0 : (written & PCI_BASE_ADDRESS_MEM_MASK) >>> 0;
    const flags = this.bytes[offset]! & ~PCI_BASE_ADDRESS_MEM_MASK & 0xf;
    setU32(this.bytes, offset, (address | flags) >>> 0);
  }
}
