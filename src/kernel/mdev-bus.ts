/**
 * The mediated-device bus as sysfs shows it: parent devices with their supported types
 * (mdev_supported_types/<type>/{name,description,available_instances,device_api,create}) and instances
 * created and removed by UUID.
 */
import { Errno } from "../abi/index.ts";
import { VfioDevice, type VfioDeviceOps } from "./vfio-device.ts";

/** One entry of mdev_supported_types, provided by a vendor driver. */
export interface MdevType {
  /** the directory name, e.g. "mbochs-small" */
  readonly id: string;
  /** the `name` attribute */
  readonly name: string;
  readonly deviceApi: "vfio-pci";
  description(): string;
  availableInstances(): number;
  /** Create an instance: its ops, or the driver's negative errno when no room is left (mbochs -ENOSPC, mdpy -ENOMEM). */
  create(uuid: string): VfioDeviceOps | number;
  /** The instance is gone (after removal, once no fd refers to it): give its resources back. */
  destroy(ops: VfioDeviceOps): void;
}

export interface MdevParent {
  /** e.g. "mbochs" (the parent device's name under /sys/class/mdev_bus) */
  readonly name: string;
  readonly types: readonly MdevType[];
}

export interface MdevInstance {
  readonly uuid: string;
  readonly parent: string;
  readonly type: MdevType;
  readonly device: VfioDevice;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

export class MdevBus {
  private readonly parents = new Map<string, MdevParent>();
  private readonly instances = new Map<string, MdevInstance>();

  registerParent(parent: MdevParent): void {
    if (this.parents.has(parent.name)) throw new Error(`mdev parent ${parent.name} is already registered`);
    this.parents.set(parent.name, parent);
  }

  parentNames(): string[] {
    return [...this.parents.keys()];
  }

  types(parent: string): readonly MdevType[] {
    return this.parents.get(parent)?.types ?? [];
  }

  findType(parent: string, typeId: string): MdevType | undefined {
    return this.types(parent).find((t) => t.id === typeId);
  }

  /** echo UUID > .../mdev_supported_types/<typeId>/create */
  create(parent: string, typeId: string, uuid: string): number {
    const type = this.findType(parent, typeId);
    if (!type) return -Errno.ENODEV;
    if (!isUuid(uuid)) return -Errno.EINVAL;
    const key = uuid.toLowerCase();
    if (this.instances.has(key)) return -Errno.EEXIST;
    const ops = type.create(key);
    if (typeof ops === "number") return ops;
    this.instances.set(key, { uuid: key, parent, type, device: new VfioDevice(key, ops) });
    return 0;
  }

  /** echo 1 > /sys/bus/mdev/devices/<uuid>/remove */
  remove(uuid: string): number {
    const inst = this.instances.get(uuid.toLowerCase());
    if (!inst) return -Errno.ENODEV;
    this.instances.delete(inst.uuid);
    // The type gets its resources back once no fd refers to the device any more.
    inst.device.markRemoved(() => inst.type.destroy(inst.device.ops));
    return 0;
  }

  get(uuid: string): MdevInstance | undefined {
    return this.instances.get(uuid.toLowerCase());
  }

  list(): MdevInstance[] {
    return [...this.instances.values()];
  }
}
