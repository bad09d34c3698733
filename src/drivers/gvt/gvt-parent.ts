/**
 * The GVT-g parent device (one physical Skylake GPU) as an mdev parent: its vGPU types and the graphics
 * memory and fence registers they share.
 *
 * Each vGPU gets a slice of the aperture and a slice of the hidden GM (intel_vgpu_alloc_resource, first
 * fit here); `available_instances` is min(low left / low, high left / high, fences left / fences) as
 * intel_gvt_update_vgpu_types computes it, and a create that does not fit answers -ENOSPC.
 *
 * Guest RAM: a vGPU reads its guest's framebuffers from the VM's memory, which the VMM hands to VFIO
 * (VFIO_IOMMU_MAP_DMA) and kvmgt pins page by page. The model asks `guestRam(uuid)` for that memory each
 * time the device is first opened; no RAM → the open fails with -ENODEV.
 */
import { Errno } from "../../abi/index.ts";
import type { GuestRam } from "../../kernel/guest-ram.ts";
import type { MdevParent, MdevType } from "../../kernel/mdev-bus.ts";
import type { VfioDeviceOps } from "../../kernel/vfio-device.ts";
import type { GmRanges } from "./ggtt.ts";
import { GvtDevice, type GuestRamProvider } from "./gvt-device.ts";
import { GVT_TYPES, HOST_GM, typeDescription, type GvtTypeSpec } from "./types.ts";

export const GVT_PARENT_NAME = "i915-gvt";

export interface GvtParentOptions {
  /** The VM's RAM for a vGPU (one GuestRam for every vGPU, or per UUID). */
  guestRam: GuestRam | GuestRamProvider;
}

/** A first-fit allocator of [base, base + size) ranges inside one GM area. */
class RangeAllocator {
  private readonly used: { base: number; size: number }[] = [];
  constructor(
    private readonly start: number,
    private readonly end: number,
  ) {}

  get free(): number {
    return this.end - this.start - this.used.reduce((n, r) => n + r.size, 0);
  }

  alloc(size: number): number | undefined {
    let at = this.start;
    for (const r of [...this.used].sort((a, b) => a.base - b.base)) {
      if (r.base - at >= size) break;
      at = Math.max(at, r.base + r.size);
    }
    if (this.end - at < size) return undefined;
    this.used.push({ base: at, size });
    return at;
  }

  release(base: number): void {
    const i = this.used.findIndex((r) => r.base === base);
    if (i >= 0) this.used.splice(i, 1);
  }
}

export function createGvtParent(options: GvtParentOptions): MdevParent {
  const provider: GuestRamProvider = typeof options.guestRam === "function" ? options.guestRam : () => options.guestRam as GuestRam;
  // The host keeps the start of each area for itself.
  const low = new RangeAllocator(HOST_GM.apertureBase + HOST_GM.hostLow, HOST_GM.apertureBase + HOST_GM.apertureSize);
  const high = new RangeAllocator(HOST_GM.hiddenBase + HOST_GM.hostHigh, HOST_GM.hiddenBase + HOST_GM.hiddenSize);
  let fencesLeft = HOST_GM.fences - HOST_GM.hostFences;
  const live = new Map<VfioDeviceOps, GmRanges>();

  const vgpuIds = new Set<number>();
  const nextVgpuId = (): number => {
    let id = 1; // idr_alloc from IDLE_VGPU_IDR + 1
    while (vgpuIds.has(id)) id++;
    return id;
  };

  const makeType = (spec: GvtTypeSpec): MdevType => ({
    id: spec.id,
    name: spec.id,
    deviceApi: "vfio-pci",
    description: () => typeDescription(spec),
    availableInstances: () =>
      Math.min(Math.floor(low.free / spec.lowGm), Math.floor(high.free / spec.highGm), Math.floor(fencesLeft / spec.fences)),
    create(uuid: string): VfioDeviceOps | number {
      if (fencesLeft < spec.fences) return -Errno.ENOSPC;
      const apertureBase = low.alloc(spec.lowGm);
      if (apertureBase === undefined) return -Errno.ENOSPC;
      const hiddenBase = high.alloc(spec.highGm);
      if (hiddenBase === undefined) {
        low.release(apertureBase);
        return -Errno.ENOSPC;
      }
      fencesLeft -= spec.fences;
      const gm: GmRanges = { apertureBase, apertureSize: spec.lowGm, hiddenBase, hiddenSize: spec.highGm };
      const id = nextVgpuId();
      vgpuIds.add(id);
      const device = new GvtDevice(uuid, spec, gm, id, provider);
      live.set(device, gm);
      return device;
    },
    destroy(ops: VfioDeviceOps): void {
      const gm = live.get(ops);
      if (!gm) return;
      live.delete(ops);
      low.release(gm.apertureBase);
      high.release(gm.hiddenBase);
      fencesLeft += spec.fences;
      vgpuIds.delete((ops as GvtDevice).vgpuId);
    },
  });

  return { name: GVT_PARENT_NAME, types: GVT_TYPES.map(makeType) };
}
