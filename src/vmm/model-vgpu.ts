/**
 * A vGPU as a VMM runs it, on the host-kernel model: an mdev created on its parent (mbochs, mdpy or GVT-g),
 * the guest driver and a workload running in a worker thread like a vCPU (its register accesses reach the
 * device on this thread, its pixels go straight into device memory), and the display consumer turning the
 * device's planes into a Console. The Console's input (pointer, keys, clipboard) goes to the guest; the
 * guest's copies come back as Console clipboard events. This is the wiring `vfio-display serve` and the
 * end-to-end tests use; front-ends (VNC, web) only ever see the Console.
 *
 * Faults, as a VMM meets them (docs/reliability.md): reset() is a guest reboot (the guest stopped,
 * VFIO_DEVICE_RESET, the consumer told, the guest started again); a guest worker that dies on its own is
 * logged and rebooted that way, up to a few times a minute, after which the vGPU is marked failed and keeps
 * its last frame; remove() is a hot-unplug (the mdev removed, the guest stopped, the console goes off, every
 * fd released). state and onStateChange report all of it to front-ends.
 */
import { describeResult, VFIO_DEVICE_RESET, type DeviceFile } from "../abi/index.ts";
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
  /** where faults are reported (a dead guest, a restart, a removal); default: nowhere */
  log?: (message: string) => void;
  /** reboots of a guest that died on its own allowed per minute before the vGPU is marked failed (default 3) */
  maxGuestRestartsPerMinute?: number;
}

/**
 * running: the guest draws; restarting: the guest died or is being rebooted; failed: the guest died too
 * often and stays down (the console keeps its last frame); removed: the device is gone.
 */
export type VgpuState = "running" | "restarting" | "failed" | "removed";

export interface VgpuStatus {
  state: VgpuState;
  /** why the state is not "running" (the guest's error, "device removed"), if it is not */
  reason?: string;
  /** guest reboots after a death */
  guestRestarts: number;
  /** device resets (reboots asked for, and restarts) */
  resets: number;
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

interface GuestSetup {
  dev: DeviceFile;
  guest: GuestKind;
  shared: Record<string, SharedArrayBuffer>;
  workload: WorkloadSpec;
  rateHz: number;
}

const RESTART_WINDOW_MS = 60_000;

export class ModelVgpu {
  private stopped = false;
  private current: GuestVcpu;
  private readonly status: VgpuStatus = { state: "running", guestRestarts: 0, resets: 0 };
  private readonly stateListeners: Array<(status: Readonly<VgpuStatus>) => void> = [];
  private readonly restartTimes: number[] = [];
  /** a reboot or restart under way: another waits for it */
  private rebooting: Promise<void> | undefined;
  private readonly log: (message: string) => void;

  private constructor(
    readonly info: VgpuInfo,
    /** the host kernel model the vGPU lives in (its mdev bus, this process's fd table) */
    readonly kernel: HostKernel,
    /** the consumer's fd of the device */
    readonly device: DeviceFile,
    readonly consumer: DisplayConsumer,
    vcpu: GuestVcpu,
    private readonly guestSetup: GuestSetup,
    private readonly options: ModelVgpuOptions,
  ) {
    this.current = vcpu;
    this.log = options.log ?? (() => {});
    this.watchGuest(vcpu);
    // a removal from elsewhere (the bus, an admin) shows up as the consumer's "device removed"
    // passive: noticing a removal must not keep the consumer polling when nobody views the device
    this.console.addListener({ displayOff: (reason) => void (reason === "device removed" && this.removed()) }, { watch: false });
  }

  get console(): Console {
    return this.consumer.console;
  }

  /** The guest now running (a new one after each reboot). */
  get vcpu(): GuestVcpu {
    return this.current;
  }

  get state(): Readonly<VgpuStatus> {
    return { ...this.status };
  }

  onStateChange(listener: (status: Readonly<VgpuStatus>) => void): void {
    this.stateListeners.push(listener);
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
    const setup: GuestSetup = { dev: guestDev, guest, shared, workload: options.workload, rateHz: options.rateHz ?? 60 };
    const vcpu = await GuestVcpu.spawn(setup);
    const consumer = new DisplayConsumer(hostDev, { name: options.id, ...options.consumer });
    consumer.start();
    const info = { id: options.id, driver, parent, type, uuid, workload: options.workload.kind };
    const vgpu = new ModelVgpu(info, kernel, hostDev, consumer, vcpu, setup, options);
    // input goes to whichever guest runs now; while none does (a reboot, a failed guest) it is dropped
    consumer.console.setInputSink({
      input: (e) => vgpu.status.state === "running" && vgpu.current.input(e),
      clipboard: (t) => vgpu.status.state === "running" && vgpu.current.clipboard(t),
    });
    vcpu.start();
    return vgpu;
  }

