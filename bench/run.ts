/**
 * `npm run bench`: the project's benchmarks. Timings are reported, never asserted; `--quick` runs a
 * short version (used by the test suite to prove the bench works).
 */
import { benchQueryGfxPlane } from "./query-gfx-plane.bench.ts";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");

const query = await benchQueryGfxPlane(quick ? 50_000 : 5_000_000);
if (json) {
  console.log(JSON.stringify({ quick, node: process.version, results: [query] }, null, 2));
} else {
  const a = query.alloc;
  console.log(`vfio-display bench${quick ? " (quick)" : ""} — node ${process.version}`);
  console.log("");
  console.log("| benchmark | calls | calls/s | ns/call | heap bytes/call |");
  console.log("|---|---|---|---|---|");
  console.log(
    `| ${query.name} | ${query.calls.toLocaleString("en")} | ${Math.round(query.callsPerSecond).toLocaleString("en")} | ${query.nsPerCall.toFixed(0)} | ` +
      `${a.exact ? "" : "≥ "}${a.bytesPerIteration.toFixed(3)} (heap +${a.shortRunGrowthBytes} B over ${(a.iterations / 10).toLocaleString("en")} calls, ` +
      `+${a.heapGrowthBytes} B over ${a.iterations.toLocaleString("en")}; ${a.gcDuringRun} GCs) |`,
  );
}
