/** The feeders' own CPU clock: the calling thread's CPU time, which the bench subtracts as the guest's. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { callingThreadCpuMs } from "../../bench/thread-cpu.ts";

test("callingThreadCpuMs counts this thread's CPU in milliseconds: a spin's time, never more than the process's", () => {
  callingThreadCpuMs(); // loads libc's clock_gettime through koffi outside the measured span
  const process0 = process.cpuUsage();
  const before = callingThreadCpuMs();
  const t = performance.now();
  while (performance.now() - t < 60);
  const spent = callingThreadCpuMs() - before;
  const used = process.cpuUsage(process0);
  const processMs = (used.user + used.system) / 1000;
  // a unit slip (ns or s for ms) is off by a factor of a thousand either way
  assert.ok(spent > 30, `${spent} ms for a 60 ms spin`);
  // this thread's time is part of the process's (getrusage rounds to microseconds)
  assert.ok(spent <= processMs + 0.01, `thread ${spent} ms, process ${processMs} ms`);
});
