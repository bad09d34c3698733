/**
 * Conformance targets on the host-kernel model: a fresh model host per target, one vGPU of the driver's
 * profile type, a consumer fd and a guest fd of the same device. `quirks` (default on) makes the samples
 * reproduce the real kernel's bugs, which is what the profiles expect.
 */
import { createMbochsParent } from "../drivers/bochs/mbochs-parent.ts";
import { createMdpyParent } from "../drivers/mdpy/mdpy-parent.ts";
import { createGvtParent } from "../drivers/gvt/index.ts";
import { GuestRam } from "../kernel/guest-ram.ts";
import { HostKernel } from "../kernel/host-kernel.ts";
import type { MdevParent } from "../kernel/mdev-bus.ts";
import type { DeviceFile } from "../abi/index.ts";
import { describeResult } from "../abi/index.ts";
import { bochsDisplayGuest, gvtDisplayGuest, mdpyDisplayGuest } from "./guests.ts";
import { profileFor } from "./profiles.ts";
import type { ConformanceTarget, DisplayGuest, DriverName } from "./target.ts";

const MODEL_UUID = "c0f0a11e-0000-4000-8000-000000000001";
const GVT_RAM_BYTES = 96 * 1024 * 1024;

export interface ModelTargetOptions {
  /** reproduce the real samples' bugs (default true) */
  quirks?: boolean;
}

export function modelTarget(driver: DriverName, options: ModelTargetOptions = {}): ConformanceTarget {
  const quirks = options.quirks ?? true;
  const type = profileFor(driver).type;
  const parentName = driver === "gvt" ? "i915-gvt" : driver;
  let kernel: HostKernel | undefined;
  let ram: GuestRam | undefined;
  const setUp = (): HostKernel => {
    if (kernel) return kernel;
    let parent: MdevParent;
    if (driver === "mbochs") parent = createMbochsParent({ quirks });
    else if (driver === "mdpy") parent = createMdpyParent({ quirks });
    else parent = createGvtParent({ guestRam: (ram = new GuestRam(GVT_RAM_BYTES)) });
    kernel = new HostKernel().registerParent(parent);
    const created = kernel.bus.create(parentName, type, MODEL_UUID);
    if (created !== 0) throw new Error(`model: create ${parentName}/${type}: ${describeResult(created)}`);
    return kernel;
  };
  const openFd = (k: HostKernel): DeviceFile => {
    const f = k.openDevice(MODEL_UUID);
    if (typeof f === "number") throw new Error(`model: open ${MODEL_UUID}: ${describeResult(f)}`);
    return f;
  };
  return {
    driver,
    type,
    backend: "model",
    description: `model ${parentName}/${type}${driver === "gvt" ? "" : quirks ? " (quirks: as the real kernel)" : " (no quirks: documented behaviour)"}`,
    open: () => {
      const k = setUp();
      const dev = openFd(k);
      const guestDev = openFd(k);
      const guest: DisplayGuest =
        driver === "mbochs" ? bochsDisplayGuest(guestDev) : driver === "mdpy" ? mdpyDisplayGuest(guestDev) : gvtDisplayGuest(guestDev, ram!);
      return {
        dev,
        guest,
        close: () => {
          guest.detach();
          guestDev.close();
          dev.close();
        },
      };
    },
  };
}
