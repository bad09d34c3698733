/**
 * A real mapping, owned. `bytes` is a zero-copy view of the mapped pages, valid until unmap().
 *
 * A koffi view cannot be detached, and touching one after munmap is SIGSEGV (TOOLING.md §2). So unmap()
 * does not give the range back at once: it replaces the file's pages with anonymous zero pages at the same
 * address (MAP_FIXED), which drops the file's mapping — the device or dma-buf reference goes, as with
 * munmap — while a stale view merely reads zeros. The placeholder range is munmapped when the last view of
 * it has been garbage collected.
 */
import { PAGE_SIZE, type Mapping } from "../abi/index.ts";
import { MAP_FAILED, libc, viewAt } from "./libc.ts";

const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const PROT_READ = 1;
const PROT_WRITE = 2;

/** Placeholder ranges to munmap once their views are gone: held value = [address, length]. */
const placeholders = new FinalizationRegistry<[bigint, number]>(([addr, length]) => {
  libc().munmap(addr, length);
});

export class NativeMapping implements Mapping {
  private mapped = true;
  private readonly view: Uint8Array;
  /** the whole pages actually mapped */
  readonly mappedLength: number;

  /** Take ownership of `length` bytes mapped at `address` (what mmap returned). */
  constructor(
    readonly address: bigint,
    readonly length: number,
  ) {
    if (address === 0n || address === MAP_FAILED) throw new RangeError(`not a mapping address: 0x${address.toString(16)}`);
    if (!Number.isSafeInteger(length) || length <= 0) throw new RangeError(`mapping length ${length} must be a positive integer`);
    this.mappedLength = Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    const buffer = viewAt(address, this.mappedLength);
    this.view = new Uint8Array(buffer, 0, length);
    placeholders.register(buffer, [address, this.mappedLength], this);
  }

  get isMapped(): boolean {
    return this.mapped;
  }

  get bytes(): Uint8Array {
    if (!this.mapped) throw new Error("mapping used after unmap()");
    return this.view;
  }

  unmap(): void {
    if (!this.mapped) return;
    this.mapped = false;
    const c = libc();
    const ret = c.mmap(this.address, this.mappedLength, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (ret !== this.address) {
      // Could not park the range: unmap for real. Nothing of ours keeps a view (bytes throws from now on).
      placeholders.unregister(this);
      c.munmap(this.address, this.mappedLength);
    }
  }
}

/** mmap(NULL, length, prot, flags, fd, offset) → an owned mapping, or -errno. */
export function mapFile(fd: number, length: number, prot: number, flags: number, offset: number): NativeMapping | number {
  if (!Number.isSafeInteger(length) || length <= 0) return -22;
  if (!Number.isSafeInteger(offset) || offset < 0) return -22;
  const c = libc();
  const addr = c.mmap(null, length, prot, flags, fd, offset);
  if (addr === MAP_FAILED || addr === 0n) return -c.errno();
  return new NativeMapping(addr, length);
}
