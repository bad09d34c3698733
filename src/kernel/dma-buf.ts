/**
 * The dma-buf core (drivers/dma-buf/dma-buf.c) as user space sees it: a file whose size is the buffer
 * size, DMA_BUF_IOCTL_SYNC with the core's flag checks, mmap bounded by the buffer's whole pages, llseek
 * only to 0 or the end, and the exporter's release when the last reference goes.
 */
import {
  DMA_BUF_IOCTL_SYNC,
  DMA_BUF_SYNC_SIZE,
  DMA_BUF_SYNC_VALID_FLAGS_MASK,
  DmaBufSyncFlags,
  Errno,
  PAGE_SHIFT,
  SEEK_END,
  SEEK_SET,
  getU32,
  type IoctlArg,
} from "../abi/index.ts";
import { OpenFile, userBytes, type FileOps, type Vma } from "./open-file.ts";

/** What an exporter (a vendor driver) provides for one buffer. */
export interface DmaBufExporter {
  /** A live view of the mapped range; the core has already bounds-checked pgoff/length. */
  mmap(vma: Vma): Uint8Array | number;
  beginCpuAccess?(flags: number): number;
  endCpuAccess?(flags: number): number;
  /** The last reference is gone. */
  release(): void;
}

export interface DmaBufExportInfo {
  exporter: DmaBufExporter;
  size: number;
  /** O_RDWR export; otherwise the file is read-only (mbochs passes flags 0). */
  writable: boolean;
  /** a name for diagnostics, e.g. "mbochs:3" */
  name: string;
}

let liveDmaBufs = 0;

/** dma-bufs exported and not yet released, in this process: lets tests check for leaks. */
export function liveDmaBufCount(): number {
  return liveDmaBufs;
}

export class DmaBuf implements FileOps {
  readonly file: OpenFile;
  private released = false;

  constructor(private readonly info: DmaBufExportInfo) {
    liveDmaBufs++;
    this.file = new OpenFile(this, true, info.writable, `dma-buf(${info.name})`);
  }

  get name(): string {
    return this.info.name;
  }

  get isReleased(): boolean {
    return this.released;
  }

  size(): number {
    return this.info.size;
  }

  ioctl(request: number, arg: IoctlArg): number {
    if (request !== DMA_BUF_IOCTL_SYNC) return -Errno.ENOTTY;
    const bytes = userBytes(arg, DMA_BUF_SYNC_SIZE);
    if (typeof bytes === "number") return bytes;
    const hi = getU32(bytes, 4);
    const flags = getU32(bytes, 0);
    if (hi !== 0 || (flags & ~DMA_BUF_SYNC_VALID_FLAGS_MASK) !== 0) return -Errno.EINVAL;
    if ((flags & DmaBufSyncFlags.RW) === 0) return -Errno.EINVAL;
    const end = (flags & DmaBufSyncFlags.END) !== 0;
    const op = end ? this.info.exporter.endCpuAccess : this.info.exporter.beginCpuAccess;
    return op ? op.call(this.info.exporter, flags) : 0;
  }

  mmap(vma: Vma): Uint8Array | number {
    // dma_buf_mmap_internal: the size is rounded *down* to pages here, so a partial tail page of a buffer
    // whose size is not a page multiple can never be mapped.
    const pages = vma.length >> PAGE_SHIFT;
    if (vma.pgoff + pages > Math.floor(this.info.size / 4096)) return -Errno.EINVAL;
    return this.info.exporter.mmap(vma);
  }

  llseek(offset: number, whence: number): number {
    if (offset !== 0) return -Errno.EINVAL;
    if (whence === SEEK_END) return this.info.size;
    if (whence === SEEK_SET) return 0;
    return -Errno.EINVAL;
  }

  release(): void {
    this.released = true;
    liveDmaBufs--;
    this.info.exporter.release();
  }
}

/** dma_buf_export: a new buffer whose file holds one reference, to be installed as an fd. */
export function exportDmaBuf(info: DmaBufExportInfo): DmaBuf {
  return new DmaBuf(info);
}
