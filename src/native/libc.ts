/**
 * The libc calls the native backend makes, bound once through koffi (loaded on first use, so importing
 * src/native costs nothing on a machine that never touches a real fd).
 *
 * koffi 3 rules followed here (../shared/spec/TOOLING.md §2): ioctl is declared with THREE arguments — a
 * 2-argument prototype leaves garbage in the third register, which some drivers reject; one declaration
 * per argument shape (pointer or value); pointers come back as BigInt; errno is read right after the call.
 */
import koffi from "koffi";

export interface Libc {
  open(path: string, flags: number, mode: number): number;
  close(fd: number): number;
  /** ioctl with a pointer argument: the bytes are passed by address for the duration of the call */
  ioctlPtr(fd: number, request: number, arg: Uint8Array): number;
  /** ioctl with a value argument (0 when the request takes none) */
  ioctlValue(fd: number, request: number, arg: number): number;
  pread(fd: number, buf: Uint8Array, count: number, offset: number): number;
  pwrite(fd: number, buf: Uint8Array, count: number, offset: number): number;
  read(fd: number, buf: Uint8Array, count: number): number;
  write(fd: number, buf: Uint8Array, count: number): number;
  lseek(fd: number, offset: number, whence: number): number;
  mmap(addr: bigint | null, length: number, prot: number, flags: number, fd: number, offset: number): bigint;
  munmap(addr: bigint, length: number): number;
  eventfd(initval: number, flags: number): number;
  memfdCreate(name: string, flags: number): number;
  pipe(fds: Int32Array): number;
  /** poll(2) on one fd, run on a koffi worker thread so the event loop keeps going */
  pollAsync(fds: PollFd[], nfds: number, timeoutMs: number, done: (err: unknown, ret: number) => void): void;
  errno(): number;
}

export interface PollFd {
  fd: number;
  events: number;
  revents: number;
}

/** mmap's failure value, (void *) -1. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

let bound: Libc | undefined;

export function libc(): Libc {
  if (bound) return bound;
  const lib = koffi.load("libc.so.6");
  const pollfd = koffi.struct("vfio_display_pollfd", { fd: "int", events: "short", revents: "short" });
  const poll = lib.func("poll", "int", [koffi.inout(koffi.pointer(pollfd)), "unsigned long", "int"]);
  const fns = {
    open: lib.func("open", "int", ["const char *", "int", "uint32_t"]),
    close: lib.func("close", "int", ["int"]),
    ioctlPtr: lib.func("ioctl", "int", ["int", "unsigned long", "void *"]),
    ioctlValue: lib.func("ioctl", "int", ["int", "unsigned long", "unsigned long"]),
    pread: lib.func("pread64", "int64_t", ["int", "void *", "size_t", "int64_t"]),
    pwrite: lib.func("pwrite64", "int64_t", ["int", "void *", "size_t", "int64_t"]),
    read: lib.func("read", "int64_t", ["int", "void *", "size_t"]),
    write: lib.func("write", "int64_t", ["int", "void *", "size_t"]),
    lseek: lib.func("lseek64", "int64_t", ["int", "int64_t", "int"]),
    mmap: lib.func("mmap64", "void *", ["void *", "size_t", "int", "int", "int", "int64_t"]),
    munmap: lib.func("munmap", "int", ["void *", "size_t"]),
    eventfd: lib.func("eventfd", "int", ["unsigned int", "int"]),
    memfdCreate: lib.func("memfd_create", "int", ["const char *", "unsigned int"]),
    pipe: lib.func("pipe", "int", ["int *"]),
  };
  const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : (v as number));
  bound = {
    open: (p, f, m) => fns.open(p, f, m) as number,
    close: (fd) => fns.close(fd) as number,
    ioctlPtr: (fd, r, a) => fns.ioctlPtr(fd, r, a) as number,
    ioctlValue: (fd, r, a) => fns.ioctlValue(fd, r, a) as number,
    pread: (fd, b, n, o) => num(fns.pread(fd, b, n, o)),
    pwrite: (fd, b, n, o) => num(fns.pwrite(fd, b, n, o)),
    read: (fd, b, n) => num(fns.read(fd, b, n)),
    write: (fd, b, n) => num(fns.write(fd, b, n)),
    lseek: (fd, o, w) => num(fns.lseek(fd, o, w)),
    mmap: (a, l, p, f, fd, o) => {
      const ptr = fns.mmap(a, l, p, f, fd, o) as unknown;
      // koffi hands back a pointer as a BigInt address (null for NULL).
      return ptr === null ? 0n : typeof ptr === "bigint" ? ptr : koffi.address(ptr);
    },
    munmap: (a, l) => fns.munmap(a, l) as number,
    eventfd: (i, f) => fns.eventfd(i, f) as number,
    memfdCreate: (n, f) => fns.memfdCreate(n, f) as number,
    pipe: (fds) => fns.pipe(fds) as number,
    pollAsync: (fds, n, t, done) => poll.async(fds, n, t, done),
    errno: () => koffi.errno(),
  };
  return bound;
}

/** An ArrayBuffer over `length` bytes at address `ptr` (zero-copy; valid only while the memory is mapped). */
export function viewAt(ptr: bigint, length: number): ArrayBuffer {
  return koffi.view(ptr, length);
}
