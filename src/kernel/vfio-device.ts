/**
 * The VFIO core's device file (drivers/vfio/vfio_main.c) for a vendor driver's device.
 *
 * The core counts opens: the driver's openDevice runs on the first, closeDevice on the last close. Every
 * ioctl, read, write and mmap goes to the driver unchanged, as struct vfio_device_ops does — drivers differ
 * in argsz handling and errno even for the common ioctls, so the core does not interpret them.
 */
import { Errno, type IoctlArg } from "../abi/index.ts";
import { OpenFile, type FileOps, type IoctlContext, type Vma } from "./open-file.ts";

/** What a vendor driver implements for one device instance (struct vfio_device_ops). */
export interface VfioDeviceOps {
  /** First open of the device; a negative errno refuses it. */
  openDevice?(): number;
  /** The last fd of the device was closed. */
  closeDevice?(): void;
  ioctl(request: number, arg: IoctlArg, ctx: IoctlContext): number;
  read(buf: Uint8Array, pos: number): number;
  write(buf: Uint8Array, pos: number): number;
  mmap(vma: Vma): Uint8Array | number;
}

export class VfioDevice {
  private opens = 0;
  private removed = false;

  constructor(
    readonly name: string,
    readonly ops: VfioDeviceOps,
  ) {}

  get openCount(): number {
    return this.opens;
  }

  get isRemoved(): boolean {
    return this.removed;
  }

  /** A new file description for the device (VFIO_GROUP_GET_DEVICE_FD / opening the cdev). */
  open(): OpenFile | number {
    if (this.removed) return -Errno.ENODEV;
    if (this.opens === 0) {
      const ret = this.ops.openDevice?.() ?? 0;
      if (ret < 0) return ret;
    }
    this.opens++;
    return new OpenFile(new VfioDeviceFileOps(this), true, true, `vfio-device(${this.name})`);
  }

  /**
   * The device is being unplugged. The real core waits for user space to release the device (and asks
   * it to, through the REQ interrupt); the model instead cuts it off at once: open fds stay valid but every
   * operation answers -ENODEV, and closeDevice runs when the last of them closes.
   */
  markRemoved(onGone: () => void): void {
    this.removed = true;
    this.onGone = onGone;
    if (this.opens === 0) onGone();
  }

  private onGone: (() => void) | undefined;

  /** @internal one file description of this device was released. */
  fileReleased(): void {
    if (--this.opens > 0) return;
    this.ops.closeDevice?.();
    if (this.removed) this.onGone?.();
  }
}

class VfioDeviceFileOps implements FileOps {
  constructor(private readonly device: VfioDevice) {}

  ioctl(request: number, arg: IoctlArg, ctx: IoctlContext): number {
    if (this.device.isRemoved) return -Errno.ENODEV;
    return this.device.ops.ioctl(request, arg, ctx);
  }

  read(buf: Uint8Array, pos: number): number {
    if (this.device.isRemoved) return -Errno.ENODEV;
    return this.device.ops.read(buf, pos);
  }

  write(buf: Uint8Array, pos: number): number {
    if (this.device.isRemoved) return -Errno.ENODEV;
    return this.device.ops.write(buf, pos);
  }

  mmap(vma: Vma): Uint8Array | number {
    if (this.device.isRemoved) return -Errno.ENODEV;
    return this.device.ops.mmap(vma);
  }

  release(): void {
    this.device.fileReleased();
  }
}
