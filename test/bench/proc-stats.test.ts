/** The bench's CPU reading of another process: precise enough for a frame's cost, not a clock tick's. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { processCpuMs } from "../../bench/proc-stats.ts";

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
