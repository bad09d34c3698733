/**
 * CPU affinity for the server benchmark's "one core" rows: the server's threads (main, libuv's pool, V8's
 * helpers) on one CPU, the guest's vCPU thread and the viewers' process on the others, as a host gives a
 * VMM's vCPU threads cores of their own. Through util-linux's taskset (Debian: essential, always installed).
 */
import { execFileSync } from "node:child_process";

/** CPU numbers from a taskset list ("0-3,8,10-11"). */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`not a CPU list: ${JSON.stringify(list)}`);
    const first = Number(m[1]), last = m[2] === undefined ? first : Number(m[2]);
    for (let c = first; c <= last; c++) out.push(c);
  }
  return out;
}

/** The CPUs thread or process `tid` may run on now, as taskset prints them. */
export function cpuListOf(tid: number): string {
  return execFileSync("taskset", ["-p", "-c", String(tid)], { encoding: "utf8" }).trim().replace(/^.*: /, "");
}

/** Who runs where, from the CPUs this process may use when it is made (before any pinning). */
export interface CpuPlacement {
  /** every CPU this process had: the pinning is undone to this */
  all: string;
  /** the server's one CPU */
  server: string;
  /** the guest's and the viewers' CPUs, or undefined when there is only one CPU */
  others: string | undefined;
}

export function cpuPlacement(): CpuPlacement {
  const all = cpuListOf(process.pid);
  const cpus = parseCpuList(all);
  return { all, server: String(cpus[0]), others: cpus.length >= 2 ? cpus.slice(1).join(",") : undefined };
}

/** Pin every thread of process `pid` to `cpus` (threads created later inherit their creator's CPUs). */
export function pinProcess(pid: number, cpus: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

/** Pin the one thread `tid` to `cpus`. */
export function pinThread(tid: number, cpus: string): void {
  execFileSync("taskset", ["-p", "-c", cpus, String(tid)], { stdio: "ignore" });
}

/** The command and arguments that start `command` pinned to `cpus`. */
export function pinnedCommand(cpus: string, command: string, args: readonly string[]): [string, string[]] {
  return ["taskset", ["-c", cpus, command, ...args]];
}
