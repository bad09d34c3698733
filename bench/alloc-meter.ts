/**
 * Measures what a loop allocates on the V8 heap: run it with GC forced before, count the collections that
 * happen during it, and read the heap growth. V8 only reclaims at a GC, so with zero collections the growth
 * is everything allocated. The loop runs twice, for n/10 and for n iterations, and the per-iteration figure
 * is the slope between the two: that removes the fixed cost of measuring (tens of KB whatever n is). When
 * collections did happen, the figure is a lower bound and is reported as such.
 */
import { PerformanceObserver } from "node:perf_hooks";

export interface AllocResult {
  iterations: number;
  /** heap growth over the long run (n iterations) */
  heapGrowthBytes: number;
  /** heap growth over the short run (n/10 iterations) */
  shortRunGrowthBytes: number;
  gcDuringRun: number;
  bytesPerIteration: number;
  /** true when no GC ran during the loop, so bytesPerIteration is exact */
  exact: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function growthOver(iterations: number, body: () => void): Promise<{ growth: number; collections: number }> {
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  gc!();
  gc!();
  await new Promise((r) => setImmediate(r));
  observer.observe({ entryTypes: ["gc"] });
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < iterations; i++) body();
  const after = process.memoryUsage().heapUsed;
  await new Promise((r) => setImmediate(r));
  observer.disconnect();
  return { growth: Math.max(0, after - before), collections };
}

export async function measureAllocation(iterations: number, body: () => void): Promise<AllocResult> {
  if (!gc) throw new Error("run with node --expose-gc to measure allocation");
  const short = Math.max(1, Math.floor(iterations / 10));
  const a = await growthOver(short, body);
  const b = await growthOver(iterations, body);
  const slope = Math.max(0, (b.growth - a.growth) / (iterations - short || 1));
  return {
    iterations,
    heapGrowthBytes: b.growth,
    shortRunGrowthBytes: a.growth,
    gcDuringRun: a.collections + b.collections,
    bytesPerIteration: slope,
    exact: a.collections + b.collections === 0,
  };
}
