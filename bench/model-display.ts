/**
 * What the benchmarks drive: a model mbochs-large vGPU with the guest's display (on this thread or in a vCPU
 * worker) and the display consumer on it (EDID off), and copies of the console surface a workload produces frame by frame.
 */
import { DisplayConsumer, type ConsumerOptions } from "../src/display/display-consumer.ts";
import { createMbochsParent } from "../src/drivers/bochs/mbochs-parent.ts";
import { BochsDisplay } from "../src/guest/bochs-display.ts";
import { BochsGuest } from "../src/guest/bochs-guest.ts";
import { createWorkload, type WorkloadSpec } from "../src/guest/workloads/registry.ts";
import { GuestVcpu } from "../src/guest/workloads/worker/guest-vcpu.ts";
import { HostKernel } from "../src/kernel/host-kernel.ts";

/** An mbochs-large vGPU (EDID off) on a fresh model kernel: the host's fd and the guest's fd. */
function mbochsLarge() {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const uuid = "0b5e55ed-0000-4000-8000-00000000c0de";
  if (kernel.bus.create("mbochs", "mbochs-large", uuid) !== 0) throw new Error("mdev create failed");
  const hostDev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof hostDev === "number" || typeof guestDev === "number") throw new Error("open failed");
  return { hostDev, guestDev };
}

/** An mbochs-large vGPU in `width`×`height`: the guest driver, its display, and a consumer (not started). */
export function mbochsWithConsumer(width: number, height: number, consumerOptions: ConsumerOptions = {}) {
  const { hostDev, guestDev } = mbochsLarge();
  const guest = BochsGuest.attach(guestDev);
  const display = new BochsDisplay(guest);
  display.setMode({ width, height });
  const consumer = new DisplayConsumer(hostDev, { edid: false, ...consumerOptions });
  return { guest, display, consumer };
}

/**
 * The same vGPU as a VMM runs it: the guest driver and `workload` in a worker thread (a vCPU) drawing
 * straight into VRAM, so the guest's drawing runs beside this thread, not on it; and a consumer (not started).
 * The caller terminates the vCPU.
 */
export async function mbochsWithGuestVcpu(workload: WorkloadSpec, consumerOptions: ConsumerOptions = {}) {
  const { hostDev, guestDev } = mbochsLarge();
  const vcpu = await GuestVcpu.spawn({ dev: guestDev, guest: "bochs", workload, rateHz: 60 });
  const consumer = new DisplayConsumer(hostDev, { edid: false, ...consumerOptions });
  return { vcpu, consumer };
}

/** Copies of the console surface after each of `count` frames of a workload (after 30 warm-up frames). */
export function guestFrames(scene: "desktop" | "video", width: number, height: number, count: number): Uint32Array[] {
  const { display, consumer } = mbochsWithConsumer(width, height);
  consumer.start();
  const workload = createWorkload({ kind: scene, options: { seed: 7, mode: { width, height } } });
  workload.start(display);
  let t = 0;
  for (let i = 0; i < 30; i++) workload.frame((t += 1000 / 60));
  const frames: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    workload.frame((t += 1000 / 60));
    consumer.refresh();
    const surface = consumer.console.surface;
    if (!surface || surface.width !== width || surface.height !== height) throw new Error("no surface of the frame's size");
    frames.push(surface.pixels.slice());
  }
  consumer.stop();
  return frames;
}

/** The workload behind a benchmark scene: typing is the text console (booted, then typed into by the bench). */
export function sceneSpec(scene: "idle" | "typing" | "desktop" | "video", width: number, height: number): WorkloadSpec {
  return scene === "typing" || scene === "idle"
    ? { kind: "console", options: { seed: 7, mode: { width, height }, bootLines: 40, bootMs: 200 } }
    : { kind: scene, options: { seed: 7, mode: { width, height } } };
}
