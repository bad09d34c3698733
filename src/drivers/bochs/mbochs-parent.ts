/** The mbochs module as an mdev parent: its three types, drawing on one video-memory budget. */
import { Errno } from "../../abi/index.ts";
import type { MdevParent, MdevType } from "../../kernel/mdev-bus.ts";
import type { VfioDeviceOps } from "../../kernel/vfio-device.ts";
import { MbochsDevice, type MbochsOptions } from "./mbochs-device.ts";
import { BOCHS_TYPES, DEFAULT_MAX_MBYTES, typeDescription } from "./types.ts";

export interface MbochsParentOptions extends MbochsOptions {
  /** the module's `count` parameter: video memory for all instances together, in MiB */
  maxMbytes?: number;
}

export function createMbochsParent(options: MbochsParentOptions = {}): MdevParent {
  let availMbytes = options.maxMbytes ?? DEFAULT_MAX_MBYTES;
  const types: MdevType[] = BOCHS_TYPES.map((spec) => ({
    id: spec.id,
    name: spec.id,
    deviceApi: "vfio-pci",
    description: () => typeDescription(spec),
    availableInstances: () => Math.floor(availMbytes / spec.mbytes),
    create(uuid: string): VfioDeviceOps | number {
      if (availMbytes < spec.mbytes) return -Errno.ENOSPC;
      availMbytes -= spec.mbytes;
      return new MbochsDevice(uuid, spec, options);
    },
    destroy(): void {
      availMbytes += spec.mbytes;
    },
  }));
  return { name: "mbochs", types };
}
