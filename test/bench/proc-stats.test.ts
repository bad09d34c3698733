/** The bench's CPU reading of another process: precise enough for a frame's cost, not a clock tick's. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { processCpuMs, processRunQueueWaitMs } from "../../bench/proc-stats.ts";

test("processCpuMs reads another process's CPU to within a millisecond of its own count, not in 10 ms ticks", async (t) => {
  // the child burns ~137 ms and says so; asked, it reports its own user+system time (getrusage) and waits.
  // Asking after a pause lets its background threads (compiler, GC) settle first.
  const child = spawn(process.execPath, [
    "-e",
    `const t = performance.now(); while (performance.now() - t < 137); console.log("burnt");
     process.stdin.on("data", (d) => {
       if (String(d).startsWith("exit")) process.exit(0);
       const c = process.cpuUsage(); process.stdout.write((c.user + c.system) / 1000 + "\\n");
     });`,
  ]);
  t.after(() => child.kill());
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  assert.equal((await lines.next()).value, "burnt");
  await new Promise((r) => setTimeout(r, 300));
  child.stdin!.write("usage\n");
  const own = Number((await lines.next()).value);
  const seen = processCpuMs(child.pid!);
  child.stdin!.end("exit\n");
  await once(child, "exit");
  assert.ok(own > 137, `the child's own count ${own} ms`);
  // after its report the child only wrote one line and waits: a tick count would be up to 10 ms off
  assert.ok(seen >= own - 0.5 && seen < own + 1, `read ${seen} ms, the child counted ${own} ms`);
});

test("processRunQueueWaitMs counts the time a process was ready to run while another had its CPU", async (t) => {
  // a child at the lowest priority spins on CPU 0; while a second one (normal priority) starts and spins on the
  // same CPU, the first is ready to run all along but gets the CPU only now and then: it waits, hardly runs
  const spin = (ms: number) => `console.log("spinning"); const t = performance.now(); while (performance.now() - t < ${ms}); console.log("done");`;
  const lines = (c: ReturnType<typeof spawn>) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]();
  const low = spawn("taskset", ["-c", "0", "nice", "-n", "19", process.execPath, "-e", spin(5000)]);
  t.after(() => low.kill());
  assert.equal((await lines(low).next()).value, "spinning");
  const wait0 = processRunQueueWaitMs(low.pid!);
  const run0 = processCpuMs(low.pid!);
  const high = spawn("taskset", ["-c", "0", process.execPath, "-e", spin(300)]);
  t.after(() => high.kill());
  const highLines = lines(high);
  assert.equal((await highLines.next()).value, "spinning");
  assert.equal((await highLines.next()).value, "done");
  const waited = processRunQueueWaitMs(low.pid!) - wait0;
  const ran = processCpuMs(low.pid!) - run0;
  assert.ok(waited > 150 && waited > 2 * ran, `while the other spun, the low-priority child waited ${waited.toFixed(1)} ms and ran ${ran.toFixed(1)} ms`);
});