  /**
   * Reboot the guest as a VMM resets a VM: stop the guest, VFIO_DEVICE_RESET the device, have the consumer
   * forget its buffers (the console goes off until the guest sets a mode again), start a fresh guest.
   */
  async reset(): Promise<void> {
    if (this.rebooting) return this.rebooting;
    if (this.stopped || this.status.state === "removed") throw new Error(`vGPU ${this.info.id} is ${this.stopped ? "stopped" : "removed"}`);
    this.rebooting = this.reboot("reset").finally(() => (this.rebooting = undefined));
    return this.rebooting;
  }

  /**
   * Hot-unplug (echo 1 > /sys/bus/mdev/devices/<uuid>/remove): the device is removed from the bus, the guest
   * stopped, the console turned off with "device removed", and every fd of the device released.
   */
  async remove(): Promise<void> {
    if (this.removal) return this.removal;
    if (this.stopped) return;
    const ret = this.kernel.bus.remove(this.info.uuid);
    if (ret !== 0) throw new Error(`removing vGPU ${this.info.id}: ${describeResult(ret)}`);
    // the consumer finds out on its next query (ENODEV): ask now rather than at the next tick
    this.consumer.refresh();
    await this.removed();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // a removal has already stopped everything and released the fds
    if (this.removal) return this.removal;
    await this.rebooting?.catch(() => {});
    this.console.setInputSink(undefined);
    this.consumer.stop();
    await this.current.terminate();
    this.closeFds();
  }

  // ---- faults ----

  private watchGuest(vcpu: GuestVcpu): void {
    vcpu.onClipboard((out) => this.console.publishClipboard(out.text));
    vcpu.onDeath((e) => {
      if (vcpu !== this.current || this.stopped || this.status.state === "removed") return;
      this.log(`vGPU ${this.info.id}: the guest died: ${e.message}`);
      const now = Date.now();
      while (this.restartTimes.length > 0 && now - this.restartTimes[0]! > RESTART_WINDOW_MS) this.restartTimes.shift();
      if (this.restartTimes.length >= (this.options.maxGuestRestartsPerMinute ?? 3)) {
        this.log(`vGPU ${this.info.id}: the guest died ${this.restartTimes.length + 1} times within a minute; marked failed, the last frame stays`);
        this.setState("failed", `the guest died: ${e.message}`);
        return;
      }
      this.restartTimes.push(now);
      this.status.guestRestarts++;
      this.setState("restarting", `the guest died: ${e.message}`);
      this.rebooting ??= this.reboot("restart")
        .catch((err: unknown) => {
          this.log(`vGPU ${this.info.id}: restarting the guest failed: ${(err as Error).message}; marked failed`);
          this.setState("failed", `restart failed: ${(err as Error).message}`);
        })
        .finally(() => (this.rebooting = undefined));
    });
  }

  private async reboot(why: "reset" | "restart"): Promise<void> {
    if (this.status.state !== "restarting") this.setState("restarting", why === "reset" ? "device reset" : undefined);
    await this.current.terminate();
    const ret = this.device.ioctl(VFIO_DEVICE_RESET);
    if (ret < 0) throw new Error(`VFIO_DEVICE_RESET: ${describeResult(ret)}`);
    this.status.resets++;
    this.consumer.deviceReset();
    if (this.gone()) return;
    const vcpu = await GuestVcpu.spawn(this.guestSetup);
    if (this.gone()) return vcpu.terminate();
    this.current = vcpu;
    this.watchGuest(vcpu);
    vcpu.start();
    if (why === "restart") this.log(`vGPU ${this.info.id}: the guest was restarted`);
    this.setState("running");
  }

  /** The device is gone (our remove(), or someone else's seen by the consumer): stop the guest, release the fds. */
  private removed(): Promise<void> {
    this.removal ??= this.release();
    return this.removal;
  }

  private removal: Promise<void> | undefined;

  private async release(): Promise<void> {
    this.setState("removed", "device removed");
    this.log(`vGPU ${this.info.id}: device removed`);
    this.console.setInputSink(undefined);
    this.consumer.stop();
    await this.rebooting?.catch(() => {});
    await this.current.terminate();
    this.closeFds();
  }

  /** stopped or removed (read fresh after an await: either can happen meanwhile) */
  private gone(): boolean {
    return this.stopped || this.status.state === "removed";
  }

  private closeFds(): void {
    this.device.close();
    this.guestSetup.dev.close();
  }

  private setState(state: VgpuState, reason?: string): void {
    this.status.state = state;
    if (reason === undefined) delete this.status.reason;
    else this.status.reason = reason;
    const snapshot = this.state;
    for (const l of this.stateListeners) l(snapshot);
  }
}
