/** A model host with one mbochs vGPU opened, and a bochs guest attached through its own fd. */
import { isMapping, MAP_SHARED, PROT_READ, type DeviceFile, type DmaBufFile, type Mapping } from "../../src/abi/index.ts";
import { createMbochsParent } from "../../src/drivers/bochs/mbochs-parent.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { BochsGuest } from "../../src/guest/bochs-guest.ts";
import { nextUuid } from "./ioctl-args.ts";

export interface BochsFixture {
  kernel: HostKernel;
  uuid: string;
  /** the consumer's fd */
  dev: DeviceFile;
  /** the guest's own fd of the same device */
  guestDev: DeviceFile;
  guest: BochsGuest;
}

export function bochsFixture(options: { type?: string; quirks?: boolean; planeNotify?: boolean } = {}): BochsFixture {
  const kernel = new HostKernel().registerParent(createMbochsParent({ quirks: options.quirks ?? false, planeNotify: options.planeNotify ?? false }));
  const uuid = nextUuid();
  const created = kernel.bus.create("mbochs", options.type ?? "mbochs-medium", uuid);
  if (created !== 0) throw new Error(`create failed: ${created}`);
  const dev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof dev === "number" || typeof guestDev === "number") throw new Error("open failed");
  return { kernel, uuid, dev, guestDev, guest: BochsGuest.attach(guestDev) };
}

export function asDmaBuf(dev: DeviceFile, fd: number): DmaBufFile {
  const d = dev.dmaBuf(fd);
  if (typeof d === "number") throw new Error(`not a dma-buf: ${d}`);
  return d;
}

export function mapRead(buf: DmaBufFile, length: number): Mapping {
  const m = buf.mmap(length, PROT_READ, MAP_SHARED);
  if (!isMapping(m)) throw new Error(`mmap failed: ${m}`);
  return m;
}
