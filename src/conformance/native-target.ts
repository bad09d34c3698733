/**
 * A conformance target on a real mdev through the native backend. The driver is read from the mdev's type
 * (mbochs-*, mdpy-*, i915-GVTg_*); the guest driver programs the device through the same device fd as the
 * checks, since a real VFIO group admits one opener.
 */
import { openMdev, type OpenMethod } from "../native/index.ts";
import { describeMdev } from "../native/mdev-sysfs.ts";
import { bochsDisplayGuest, mdpyDisplayGuest } from "./guests.ts";
import type { ConformanceTarget, DriverName } from "./target.ts";

export function driverOfType(type: string): DriverName {
  if (type.startsWith("mbochs-")) return "mbochs";
  if (type.startsWith("mdpy-")) return "mdpy";
  if (/gvt/i.test(type)) return "gvt";
  throw new RangeError(`mdev type ${JSON.stringify(type)} is not one the suite has a profile for (mbochs-*, mdpy-*, *GVTg*)`);
}

export function nativeTarget(device: string, method?: OpenMethod): ConformanceTarget {
  const info = describeMdev(device);
  const driver = driverOfType(info.type);
  if (driver === "gvt") throw new RangeError("a real GVT-g device needs a guest with RAM behind its GGTT; the suite's GVT guest runs on the model only");
  return {
    driver,
    type: info.type,
    backend: "native",
    description: `${info.sysfsPath} (${info.parent}/${info.type})`,
    open: () => {
      const opened = openMdev(device, method);
      const guest = driver === "mbochs" ? bochsDisplayGuest(opened.device) : mdpyDisplayGuest(opened.device);
      return {
        dev: opened.device,
        guest,
        close: () => {
          guest.detach();
          opened.device.close();
        },
      };
    },
  };
}
