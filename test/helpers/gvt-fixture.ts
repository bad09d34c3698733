/** A model host with one GVT vGPU over its own guest RAM: a consumer fd and a guest fd of the same device. */
import type { DeviceFile } from "../../src/abi/index.ts";
import { createGvtParent } from "../../src/drivers/gvt/index.ts";
import { GuestRam } from "../../src/kernel/guest-ram.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { nextUuid } from "./ioctl-args.ts";

export const MiB = 1024 * 1024;

export function gvtDevice(options: { ramMiB?: number; type?: string } = {}): { dev: DeviceFile; guestDev: DeviceFile; ram: GuestRam; kernel: HostKernel; uuid: string } {
  const ram = new GuestRam((options.ramMiB ?? 96) * MiB);
  const kernel = new HostKernel().registerParent(createGvtParent({ guestRam: ram }));
  const uuid = nextUuid();
  const created = kernel.bus.create("i915-gvt", options.type ?? "GVTg_V5_4", uuid);
  if (created !== 0) throw new Error(`create failed: ${created}`);
  const dev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof dev === "number" || typeof guestDev === "number") throw new Error("open failed");
  return { dev, guestDev, ram, kernel, uuid };
}
