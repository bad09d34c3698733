/**
 * The DeviceFile seam: what a VFIO device fd and a dma-buf fd are to user space.
 *
 * Two implementations exist — the host-kernel model (src/kernel) and the native backend over real
 * /dev/vfio files — and a consumer cannot tell them apart. Every call answers like the syscall it stands
 * for: a non-negative result, or a negative errno. Nothing here throws for bad input.
 */

/** An ioctl argument: bytes the kernel reads and writes (a pointer), or a plain value. */
export type IoctlArg = Uint8Array | number;

/** A live mapping of a file. Its bytes must not be touched after unmap(). */
export interface Mapping {
  readonly bytes: Uint8Array;
  unmap(): void;
}

/** Result of mmap: a Mapping, or a negative errno. */
export type MmapResult = Mapping | number;

export interface DmaBufFile {
  readonly fd: number;
  /** st_size of the dma-buf (what fstat gives), or -errno. */
  size(): number;
  ioctl(request: number, arg?: IoctlArg): number;
  /** DMA_BUF_IOCTL_SYNC with these flags. */
  sync(flags: number): number;
  mmap(length: number, prot: number, flags: number, offset?: number): MmapResult;
  lseek(offset: number, whence: number): number;
  close(): number;
}

export interface DeviceFile {
  readonly fd: number;
  ioctl(request: number, arg?: IoctlArg): number;
  /** Read region bytes at a device-fd offset; bytes read or -errno. */
  pread(buf: Uint8Array, offset: number): number;
  pwrite(buf: Uint8Array, offset: number): number;
  mmap(length: number, prot: number, flags: number, offset: number): MmapResult;
  /** The dma-buf behind an fd that VFIO_DEVICE_GET_GFX_DMABUF returned, or -EBADF. */
  dmaBuf(fd: number): DmaBufFile | number;
  close(): number;
}

export function isMapping(r: MmapResult): r is Mapping {
  return typeof r !== "number";
}
