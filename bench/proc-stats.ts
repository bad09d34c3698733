/** A process's (or thread's) CPU time and memory, from /proc (Linux). */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** User + system CPU so far, in ms, from a /proc stat file (a process's or one thread's; resolution: one clock tick, usually 10 ms). */
export function statCpuMs(statPath: string): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const stat = readFileSync(statPath, "utf8");
  // the command name (field 2) may hold spaces and parentheses: count fields after its closing one
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond;
}

let schedstatWorks: boolean | undefined;

/** Whether this kernel keeps schedstat (CONFIG_SCHED_INFO; without it the file is missing or reads zeros). */
function schedstatKept(): boolean {
  schedstatWorks ??= (() => {
    try {
      return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) > 0;
    } catch {
      return false;
    }
  })();
  return schedstatWorks;
}

/** The fields of /proc schedstat that count nanoseconds: time on a CPU, and time waiting on a run queue for one. */
const SCHEDSTAT_RUN = 0;
const SCHEDSTAT_WAIT = 1;

/**
 * One time of a thread so far, in ms, from its /proc schedstat (nanoseconds): the time it has run, or with
 * SCHEDSTAT_WAIT waited. Undefined when it is gone or none is kept.
 */
function schedstatMs(taskDir: string, field = SCHEDSTAT_RUN): number | undefined {
  if (!schedstatKept()) return undefined;
  try {
    return Number(readFileSync(`${taskDir}/schedstat`, "utf8").split(" ")[field]) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * User + system CPU of every thread of `pid` so far, in ms. The threads' schedstat counts nanoseconds,
 * where /proc/<pid>/stat counts clock ticks: one 10 ms tick over the 15 measured frames of a 4K recording
 * is 0.67 ms a frame, as much as a whole typing frame costs. A thread that ends during a measurement takes
 * its schedstat time with it; the servers measured keep their threads for their whole run. Without
 * schedstat, the tick count.
 */
export function processCpuMs(pid: number): number {
  if (!schedstatKept()) return statCpuMs(`/proc/${pid}/stat`);
  let ms = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) ms += schedstatMs(`/proc/${pid}/task/${tid}`) ?? 0;
  return ms;
}

/** CPU of one thread so far, in ms: nanosecond schedstat where the kernel keeps it, else clock ticks. */
export function taskCpuMs(taskDir: string): number {
  return schedstatMs(taskDir) ?? statCpuMs(`${taskDir}/stat`);
}

/**
 * Time the threads of `pid` have waited on a run queue so far, in ms: runnable, but another task had the
 * CPU (schedstat's second field, nanoseconds). 0 where the kernel keeps no schedstat.
 */
export function processRunQueueWaitMs(pid: number): number {
  let ms = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) ms += schedstatMs(`/proc/${pid}/task/${tid}`, SCHEDSTAT_WAIT) ?? 0;
  return ms;
}

/** Resident set size of `pid` now, in bytes. */
export function processRssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}
