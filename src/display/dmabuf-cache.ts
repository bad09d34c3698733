/**
 * The consumer's dma-buf cache, keyed by dmabuf_id as QEMU keeps it: GET_GFX_DMABUF only for an id not
 * seen before, the most recently used first, and buffers beyond the capacity unmapped and closed. A page
 * flipping guest alternates two ids: both stay cached, so a flip costs no ioctl beyond the query.
 */
import {
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  VFIO_DEVICE_GET_GFX_DMABUF,
  isMapping,
  setU32,
  type DeviceFile,
  type DmaBufFile,
  type Mapping,
} from "../abi/index.ts";

export interface CachedDmabuf {
  readonly id: number;
  readonly file: DmaBufFile;
  /** the CPU mapping (whole pages of the buffer), or the errno mmap gave */
  readonly mapping: Mapping | number;
  /** bytes readable through the mapping: the buffer size rounded down to whole pages */
  readonly mappedBytes: number;
}

export interface DmabufCacheStats {
  hits: number;
  misses: number;
  evictions: number;
}

export class DmabufCache {
  private entries: CachedDmabuf[] = [];
  readonly stats: DmabufCacheStats = { hits: 0, misses: 0, evictions: 0 };
  private readonly idArg = new Uint8Array(4);

  /**
   * `unmappable` gives the pixels another way when the dma-buf refuses a CPU mapping (mbochs on a real
   * kernel: src/display/mbochs-vram-fallback.ts); called right after the query that named the id.
   */
  constructor(
    private readonly dev: DeviceFile,
    readonly capacity = 5,
    private readonly unmappable?: () => Mapping | number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache capacity ${capacity} must be ≥ 1`);
  }

  get ids(): number[] {
    return this.entries.map((e) => e.id);
  }

  /** The buffer for `id`, moved to the front; GET_GFX_DMABUF on a miss. Negative errno on failure. */
  get(id: number): CachedDmabuf | number {
    let at = -1;
    for (let i = 0; i < this.entries.length; i++) {
      if (this.entries[i]!.id === id) {
        at = i;
        break;
      }
    }
    if (at >= 0) {
      this.stats.hits++;
      const e = this.entries[at]!;
      if (at > 0) {
        this.entries.splice(at, 1);
        this.entries.unshift(e);
      }
      return e;
    }
    setU32(this.idArg, 0, id);
    const fd = this.dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, this.idArg);
    if (fd < 0) return fd;
    const file = this.dev.dmaBuf(fd);
    if (typeof file === "number") return file;
    this.stats.misses++;
    const size = file.size();
    // Only whole pages of a dma-buf can be mapped (the core rounds the size down), so a buffer whose size
    // is not a page multiple has an unreadable tail: mbochs at 800x600 loses most of its last line.
    const mappedBytes = Math.floor(Math.max(0, size) / PAGE_SIZE) * PAGE_SIZE;
    let mapping = mappedBytes > 0 ? file.mmap(mappedBytes, PROT_READ, MAP_SHARED) : -22;
    let readable = mappedBytes;
    if (!isMapping(mapping) && this.unmappable) {
      const other = this.unmappable();
      if (isMapping(other)) {
        mapping = other;
        readable = other.bytes.length;
      }
    }
    const entry: CachedDmabuf = { id, file, mapping, mappedBytes: isMapping(mapping) ? readable : 0 };
    this.entries.unshift(entry);
    return entry;
  }

  /** Close everything past the capacity (QEMU does this only when the primary or cursor changed). */
  trim(): void {
    while (this.entries.length > this.capacity) this.release(this.entries.pop()!);
  }

  /** Close every cached buffer (device reset, removal, stop). */
  clear(): void {
    for (const e of this.entries) this.release(e);
    this.entries = [];
  }

  private release(e: CachedDmabuf): void {
    this.stats.evictions++;
    if (isMapping(e.mapping)) e.mapping.unmap();
    e.file.close();
  }
}
