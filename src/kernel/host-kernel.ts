/**
 * The host-kernel model: an mdev bus with vendor drivers registered on it, and one process's fd table
 * through which user space (a consumer, a guest driver, a test) opens devices by UUID.
 */
import { Errno, type DeviceFile } from "../abi/index.ts";
import { FdTable } from "./fd-table.ts";
import { MdevBus, type MdevParent } from "./mdev-bus.ts";
import { ModelDeviceFile } from "./model-files.ts";

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
