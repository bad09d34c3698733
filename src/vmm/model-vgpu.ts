/**
 * A vGPU as a VMM runs it, on the host-kernel model: an mdev created on its parent (mbochs, mdpy or GVT-g),
 * the guest driver and a workload running in a worker thread like a vCPU (its register accesses reach the
 * device on this thread, its pixels go straight into device memory), and the display consumer turning the
 * device's planes into a Console. The Console's input (pointer, keys, clipboard) goes to the guest; the
 * guest's copies come back as Console clipboard events. This is the wiring `vfio-display serve` and the
 * end-to-end tests use; front-ends (VNC, web) only ever see the Console.
 */
import type { DeviceFile } from "../abi/index.ts";
import { DisplayConsumer, type ConsumerOptions } from "../display/display-consumer.ts";
import type { Console } from "../display/console.ts";
import { createMbochsParent } from "../drivers/bochs/mbochs-parent.ts";
import { createGvtParent } from "../drivers/gvt/index.ts";
import { createMdpyParent } from "../drivers/mdpy/mdpy-parent.ts";
import type { WorkloadSpec } from "../guest/workloads/registry.ts";
import { GuestVcpu } from "../guest/workloads/worker/guest-vcpu.ts";
import type { GuestKind } from "../guest/workloads/worker/protocol.ts";
import { GuestRam } from "../kernel/guest-ram.ts";
import { HostKernel } from "../kernel/host-kernel.ts";

export type VgpuDriver = "bochs" | "gvt" | "mdpy";

export const DEFAULT_TYPES: Readonly<Record<VgpuDriver, string>> = {
  bochs: "mbochs-large",
  gvt: "GVTg_V5_4",
  mdpy: "mdpy-hd",
};

const PARENTS: Readonly<Record<VgpuDriver, string>> = { bochs: "mbochs", gvt: "i915-gvt", mdpy: "mdpy" };

export interface ModelVgpuOptions {
  /** a short id for URLs and logs, e.g. "gvt0" */
  id: string;
  driver: VgpuDriver;
  /** mdev type (default per driver: mbochs-large, GVTg_V5_4, mdpy-hd) */
  type?: string;
  uuid?: string;
  workload: WorkloadSpec;
  /** guest frames per second (default 60) */
  rateHz?: number;
  consumer?: ConsumerOptions;
  /** guest RAM for a GVT vGPU, MiB (default 160: room for two 4K framebuffers and the GGTT's pages) */
  guestRamMiB?: number;
}

export interface VgpuInfo {
  id: string;
  driver: VgpuDriver;
  parent: string;
  type: string;
  uuid: string;
  workload: string;
}

let uuidCounter = 0;
function makeUuid(): string {
  const n = (++uuidCounter).toString(16).padStart(12, "0");
  return `5ee0f1e5-0000-4000-8000-${n}`;
}

export class ModelVgpu {
  private stopped = false;

  private constructor(
    readonly info: VgpuInfo,
    readonly device: DeviceFile,
    readonly consumer: DisplayConsumer,
    readonly vcpu: GuestVcpu,
  ) {}

  get console(): Console {
    return this.consumer.console;
  }

  static async start(options: ModelVgpuOptions): Promise<ModelVgpu> {
    const { driver } = options;
    const type = options.type ?? DEFAULT_TYPES[driver];
    const uuid = options.uuid ?? makeUuid();
    const kernel = new HostKernel();
    let guest: GuestKind;
    const shared: Record<string, SharedArrayBuffer> = {};
    if (driver === "gvt") {
      const ram = new GuestRam((options.guestRamMiB ?? 160) * 1024 * 1024);
      kernel.registerParent(createGvtParent({ guestRam: ram }));
      guest = { module: new URL("../guest/gvt-worker-guest.ts", import.meta.url).href, export: "gvtGuestDisplay" };
      shared["ram"] = ram.buffer;
    } else if (driver === "bochs") {
      kernel.registerParent(createMbochsParent());
      guest = "bochs";
    } else {
      kernel.registerParent(createMdpyParent());
      guest = "mdpy";
    }
    const parent = PARENTS[driver];
    const created = kernel.bus.create(parent, type, uuid);
    if (created !== 0) {
      const types = kernel.bus.types(parent).map((t) => t.id).join(", ");
      throw new RangeError(`cannot create a ${driver} vGPU of type "${type}" (errno ${-created}; types: ${types})`);
    }
    const hostDev = kernel.openDevice(uuid);
    const guestDev = kernel.openDevice(uuid);
    if (typeof hostDev === "number" || typeof guestDev === "number") throw new Error(`opening vGPU ${uuid} failed`);
    const vcpu = await GuestVcpu.spawn({ dev: guestDev, guest, shared, workload: options.workload, rateHz: options.rateHz ?? 60 });
    const consumer = new DisplayConsumer(hostDev, { name: options.id, ...options.consumer });
    consumer.start();
    const vgpu = new ModelVgpu({ id: options.id, driver, parent, type, uuid, workload: options.workload.kind }, hostDev, consumer, vcpu);
    consumer.console.setInputSink({ input: (e) => vcpu.input(e), clipboard: (t) => vcpu.clipboard(t) });
    vcpu.onClipboard((out) => consumer.console.publishClipboard(out.text));
    vcpu.start();
    return vgpu;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.console.setInputSink(undefined);
    this.consumer.stop();
    await this.vcpu.terminate();
    this.device.close();
  }
}
