/**
 * A process's file descriptor table, and the syscalls that go through it.
 *
 * fds are the lowest free number ≥ 3 (0..2 are the process's stdio), up to RLIMIT_NOFILE. Every syscall
 * answers as Linux does: -EBADF for an fd that is not open, -EINVAL/-ENOTTY/-ESPIPE where the file has no
 * such operation, and each file's own errno otherwise.
 */
import { Errno, MAP_PRIVATE, MAP_SHARED, PAGE_SIZE, PROT_WRITE, type IoctlArg } from "../abi/index.ts";
import { OpenFile, type IoctlContext } from "./open-file.ts";

export const FIRST_FD = 3;
export const DEFAULT_FD_LIMIT = 1024;

export class FdTable implements IoctlContext {
  private readonly files: (OpenFile | undefined)[] = [];

  constructor(readonly limit: number = DEFAULT_FD_LIMIT) {}

  /** Install `file` (the caller's reference moves into the table). */
  install(file: OpenFile): number {
    for (let fd = FIRST_FD; fd < this.limit; fd++) {
      if (this.files[fd] === undefined) {
        this.files[fd] = file;
        return fd;
      }
    }
    file.put();
    return -Errno.EMFILE;
  }

  installFd(file: OpenFile): number {
    return this.install(file.get());
  }

  get(fd: number): OpenFile | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.files[fd] : undefined;
  }

  openCount(): number {
    return this.files.reduce((n, f) => n + (f ? 1 : 0), 0);
  }

  close(fd: number): number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    this.files[fd] = undefined;
    file.put();
    return 0;
  }

  dup(fd: number): number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    return this.install(file.get());
  }

  ioctl(fd: number, request: number, arg: IoctlArg = 0): number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    if (!file.ops.ioctl) return -Errno.ENOTTY;
    return file.ops.ioctl(request >>> 0, arg, this);
  }

  pread(fd: number, buf: Uint8Array, pos: number): number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    if (!file.readable) return -Errno.EBADF;
    if (!Number.isSafeInteger(pos) || pos < 0) return -Errno.EINVAL;
    if (!file.ops.read) return -Errno.EINVAL;
    if (buf.length === 0) return 0;
    return file.ops.read(buf, pos);
  }

  pwrite(fd: number, buf: Uint8Array, pos: number): number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    if (!file.writable) return -Errno.EBADF;
    if (!Number.isSafeInteger(pos) || pos < 0) return -Errno.EINVAL;
    if (!file.ops.write) return -Errno.EINVAL;
    if (buf.length === 0) return 0;
    return file.ops.write(buf, pos);
  }

  lseek(fd: number, offset: number, whence: number): number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    if (!file.ops.llseek) return -Errno.ESPIPE;
    return file.ops.llseek(offset, whence);
  }

  /** st_size, as fstat would report it. */
  fstatSize(fd: number): number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    return file.ops.size?.() ?? 0;
  }

  /**
   * The checks mm/mmap.c makes before a file's mmap op, in the kernel's order: length 0 or an unaligned
   * offset → -EINVAL; exactly one of MAP_SHARED / MAP_PRIVATE; a shared writable mapping of a file not
   * opened for writing → -EACCES; any mapping of a file not opened for reading → -EACCES.
   */
  mmap(fd: number, length: number, prot: number, flags: number, offset: number): Uint8Array | number {
    const file = this.get(fd);
    if (!file) return -Errno.EBADF;
    if (!Number.isSafeInteger(length) || length <= 0) return -Errno.EINVAL;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % PAGE_SIZE !== 0) return -Errno.EINVAL;
    const type = flags & (MAP_SHARED | MAP_PRIVATE);
    if (type !== MAP_SHARED && type !== MAP_PRIVATE) return -Errno.EINVAL;
    if (!file.readable) return -Errno.EACCES;
    if (type === MAP_SHARED && (prot & PROT_WRITE) !== 0 && !file.writable) return -Errno.EACCES;
    if (!file.ops.mmap) return -Errno.ENODEV;
    const pages = Math.ceil(length / PAGE_SIZE);
    const shared = type === MAP_SHARED;
    return file.ops.mmap({ pgoff: offset / PAGE_SIZE, length: pages * PAGE_SIZE, prot, shared, vmShared: shared && file.writable });
  }
}
