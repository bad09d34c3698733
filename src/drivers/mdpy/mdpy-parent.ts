/**
 * The mdpy parent device: its three types and the module-wide device budget (module parameter `count`,
 * default 4) that all of them share.
 *
 * A full budget answers -ENOMEM: the sample's instance init returns that when mdpy_count ≥ max_devices,
 * and the mdev core passes it on (mdpy supplies its own available_instances, so the core's -EUSERS check
 * does not apply). A device gives its slot back when it is released — after removal and the last close.
 */
import { Errno } from "../../abi/index.ts";
import type { MdevParent, MdevType } from "../../kernel/mdev-bus.ts";
import type { VfioDeviceOps } from "../../kernel/vfio-device.ts";
import { MdpyDevice } from "./mdpy-device.ts";
import { DEFAULT_MAX_DEVICES, MDPY_TYPES, typeDescription, type MdpyTypeSpec } from "./types.ts";

export const MDPY_PARENT_NAME = "mdpy";

export interface MdpyParentOptions {
  /** Reproduce the sample's BAR0 pread/pwrite bug in every device created (see region-access.ts). */
  quirks?: boolean;
  /** The `count` module parameter. */
  maxDevices?: number;
}

/** Errno of a create when every device slot is taken. */
export const MDPY_CREATE_FULL_ERRNO = -Errno.ENOMEM;

export function createMdpyParent(options: MdpyParentOptions = {}): MdevParent {
  const maxDevices = options.maxDevices ?? DEFAULT_MAX_DEVICES;
  if (!Number.isSafeInteger(maxDevices) || maxDevices < 0) {
    throw new RangeError(`mdpy: maxDevices must be a non-negative integer, got ${maxDevices}`);
  }
  const quirks = options.quirks ?? false;
  const live = new Set<VfioDeviceOps>();

  const makeType = (spec: MdpyTypeSpec): MdevType => ({
    id: spec.id,
    name: spec.id,
    deviceApi: "vfio-pci",
    description: () => typeDescription(spec),
    availableInstances: () => maxDevices - live.size,
    create(): VfioDeviceOps | number {
      if (live.size >= maxDevices) return MDPY_CREATE_FULL_ERRNO;
      const device = new MdpyDevice(spec, { quirks });
      live.add(device);
      return device;
    },
    destroy(ops: VfioDeviceOps): void {
      // A Set makes a repeated or foreign destroy harmless instead of freeing someone else's slot.
      live.delete(ops);
    },
  });

  return { name: MDPY_PARENT_NAME, types: MDPY_TYPES.map(makeType) };
}
