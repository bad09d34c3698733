/**
 * The host-kernel model: an mdev bus with vendor drivers registered on it, and one process's fd table
 * through which user space (a consumer, a guest driver, a test) opens devices by UUID.
 */
import { Errno, type DeviceFile } from "../abi/index.ts";
import { FdTable } from "./fd-table.ts";
import { MdevBus, type MdevParent } from "./mdev-bus.ts";
import { ModelDeviceFile } from "./model-files.ts";
import { EventFd } from "./eventfd.ts";

export class HostKernel {
  readonly bus = new MdevBus();
  readonly fds: FdTable;

  constructor(options: { fdLimit?: number } = {}) {
    this.fds = new FdTable(options.fdLimit);
  }

  registerParent(parent: MdevParent): this {
    this.bus.registerParent(parent);
    return this;
  }

  /**
   * eventfd(0, EFD_NONBLOCK) in this process: the fd, a way to be told when it is signalled (what poll()
   * would report), and close.
   */
  eventfd(): { fd: number; onSignal(listener: () => void): () => void; read(): number; close(): number } | number {
    const efd = new EventFd();
    const fd = this.fds.install(efd.file);
    if (fd < 0) return fd;
    const buf = new Uint8Array(8);
    return {
      fd,
      onSignal: (l) => efd.onSignal(l),
      read: () => (this.fds.pread(fd, buf, 0) === 8 ? new DataView(buf.buffer).getUint32(0, true) : 0),
      close: () => this.fds.close(fd),
    };
  }

  /** Open an mdev by UUID (what VFIO_GROUP_GET_DEVICE_FD does for its group): a DeviceFile or -errno. */
  openDevice(uuid: string): DeviceFile | number {
    const inst = this.bus.get(uuid);
    if (!inst) return -Errno.ENODEV;
    const file = inst.device.open();
    if (typeof file === "number") return file;
    const fd = this.fds.install(file);
    if (fd < 0) return fd;
    return new ModelDeviceFile(this.fds, fd);
  }
}
