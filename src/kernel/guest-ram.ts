/**
 * A VM's RAM as a vendor driver reaches it: the memory the VMM mapped for DMA (what QEMU does with
 * VFIO_IOMMU_MAP_DMA and kvmgt then pins page by page). Backed by a SharedArrayBuffer so the guest can run
 * in a worker thread and write its memory directly while the host reads it.
 *
 * Every access is bounds-checked: an address a guest programmed into a device (a GGTT entry, a surface
 * base) can never make the host read outside this memory. In the fuzzer's debug mode (memory-checks.ts) the
 * views handed out fault on any access past their ends as well.
 */
import { PAGE_SIZE } from "../abi/index.ts";
import { checkedView } from "./memory-checks.ts";

export class GuestRam {
  readonly bytes: Uint8Array;

  constructor(readonly size: number, buffer?: SharedArrayBuffer) {
    if (!Number.isSafeInteger(size) || size <= 0 || size % PAGE_SIZE !== 0) {
      throw new RangeError(`guest RAM size ${size} must be a positive multiple of ${PAGE_SIZE}`);
    }
    if (buffer && buffer.byteLength < size) throw new RangeError(`buffer of ${buffer.byteLength} bytes is smaller than ${size}`);
    this.bytes = new Uint8Array(buffer ?? new SharedArrayBuffer(size), 0, size);
  }

  get buffer(): SharedArrayBuffer {
    return this.bytes.buffer as SharedArrayBuffer;
  }

  get pageCount(): number {
    return this.size / PAGE_SIZE;
  }

  /** True when [address, address + length) lies wholly inside RAM. */
  contains(address: number, length: number): boolean {
    return Number.isSafeInteger(address) && Number.isSafeInteger(length) && address >= 0 && length >= 0 && address + length <= this.size;
  }

  /** A live view of one 4 KiB page by guest-physical page number, or undefined outside RAM. */
  page(pfn: number): Uint8Array | undefined {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.pageCount) return undefined;
    return checkedView(this.bytes.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE));
  }

  /** A live view of [address, address + length), or undefined if any of it is outside RAM. */
  view(address: number, length: number): Uint8Array | undefined {
    return this.contains(address, length) ? checkedView(this.bytes.subarray(address, address + length)) : undefined;
  }
}
