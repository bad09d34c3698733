/** A process's (or thread's) CPU time and memory, from /proc (Linux). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

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

/** User + system CPU of every thread of `pid` so far, in ms. */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** Resident set size of `pid` now, in bytes. */
export function processRssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}
