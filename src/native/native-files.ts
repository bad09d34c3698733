/**
 * The DeviceFile seam over real fds: a VFIO device fd and the dma-buf fds it hands out. Every call answers
 * like the syscall — a result or -errno, never an exception — exactly as the model's files do
 * (src/kernel/model-files.ts), so the consumer and the guest drivers cannot tell the two apart.
 */
import { readlinkSync, fstatSync } from "node:fs";
import {
  DMA_BUF_IOCTL_SYNC,
  Errno,
  setU32,
  type DeviceFile,
  type DmaBufFile,
  type IoctlArg,
  type MmapResult,
} from "../abi/index.ts";
import { libc } from "./libc.ts";
import { mapFile } from "./mapping.ts";

/** An open fd and the raw calls on it. Owns the fd: close() closes it once. */
export class NativeFd {
  private open = true;

  constructor(readonly fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`fd ${fd} must be a non-negative integer`);
  }

  get isOpen(): boolean {
    return this.open;
  }

  ioctl(request: number, arg: IoctlArg = 0): number {
    if (!this.open) return -Errno.EBADF;
    if (!Number.isInteger(request) || request < 0 || request > 0xffff_ffff) return -Errno.EINVAL;
    const c = libc();
    let ret: number;
    if (typeof arg === "number") {
      if (!Number.isInteger(arg) || arg < 0) return -Errno.EINVAL;
      ret = c.ioctlValue(this.fd, request, arg);
    } else {
      ret = c.ioctlPtr(this.fd, request, arg);
    }
    return ret < 0 ? -c.errno() : ret;
  }

  pread(buf: Uint8Array, offset: number): number {
    if (!this.open) return -Errno.EBADF;
    if (!Number.isSafeInteger(offset) || offset < 0) return -Errno.EINVAL;
    const c = libc();
    const n = c.pread(this.fd, buf, buf.length, offset);
    return n < 0 ? -c.errno() : n;
  }

  pwrite(buf: Uint8Array, offset: number): number {
    if (!this.open) return -Errno.EBADF;
    if (!Number.isSafeInteger(offset) || offset < 0) return -Errno.EINVAL;
    const c = libc();
    const n = c.pwrite(this.fd, buf, buf.length, offset);
    return n < 0 ? -c.errno() : n;
  }

  mmap(length: number, prot: number, flags: number, offset: number): MmapResult {
    if (!this.open) return -Errno.EBADF;
    return mapFile(this.fd, length, prot, flags, offset);
  }

  lseek(offset: number, whence: number): number {
    if (!this.open) return -Errno.EBADF;
    const c = libc();
    const n = c.lseek(this.fd, offset, whence);
    return n < 0 ? -c.errno() : n;
  }

  close(): number {
    if (!this.open) return -Errno.EBADF;
    this.open = false;
    const c = libc();
    return c.close(this.fd) < 0 ? -c.errno() : 0;
  }
}

/** What /proc says an fd is: "anon_inode:dmabuf" for a dma-buf (6.1), "/dmabuf:…" on newer kernels. */
export function fdKind(fd: number): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return "";
  }
}

export function isDmaBufFd(fd: number): boolean {
  const kind = fdKind(fd);
  return kind === "anon_inode:dmabuf" || kind.startsWith("/dmabuf:");
}

export class NativeDmaBufFile implements DmaBufFile {
  private readonly raw: NativeFd;
  private readonly syncArg = new Uint8Array(8);

  constructor(fd: number) {
    this.raw = new NativeFd(fd);
  }

  get fd(): number {
    return this.raw.fd;
  }

  size(): number {
    if (!this.raw.isOpen) return -Errno.EBADF;
    try {
      return fstatSync(this.raw.fd).size;
    } catch (e) {
      return -Math.abs((e as { errno?: number }).errno ?? Errno.EBADF);
    }
  }

  ioctl(request: number, arg: IoctlArg = 0): number {
    return this.raw.ioctl(request, arg);
  }

  sync(flags: number): number {
    setU32(this.syncArg, 0, flags >>> 0);
    setU32(this.syncArg, 4, 0);
    return this.raw.ioctl(DMA_BUF_IOCTL_SYNC, this.syncArg);
  }

  mmap(length: number, prot: number, flags: number, offset = 0): MmapResult {
    return this.raw.mmap(length, prot, flags, offset);
  }

  lseek(offset: number, whence: number): number {
    return this.raw.lseek(offset, whence);
  }

  close(): number {
    return this.raw.close();
  }
}

export class NativeDeviceFile implements DeviceFile {
  private readonly raw: NativeFd;

  /**
   * `companions` are fds the device needs open while it is (its group and container, or its iommufd);
   * they are closed after it.
   */
  constructor(
    fd: number,
    readonly path: string,
    private readonly companions: NativeFd[] = [],
  ) {
    this.raw = new NativeFd(fd);
  }

  get fd(): number {
    return this.raw.fd;
  }

  ioctl(request: number, arg: IoctlArg = 0): number {
    return this.raw.ioctl(request, arg);
  }

  pread(buf: Uint8Array, offset: number): number {
    return this.raw.pread(buf, offset);
  }

  pwrite(buf: Uint8Array, offset: number): number {
    return this.raw.pwrite(buf, offset);
  }

  mmap(length: number, prot: number, flags: number, offset: number): MmapResult {
    return this.raw.mmap(length, prot, flags, offset);
  }

  dmaBuf(fd: number): DmaBufFile | number {
    if (!Number.isInteger(fd) || fd < 0 || !isDmaBufFd(fd)) return -Errno.EBADF;
    return new NativeDmaBufFile(fd);
  }

  close(): number {
    const ret = this.raw.close();
    if (ret === -Errno.EBADF) return ret;
    for (const c of this.companions) if (c.isOpen) c.close();
    return ret;
  }
}
