/**
 * A file description (struct file): the object an fd points at, shared by dup'ed fds and reference
 * counted. Its ops decide what ioctl/read/write/mmap/llseek mean; release runs when the last reference goes.
 */
import { Errno, type IoctlArg } from "../abi/index.ts";

export interface Vma {
  /** offset into the file, in pages */
  pgoff: number;
  /** length in bytes (page aligned by the core) */
  length: number;
  prot: number;
  /** MAP_SHARED was requested (VM_MAYSHARE) */
  shared: boolean;
  /**
   * VM_SHARED as mm/mmap.c leaves it: MAP_SHARED of a file opened for writing. A shared mapping of a
   * read-only file has VM_SHARED cleared (it can never write back), which drivers that test VM_SHARED
   * mistake for a private mapping. Absent (a driver test calling an mmap op directly): as `shared`.
   */
  vmShared?: boolean;
}

/** What ioctl handlers may do besides reading/writing their argument: hand out new fds. */
export interface IoctlContext {
  /** Install a new fd for `file`, taking a reference of its own. Returns the fd or -EMFILE. */
  installFd(file: OpenFile): number;
  /** The file an fd of the calling process refers to (fdget), or undefined. */
  get(fd: number): OpenFile | undefined;
}

export interface FileOps {
  ioctl?(request: number, arg: IoctlArg, ctx: IoctlContext): number;
  read?(buf: Uint8Array, pos: number): number;
  write?(buf: Uint8Array, pos: number): number;
  /** A live view of the mapped bytes, or -errno. */
  mmap?(vma: Vma): Uint8Array | number;
  llseek?(offset: number, whence: number): number;
  /** st_size as fstat reports it. */
  size?(): number;
  release?(): void;
}

export class OpenFile {
  private refs = 1;
  constructor(
    readonly ops: FileOps,
    readonly readable: boolean,
    readonly writable: boolean,
    readonly kind: string,
  ) {}

  get refCount(): number {
    return this.refs;
  }

  get(): this {
    if (this.refs <= 0) throw new Error(`${this.kind}: get() on a released file`);
    this.refs++;
    return this;
  }

  put(): void {
    if (this.refs <= 0) throw new Error(`${this.kind}: put() on a released file`);
    if (--this.refs === 0) this.ops.release?.();
  }
}

/** -EFAULT unless `arg` is a buffer holding at least `n` bytes: what copy_from_user/copy_to_user answer. */
export function userBytes(arg: IoctlArg, n: number): Uint8Array | number {
  if (typeof arg === "number" || arg.length < n) return -Errno.EFAULT;
  return arg;
}
