/**
 * CPU time of single threads of this process, from /proc/self/task (Linux): how a benchmark leaves a worker
 * thread's work (a guest vCPU drawing frames) out of the process CPU it charges to the server.
 */
import { readdirSync } from "node:fs";
import koffi from "koffi";
import { taskCpuMs } from "./proc-stats.ts";

/** The ids of this process's threads now. */
export function threadIds(): Set<number> {
  return new Set(readdirSync("/proc/self/task").map(Number));
}

/** User + system CPU of thread `tid` of this process so far, in ms (nanoseconds where the kernel keeps schedstat). */
export function threadCpuMs(tid: number): number {
  return taskCpuMs(`/proc/self/task/${tid}`);
}

/**
 * The threads `start()` creates (a worker's: its own and any helper thread it starts), found as the
 * difference of the thread lists around it. libuv's pool starts lazily, so the caller warms it first (one
 * async zlib call) lest its threads show up too.
 */
export async function newThreads<T>(start: () => Promise<T>): Promise<{ value: T; tids: number[] }> {
  const before = threadIds();
  const value = await start();
  const tids = [...threadIds()].filter((t) => !before.has(t));
  if (tids.length === 0) throw new Error("no new thread");
  return { value, tids };
}

/** User + system CPU of the threads `tids` so far, in ms (threads that have ended count as 0). */
export function threadsCpuMs(tids: readonly number[]): number {
  let ms = 0;
  for (const t of tids) {
    try {
      ms += threadCpuMs(t);
    } catch {
      // the thread has exited
    }
  }
  return ms;
}

const CLOCK_THREAD_CPUTIME_ID = 3;
let clockGettime: ((clock: number, ts: BigInt64Array) => number) | undefined;
const timespec = new BigInt64Array(2);

/**
 * CPU time of the calling thread so far, in ms (clock_gettime(CLOCK_THREAD_CPUTIME_ID), as the C feeders
 * read it). Unlike process.cpuUsage() it leaves out what V8's compiler and GC threads do meanwhile, and
 * costs one cheap syscall instead of a getrusage that walks every thread.
 *
 * Floating-point from the first call, on purpose: as whole nanoseconds the sum is a small integer until the
 * thread has used 2.1 s, V8 compiles the arithmetic for small integers, and the first call past that
 * deoptimizes whatever inlined it (our feeder's per-frame put(), with the consumer inlined into it), which is
 * then compiled again in the middle of a measured run.
 */
export function callingThreadCpuMs(): number {
  clockGettime ??= koffi.load("libc.so.6").func("clock_gettime", "int", ["int", "void *"]) as (clock: number, ts: BigInt64Array) => number;
  if (clockGettime(CLOCK_THREAD_CPUTIME_ID, timespec) !== 0) throw new Error("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
  return Number(timespec[0]!) * 1e3 + Number(timespec[1]!) * 1e-6;
}
