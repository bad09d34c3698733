/**
 * Frame times of workloads on a model mbochs vGPU (mbochs-large, 64 MiB), in this thread and in a worker:
 *
 *   node --import tsx src/guest/workloads/measure.ts [--mode 1920x1080] [--frames 120] [--kinds desktop,video]
 *
 * In-thread numbers are the time of each frame() call (drawing plus the page flip's register writes);
 * worker numbers are wall time per frame of a free-running batch (drawing plus the flip's round trips to
 * the main thread). A report, not a benchmark with thresholds.
 */
import { parseArgs } from "node:util";
import { createMbochsParent } from "../../drivers/bochs/mbochs-parent.ts";
import { HostKernel } from "../../kernel/host-kernel.ts";
import type { DeviceFile } from "../../abi/index.ts";
import { BochsDisplay } from "../bochs-display.ts";
import { BochsGuest } from "../bochs-guest.ts";
import type { DisplayMode } from "../guest-display.ts";
import { createWorkload, type WorkloadSpec } from "./registry.ts";
import { GuestVcpu } from "./worker/guest-vcpu.ts";

export interface FrameTimeReport {
  kind: string;
  where: "thread" | "worker";
  frames: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

let uuidCounter = 0;
function openMbochs(): { guestDev: DeviceFile } {
  const kernel = new HostKernel().registerParent(createMbochsParent({ quirks: false }));
  const uuid = `6d656173-7572-4000-8000-${(++uuidCounter).toString(16).padStart(12, "0")}`;
  const created = kernel.bus.create("mbochs", "mbochs-large", uuid);
  if (created !== 0) throw new Error(`mdev create failed: ${created}`);
  const guestDev = kernel.openDevice(uuid);
  if (typeof guestDev === "number") throw new Error(`open failed: ${guestDev}`);
  return { guestDev };
}

function summarize(kind: string, where: "thread" | "worker", times: number[]): FrameTimeReport {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  return { kind, where, frames: times.length, meanMs: mean, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? 0 };
}

function specFor(kind: string, mode: DisplayMode): WorkloadSpec {
  const seed = 1;
  switch (kind) {
    case "desktop":
    case "video":
    case "console":
    case "session":
    case "test-pattern":
      return { kind, options: { seed, mode } } as WorkloadSpec;
    default:
      throw new RangeError(`cannot measure ${kind}`);
  }
}

export function measureInThread(kind: string, mode: DisplayMode, frames: number): FrameTimeReport {
  const { guestDev } = openMbochs();
  const display = new BochsDisplay(BochsGuest.attach(guestDev));
  const w = createWorkload(specFor(kind, mode));
  w.start(display);
  const times: number[] = [];
  const period = 1000 / 60;
  for (let i = 0; i < 10; i++) w.frame(i * period); // warm-up (JIT)
  for (let i = 10; i < frames + 10; i++) {
    const t0 = performance.now();
    w.frame(i * period);
    times.push(performance.now() - t0);
  }
  return summarize(kind, "thread", times);
}

export async function measureInWorker(kind: string, mode: DisplayMode, frames: number): Promise<FrameTimeReport> {
  const { guestDev } = openMbochs();
  const vcpu = await GuestVcpu.spawn({ dev: guestDev, guest: "bochs", workload: specFor(kind, mode), rateHz: 60 });
  try {
    await vcpu.runFrames(10);
    const times: number[] = [];
    const batch = 10;
    for (let done = 0; done < frames; done += batch) {
      const t0 = performance.now();
      await vcpu.runFrames(batch);
      const per = (performance.now() - t0) / batch;
      for (let i = 0; i < batch; i++) times.push(per);
    }
    return summarize(kind, "worker", times);
  } finally {
    await vcpu.terminate();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mode: { type: "string", default: "1920x1080" }, frames: { type: "string", default: "120" }, kinds: { type: "string", default: "desktop,video" } },
  });
  const m = /^(\d+)x(\d+)$/.exec(values.mode ?? "");
  if (!m) throw new RangeError(`--mode WxH, got ${values.mode}`);
  const mode = { width: Number(m[1]), height: Number(m[2]) };
  const frames = Number(values.frames);
  for (const kind of (values.kinds ?? "").split(",")) {
    for (const r of [measureInThread(kind, mode, frames), await measureInWorker(kind, mode, frames)]) {
      console.log(
        `${r.kind.padEnd(8)} ${r.where.padEnd(6)} ${mode.width}x${mode.height}  mean ${r.meanMs.toFixed(2)} ms  p50 ${r.p50Ms.toFixed(2)}  p95 ${r.p95Ms.toFixed(2)}  max ${r.maxMs.toFixed(2)}  (${r.frames} frames)`,
      );
    }
  }
}

if (import.meta.url === new URL(process.argv[1] ?? "", "file://").href) await main();
