/**
 * mbochs's list of framebuffers it has described: one entry per distinct mode ever seen since the device
 * was opened, ids from 1 upwards and never reused, each pinning the VRAM it covers (a live view, no copy).
 * An entry exports at most one dma-buf at a time; the buffer is dropped when its last fd closes, and the
 * entry may export again later.
 */
import { Errno, PAGE_SIZE } from "../../abi/index.ts";
import { exportDmaBuf, type DmaBuf } from "../../kernel/dma-buf.ts";
import type { Vma } from "../../kernel/open-file.ts";
import { modesEqual, type BochsMode } from "./vbe.ts";


export interface BochsDmabufEntry {
  readonly id: number;
  readonly mode: Readonly<BochsMode>;
  /** the VRAM this entry pins (the memory current when the entry was made) */
  readonly vram: Uint8Array;
  buf: DmaBuf | undefined;
  /** removed from the list by close_device while its dma-buf lived; gone when that buffer is released */
  unlinked: boolean;
}

/**
 * How many entries the model keeps without quirks. The real driver keeps one per distinct mode until the
 * device closes, so a guest that cycles modes (offsets, sizes) while the host polls grows the host's
 * memory and every lookup without end; here the oldest entries beyond this go the way close_device sends
 * them (a live dma-buf stays valid; a GET of the forgotten id is -ENOENT and the next QUERY gives a new one).
 */
export const BOCHS_DMABUF_LIST_MAX = 64;

export class BochsDmabufList {
  private entries: BochsDmabufEntry[] = [];
  private nextId = 1;

  /** `maxEntries`: Infinity reproduces the real driver's unbounded list */
  constructor(private readonly maxEntries = BOCHS_DMABUF_LIST_MAX) {}

  get length(): number {
    return this.entries.length;
  }

  findByMode(mode: BochsMode): BochsDmabufEntry | undefined {
    for (const e of this.entries) if (modesEqual(e.mode, mode)) return e;
    return undefined;
  }

  findById(id: number): BochsDmabufEntry | undefined {
    for (const e of this.entries) if (e.id === id) return e;
    return undefined;
  }

  add(mode: BochsMode, vram: Uint8Array): BochsDmabufEntry {
    const entry: BochsDmabufEntry = { id: this.nextId++, mode: { ...mode }, vram, buf: undefined, unlinked: false };
    // mbochs uses list_add (at the head): the newest entry is found first.
    this.entries.unshift(entry);
    while (this.entries.length > this.maxEntries) {
      const oldest = this.entries.pop()!;
      if (oldest.buf) oldest.unlinked = true;
    }
    return entry;
  }

  /**
   * Export the entry's dma-buf if it has none (the framebuffer must start on a page boundary, else
   * -EINVAL). Returns the buffer; the caller installs an fd for it.
   */
  exportEntry(entry: BochsDmabufEntry, name: string, quirks = false): DmaBuf | number {
    if (entry.buf) return entry.buf;
    if (entry.mode.offset % PAGE_SIZE !== 0) return -Errno.EINVAL;
    const buf = exportDmaBuf({
      name: `${name}:${entry.id}`,
      size: entry.mode.size,
      writable: false, // dma_buf_fd(buf, 0): a read-only file
      exporter: {
        mmap(vma: Vma): Uint8Array | number {
          // mbochs_mmap_dmabuf tests VM_SHARED, which mm clears for a shared mapping of this read-only
          // file: on the real kernel every CPU mapping fails (-EINVAL). Without quirks: the intended test.
          if (!(quirks ? (vma.vmShared ?? vma.shared) : vma.shared)) return -Errno.EINVAL;
          const start = entry.mode.offset + vma.pgoff * PAGE_SIZE;
          return entry.vram.subarray(start, start + vma.length);
        },
        release() {
          entry.buf = undefined;
        },
      },
    });
    entry.buf = buf;
    return buf;
  }

  /** close_device: forget every entry; a live dma-buf keeps its own entry alive until it is released. */
  clear(): void {
    for (const e of this.entries) if (e.buf) e.unlinked = true;
    this.entries = [];
  }
}
