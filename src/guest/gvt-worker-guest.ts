/**
 * The GVT guest as a worker-thread vCPU attaches it (GuestVcpu's `guest: { module, export }` plug-in):
 * the VM's RAM arrives as the shared buffer `ram` — the same SharedArrayBuffer the host-side GVT model reads
 * through the GGTT — and the device file is the worker's RPC DeviceFile.
 */
import type { DeviceFile } from "../abi/index.ts";
import { GuestRam } from "../kernel/guest-ram.ts";
import { GvtDisplay } from "./gvt-display.ts";
import { GvtGuest } from "./gvt-guest.ts";
import type { GuestDisplay } from "./guest-display.ts";

/** The page-order seed both the in-thread and the worker guest use, so they lay out memory alike. */
export const GVT_WORKER_SHUFFLE_SEED = 3;

export function gvtGuestDisplay(dev: DeviceFile, shared: Record<string, SharedArrayBuffer>): GuestDisplay {
  const buffer = shared.ram;
  if (!buffer) throw new Error('the GVT guest needs its RAM as the shared buffer "ram"');
  const ram = new GuestRam(buffer.byteLength, buffer);
  return new GvtDisplay(GvtGuest.attach(dev, ram, { shuffleSeed: GVT_WORKER_SHUFFLE_SEED }));
}
