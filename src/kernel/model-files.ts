/**
 * The DeviceFile seam over the model's fd table: each object is an fd number plus the syscalls on it,
 * exactly what the native backend wraps around a real fd.
 */
import {
  DMA_BUF_IOCTL_SYNC,
  Errno,
  setU32,
  type DeviceFile,
  type DmaBufFile,
  type IoctlArg,
  type Mapping,
  type MmapResult,
} from "../abi/index.ts";
import type { FdTable } from "./fd-table.ts";
import { DmaBuf } from "./dma-buf.ts";
import { GuestMemoryFault, checkedView, memoryChecksEnabled } from "./memory-checks.ts";

function mapping(fds: FdTable, fd: number, length: number, prot: number, flags: number, offset: number): MmapResult {
  const view = fds.mmap(fd, length, prot, flags, offset);
  if (typeof view === "number") return view;
  // subarray() below would silently clamp a view the driver made too short
  if (memoryChecksEnabled() && view.length < length) throw new GuestMemoryFault(`mmap of ${length} bytes got a ${view.length}-byte view`);
  // A VMA holds a reference on its file: closing the fd does not close the device (or free the dma-buf)
  // while a mapping of it lives.
  const file = fds.get(fd)!.get();
  let mapped = true;
  const m: Mapping = {
    // The kernel maps whole pages; user space asked for `length` bytes and gets a view of exactly those.
    bytes: checkedView(view.subarray(0, length)),
    unmap() {
      // A model view cannot be revoked (typed arrays cannot be detached); the native backend's munmap
      // does end its view, which is why callers must never touch bytes after unmap().
      if (!mapped) return;
      mapped = false;
      file.put();
    },
  };
  return m;
}

export class ModelDmaBufFile implements DmaBufFile {
  private readonly syncArg = new Uint8Array(8);
  constructor(
    private readonly fds: FdTable,
    readonly fd: number,
  ) {}

  size(): number {
    return this.fds.fstatSize(this.fd);
  }

  ioctl(request: number, arg: IoctlArg = 0): number {
    return this.fds.ioctl(this.fd, request, arg);
  }

  sync(flags: number): number {
    // The u64 flags as two u32 halves: no bigint per call on a path taken twice per frame.
    setU32(this.syncArg, 0, flags);
    setU32(this.syncArg, 4, 0);
    return this.ioctl(DMA_BUF_IOCTL_SYNC, this.syncArg);
  }

  mmap(length: number, prot: number, flags: number, offset = 0): MmapResult {
    return mapping(this.fds, this.fd, length, prot, flags, offset);
  }

  lseek(offset: number, whence: number): number {
    return this.fds.lseek(this.fd, offset, whence);
  }

  close(): number {
    return this.fds.close(this.fd);
  }
}

export class ModelDeviceFile implements DeviceFile {
  constructor(
    private readonly fds: FdTable,
    readonly fd: number,
  ) {}

  ioctl(request: number, arg: IoctlArg = 0): number {
    return this.fds.ioctl(this.fd, request, arg);
  }

  pread(buf: Uint8Array, offset: number): number {
    return this.fds.pread(this.fd, buf, offset);
  }

  pwrite(buf: Uint8Array, offset: number): number {
    return this.fds.pwrite(this.fd, buf, offset);
  }

  mmap(length: number, prot: number, flags: number, offset: number): MmapResult {
    return mapping(this.fds, this.fd, length, prot, flags, offset);
  }

  dmaBuf(fd: number): DmaBufFile | number {
    const file = this.fds.get(fd);
    if (!file || !(file.ops instanceof DmaBuf)) return -Errno.EBADF;
    return new ModelDmaBufFile(this.fds, fd);
  }

  close(): number {
    return this.fds.close(this.fd);
  }
}
