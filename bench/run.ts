/**
 * `npm run bench`: the project's benchmarks. Timings are reported, never asserted; `--quick` runs a
 * short version (used by the test suite to prove the bench works).
 */
import "./fresh-native.ts"; // first: every figure below is of the native helpers as checked out
import { benchConsumerAllocation, benchDamageThroughput, benchScene } from "./consumer.bench.ts";
import { benchMoveDetection } from "./moves.bench.ts";
import { benchQueryGfxPlane } from "./query-gfx-plane.bench.ts";
import { benchClientDecode } from "./rfb-client-decode.bench.ts";
import { benchLosslessEncoders } from "./rfb-encoders.bench.ts";
import { benchTight } from "./rfb-tight.bench.ts";
import { benchServerMatrix } from "./rfb-server.bench.ts";
import { benchServerComparison } from "./server-comparison.bench.ts";
import { comparisonMarkdown, writeComparison } from "./comparison-report.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
// --comparison-only: just the side-by-side with libvncserver and Xvnc; --out DIR: where its results go
// (default bench/results, or a temporary folder for --quick so a smoke run leaves the work tree alone)
const comparisonOnly = process.argv.includes("--comparison-only");
const outIndex = process.argv.indexOf("--out");
const outDir = outIndex > 0 ? process.argv[outIndex + 1]! : quick ? join(tmpdir(), "vfio-display-bench-quick") : new URL("./results", import.meta.url).pathname;
if (comparisonOnly) {
  const comparison = await benchServerComparison(quick, (l) => process.stderr.write(`${l}\n`), (partial) => writeComparison(partial, outDir));
  const written = writeComparison(comparison, outDir);
  if (json) console.log(JSON.stringify({ quick, node: process.version, comparison, written }, null, 2));
  else console.log(`${comparisonMarkdown(comparison, new Date().toISOString().slice(0, 10), [])}\nwritten: ${written.join(", ")}`);
  process.exit(0);
}

const query = await benchQueryGfxPlane(quick ? 50_000 : 5_000_000);
const sizes: [number, number][] = quick ? [[320, 240]] : [[1920, 1080], [3840, 2160]];
const damage = sizes.map(([w, h]) => benchDamageThroughput(w, h, quick ? 3 : 15));
const scenes = sizes.flatMap(([w, h]) =>
  (["idle", "typing", "desktop", "video"] as const).map((scene) => benchScene(scene, w, h, quick ? 5 : h > 1080 ? 30 : 60)),
);
const alloc = await Promise.all(sizes.map(([w, h]) => benchConsumerAllocation(w, h, quick ? 20 : h > 1080 ? 50 : 100)));
const moves = benchMoveDetection(quick);
const tight = await benchTight(quick);
const lossless = await benchLosslessEncoders(quick);
const clientDecode = await benchClientDecode(quick);
const server = await benchServerMatrix(quick);
const comparison = await benchServerComparison(quick, (l) => process.stderr.write(`${l}\n`));
const written = writeComparison(comparison, outDir);
if (json) {
  console.log(JSON.stringify({ quick, node: process.version, results: [query], damage, scenes, consumerAllocation: alloc, moves, tight, lossless, clientDecode, server, comparison, written }, null, 2));
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
  console.log("");
  console.log("| damage detection | Buffer.compare (ms) | tracker, identical frame (ms) | the same, row prints off (ms) | tracker, every row changed (ms) | throughput vs compare |");
  console.log("|---|---|---|---|---|---|");
  for (const d of damage) {
    console.log(
      `| ${d.width}x${d.height} | ${d.compareMs.toFixed(2)} | ${d.trackerIdleMs.toFixed(2)} | ${d.trackerIdleNoPrintsMs.toFixed(2)} | ${d.trackerFullChangeMs.toFixed(2)} | ${d.ratioIdle.toFixed(2)}× |`,
    );
  }
  console.log("");
  console.log("| consumer per frame | mean ms | p95 ms | rows changed / frame |");
  console.log("|---|---|---|---|");
  for (const s of scenes) console.log(`| ${s.scene} ${s.width}x${s.height} | ${s.meanMs.toFixed(2)} | ${s.p95Ms.toFixed(2)} | ${s.rowsChangedPerFrame.toFixed(0)} |`);
  console.log("");
  alloc.forEach((a, i) => {
    const [w, h] = sizes[i]!;
    console.log(`consumer heap bytes per full-change frame at ${w}x${h}: ${a.exact ? "" : "≥ "}${a.bytesPerIteration.toFixed(1)} (${a.gcDuringRun} GCs)`);
  });
  console.log("");
  console.log("| move detection, recorded frames | damage pass ms | move search ms | damaged px | moved px (share) | moves | rects left for pixels |");
  console.log("|---|---|---|---|---|---|---|");
  for (const m of moves) {
    const share = m.damagedPixels > 0 ? ` (${((100 * m.movedPixels) / m.damagedPixels).toFixed(0)} %)` : "";
    console.log(
      `| ${m.scene} ${m.width}x${m.height}${m.native ? "" : " (JS loops)"} | ${m.damageMs.toFixed(2)} | ${m.movesMs.toFixed(2)} | ${Math.round(m.damagedPixels).toLocaleString("en")} | ` +
        `${Math.round(m.movedPixels).toLocaleString("en")}${share} | ${m.moves.toFixed(1)} | ${m.restRects.toFixed(1)} |`,
    );
  }
  console.log("");
  console.log("| RFB Tight, full-frame update | mean ms | bytes | rects |");
  console.log("|---|---|---|---|");
  for (const r of tight) console.log(`| ${r.scene} ${r.width}x${r.height}, ${r.mode} | ${r.msPerFrame.toFixed(1)} | ${Math.round(r.bytesPerFrame).toLocaleString("en")} | ${r.rectsPerFrame.toFixed(0)} |`);
  console.log("");
  console.log("| RFB lossless encoders, full-frame desktop update | mean ms | bytes | rects |");
  console.log("|---|---|---|---|");
  for (const r of lossless) console.log(`| ${r.encoder} ${r.width}x${r.height}, ${r.format} | ${r.msPerFrame.toFixed(1)} | ${Math.round(r.bytesPerFrame).toLocaleString("en")} | ${r.rectsPerFrame.toFixed(0)} |`);
  console.log("");
  console.log("| RFB client (the comparison's viewer), full-frame video update | decode ms, quickest | median | bytes |");
  console.log("|---|---|---|---|");
  for (const r of clientDecode) console.log(`| ${r.encoding} ${r.width}x${r.height} | ${r.minMs.toFixed(1)} | ${r.medianMs.toFixed(1)} | ${r.bytesPerFrame.toLocaleString("en")} |`);
  console.log("");
  console.log("| VNC server, end to end (guest flip → consumer → encode → every client's socket) | clients | fps delivered | server CPU ms/frame | bytes/frame/client | latency p50 / p95 ms |");
  console.log("|---|---|---|---|---|---|");
  for (const r of server) {
    console.log(
      `| ${r.scene} ${r.width}x${r.height}, ${r.encoding}${r.serverOneCore ? ", server alone on one core" : ""} | ${r.clients} | ${r.fps.toFixed(1)} | ${r.serverCpuMsPerFrame.toFixed(1)} | ` +
        `${Math.round(r.bytesPerFrame).toLocaleString("en")} | ${r.latencyP50Ms.toFixed(1)} / ${r.latencyP95Ms.toFixed(1)} |`,
    );
  }
  console.log("");
  console.log(comparisonMarkdown(comparison, new Date().toISOString().slice(0, 10), []));
  console.log(`written: ${written.join(", ")}`);
}
