/**
 * The display consumer per frame, at 1080p and 4K, with guest workloads as scenes (idle, typing, desktop,
 * full-motion video), on the model's mbochs-large; and damage detection's throughput as a ratio to
 * Buffer.compare over the same frames. Only the consumer's refresh() is timed, never the guest's drawing.
 */
import { createWorkload } from "../src/guest/workloads/registry.ts";
import { keysymEventsFor } from "../src/guest/workloads/input.ts";
import { measureAllocation, type AllocResult } from "./alloc-meter.ts";
import { damageFeed } from "./damage-feed.ts";
import { mbochsWithConsumer, sceneSpec } from "./model-display.ts";

export interface SceneResult {
  scene: string;
  width: number;
  height: number;
  frames: number;
  meanMs: number;
  p95Ms: number;
  rowsChangedPerFrame: number;
}

export interface DamageThroughput {
  width: number;
  height: number;
  compareMs: number;
  trackerIdleMs: number;
  /** the same identical frame with row prints off (every row compared with the surface) */
  trackerIdleNoPrintsMs: number;
  trackerFullChangeMs: number;
  /** Buffer.compare time / tracker time on identical frames: ≥ 0.7 is the target */
  ratioIdle: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function setup(width: number, height: number) {
  const s = mbochsWithConsumer(width, height);
  s.consumer.start();
  return s;
}

export function benchScene(scene: "idle" | "typing" | "desktop" | "video", width: number, height: number, frames: number): SceneResult {
  const { display, consumer } = setup(width, height);
  const workload = createWorkload(sceneSpec(scene, width, height));
  workload.start(display);
  let t = 0;
  const step = () => workload.frame((t += 1000 / 60));
  for (let i = 0; i < 30; i++) step(); // boot log done, caches warm
  for (let i = 0; i < 3; i++) consumer.refresh();
  const keys = keysymEventsFor("the quick brown fox jumps over the lazy dog ");
  const times: number[] = [];
  const rowsBefore = consumer.stats.rowsChanged;
  for (let i = 0; i < frames; i++) {
    if (scene === "typing") for (const e of keys.slice((i * 2) % keys.length, ((i * 2) % keys.length) + 2)) workload.input(e);
    if (scene !== "idle") step();
    const t0 = performance.now();
    consumer.refresh();
    times.push(performance.now() - t0);
  }
  consumer.stop();
  const sorted = [...times].sort((a, b) => a - b);
  return {
    scene,
    width,
    height,
    frames,
    meanMs: times.reduce((a, b) => a + b, 0) / frames,
    p95Ms: sorted[Math.floor(frames * 0.95)]!,
    rowsChangedPerFrame: (consumer.stats.rowsChanged - rowsBefore) / frames,
  };
}

export function benchDamageThroughput(width: number, height: number, runs: number): DamageThroughput {
  const bytes = width * height * 4;
  const a = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) a.writeUInt32LE((i * 2654435761) >>> 8, i);
  const b = Buffer.from(a);
  // what the consumer does with a packed XRGB8888 frame: one whole-frame compare, then rows if it differs
  const damage = damageFeed(width, height);
  const noPrints = damageFeed(width, height, { rowPrints: false });
  const frame = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const feed = (): void => damage.feed(frame);
  feed(); // surface now equals the frame
  noPrints.feed(frame);
  const compare: number[] = [];
  const idle: number[] = [];
  const idleNoPrints: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    if (a.compare(b) !== 0) throw new Error("frames differ");
    compare.push(performance.now() - t0);
    t0 = performance.now();
    feed();
    idle.push(performance.now() - t0);
    t0 = performance.now();
    noPrints.feed(frame);
    idleNoPrints.push(performance.now() - t0);
  }
  const inverted = new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < inverted.length; i += 97) inverted[i] = ~inverted[i]!; // change every row
    const t0 = performance.now();
    feed();
    full.push(performance.now() - t0);
  }
  const compareMs = median(compare);
  const trackerIdleMs = median(idle);
  return { width, height, compareMs, trackerIdleMs, trackerIdleNoPrintsMs: median(idleNoPrints), trackerFullChangeMs: median(full), ratioIdle: compareMs / trackerIdleMs };
}

/** Heap bytes per consumer frame while every pixel changes (the guest fills the whole frame each time). */
export async function benchConsumerAllocation(width: number, height: number, frames: number): Promise<AllocResult> {
  const { guest, consumer } = setup(width, height);
  let colour = 0;
  for (let i = 0; i < 5; i++) {
    guest.fill(0, 0, width, height, ++colour);
    consumer.refresh();
  }
  const result = await measureAllocation(frames, () => {
    guest.fill(0, 0, width, height, ++colour & 0xffffff);
    consumer.refresh();
  });
  consumer.stop();
  return result;
}
