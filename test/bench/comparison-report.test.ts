/** The server comparison's results file and plots: ratios to the best peer, goal marks, SVG bars. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { comparisonMarkdown, ratios } from "../../bench/comparison-report.ts";
import { betterRound, quickestOf, type ComparisonReport, type ComparisonRow, type ServerKind } from "../../bench/server-comparison.bench.ts";
import { barChartSvg } from "../../bench/svg-bar-chart.ts";

function row(server: ServerKind, encoding: string, cpu: number, bytes: number, fps: number): ComparisonRow {
  return {
    server,
    scene: "desktop",
    width: 1920,
    height: 1080,
    encoding,
    updates: server === "libvncserver" ? "requests" : "cu",
    frames: 45,
    warmUpFrames: 368,
    delivered: 45,
    fps,
    serverCpuMsPerFrame: cpu,
    bytesPerFrame: bytes,
    latencyP50Ms: 5,
    latencyP99Ms: 9,
    rssBytes: 64 << 20,
    runQueueWaitMsPerFrame: 0.1,
  };
}

const play = { warmUp: { minFrames: 3000, maxMs: 8000, paced: false }, measure: { minFrames: 180, maxMs: 6000 } };

const rows = [
  row("ours", "tight", 4, 1000, 60),
  row("libvncserver", "tight", 8, 900, 50),
  row("xvnc", "tight", 2, 1200, 55),
  row("ours", "tight-jpeg-q80", 3, 500, 30),
  row("libvncserver", "tight-jpeg-q80", 0, 400, 60),
  row("xvnc", "tight-jpeg-q80", 5, 600, 40),
];

test("ratios divide our figure by the best peer's: least CPU, fewest bytes, most frames per second", () => {
  const [tight, jpeg] = ratios(rows);
  assert.deepEqual(tight, { scene: "desktop", size: "1080p", encoding: "tight", cpu: 2, bytes: 1000 / 900, fps: 60 / 55, lossless: true });
  // a peer whose CPU read as zero has no measured figure: no ratio rather than infinity
  assert.ok(Number.isNaN(jpeg!.cpu));
  assert.equal(jpeg!.bytes, 500 / 400);
  assert.equal(jpeg!.fps, 0.5);
  assert.equal(jpeg!.lossless, false);
});

test("the results file marks the goals: CPU and bytes only on lossless encodings, fps everywhere", () => {
  const report: ComparisonReport = { quick: false, rows, baselines: [], versions: { libvncserver: "0.9.14", xvnc: "1.12.0" }, play };
  const md = comparisonMarkdown(report, "2026-01-02", ["a.svg"]);
  assert.match(md, /^# Server comparison, 2026-01-02$/m);
  assert.match(md, /\| desktop \| 1080p \| Tight \| 2\.00× ✗ \| 1\.11× ✗ \| 1\.09× ✓ \|/);
  assert.match(md, /\| desktop \| 1080p \| Tight JPEG q80 \| – \(peer's CPU read as 0\) \| 1\.25× \| 0\.50× ✗ \|/);
  assert.match(md, /\| desktop \| 1080p \| Tight \| libvncserver \| requests \| 50\.0 \| 8\.00 \| 0\.10 \| 900 \|/, "CPU, run-queue wait, bytes");
  assert.match(md, /!\[a\.svg\]\(a\.svg\)/);
});

test("where servers ran several rounds, the ratio table has every round's CPU: ours, then the least-CPU peer's; single rounds show a dash", () => {
  const withRounds = (r: ComparisonRow, rounds: number[]): ComparisonRow => ({ ...r, encoding: "raw", roundsCpuMs: rounds });
  const rounded = [
    withRounds(row("ours", "raw", 0.98, 338, 60), [1.14, 0.98]),
    withRounds(row("libvncserver", "raw", 0.91, 511, 60), [0.91, 0.92]),
    withRounds(row("xvnc", "raw", 2.96, 364, 60), [3.05, 2.96]),
  ];
  const [raw] = ratios(rounded);
  assert.deepEqual(raw!.cpuRounds, { ours: [1.14, 0.98], peer: [0.91, 0.92] }, "libvncserver had the least CPU");
  const report: ComparisonReport = { quick: false, rows: [...rounded, ...rows], baselines: [], versions: { libvncserver: "0.9.14", xvnc: "1.12.0" }, play };
  const md = comparisonMarkdown(report, "2026-01-02", []);
  assert.match(md, /\| desktop \| 1080p \| Raw \| 1\.08× ✗ \| 0\.93× ✓ \| 1\.000× ✓ \| 1\.14, 0\.98; 0\.91, 0\.92 \|/);
  assert.match(md, /\| desktop \| 1080p \| Tight \| 2\.00× ✗ \| 1\.11× ✗ \| 1\.09× ✓ \| – \|/, "one round: no figures");
});

test("each round's CPU in the ratio table carries its run-queue wait, so a round the server spent sharing its CPU shows", () => {
  const withRounds = (r: ComparisonRow, cpu: number[], wait: number[]): ComparisonRow => ({ ...r, encoding: "raw", roundsCpuMs: cpu, roundsRunQueueWaitMs: wait });
  const rounded = [
    withRounds(row("ours", "raw", 0.66, 338, 60), [1.02, 0.66], [0.61, 0.12]),
    withRounds(row("libvncserver", "raw", 0.84, 511, 60), [0.85, 0.84], [0.17, 0.15]),
    withRounds(row("xvnc", "raw", 2.7, 364, 60), [2.8, 2.7], [0.3, 0.2]),
  ];
  const [raw] = ratios(rounded);
  assert.deepEqual(raw!.waitRounds, { ours: [0.61, 0.12], peer: [0.17, 0.15] }, "the waits of the rounds whose CPU is shown");
  const md = comparisonMarkdown({ quick: false, rows: rounded, baselines: [], versions: { libvncserver: "0.9.14", xvnc: "1.12.0" }, play }, "2026-01-02", []);
  assert.match(md, /\| desktop \| 1080p \| Raw \| 0\.79× ✓ \| 0\.93× ✓ \| 1\.000× ✓ \| 1\.02 \(0\.61\), 0\.66 \(0\.12\); 0\.85 \(0\.17\), 0\.84 \(0\.15\) \|/);
});

test("the method says how long each server played, unmeasured and measured: the rules and the frames the rows report", () => {
  const versions = { libvncserver: "0.9.14", xvnc: "1.12.0" };
  const varied = rows.map((r, i) => ({ ...r, warmUpFrames: i === 0 ? 93 : 368, frames: i === 0 ? 45 : 180 }));
  const md = comparisonMarkdown({ quick: false, rows: varied, baselines: [], versions, play }, "2026-01-02", []);
  assert.match(md, /unmeasured, in whole passes until 3,000 frames or 8 s, each frame put as soon as the one before was received \(.*\): 93–368 frames in this run\./);
  assert.match(md, /Then it is measured, in whole passes until 180 frames or 6 s \(.*\): 45–180 frames\./);
  const quickPlay = { warmUp: { minFrames: 0, maxMs: 0 }, measure: { minFrames: 0, maxMs: 0 } };
  const once = comparisonMarkdown({ quick: true, rows, baselines: [], versions, play: quickPlay }, "2026-01-02", []);
  assert.match(once, /plays the recording unmeasured, once \(.*\): 368 frames in this run\. Then it is measured, once \(.*\): 45 frames\./);
});

test("the event-loop floor gets its section when measured, with the two floors and their difference", () => {
  const versions = { libvncserver: "0.9.14", xvnc: "1.12.0" };
  const measured = comparisonMarkdown({ quick: false, rows, baselines: [], floor: { frames: 300, cMs: 0.115, nodeMs: 0.426 }, versions, play }, "2026-01-02", []);
  assert.match(measured, /^## Event-loop floor$/m);
  assert.match(measured, /300 frames at 60 Hz/);
  assert.match(measured, /\| C \(select, read, writev\) \| 0\.12 \|/);
  assert.match(measured, /\| Node \(event loop, streams, socket\) \| 0\.43 \|/);
  assert.match(measured, /\| Node − C \| 0\.31 \|/);
  assert.doesNotMatch(comparisonMarkdown({ quick: false, rows, baselines: [], versions, play }, "2026-01-02", []), /Event-loop floor/);
});

test("a bar chart has one bar per finite value, none for missing ones or for zero on a log axis", () => {
  const svg = barChartSvg({
    title: "CPU <per> frame",
    unit: "ms",
    log: true,
    series: ["ours", "libvncserver", "xvnc"],
    groups: [
      { label: "desktop Tight", values: [4, 8, 2] },
      { label: "video Raw", values: [Number.NaN, 0, 300] },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<rect x="\d[^"]*" y="[\d.]+" width="12"/g) ?? []).length, 4);
  assert.match(svg, /CPU &lt;per&gt; frame/);
  assert.match(svg, /\(log scale\)/);
  assert.match(svg, /<title>xvnc video Raw: 300 ms<\/title>/);
});

test("of two runs of a server the one with more fps is kept, at the same rate (within 1 %) the one with less CPU a frame", () => {
  const slow = row("ours", "raw", 1.0, 300, 50);
  const fast = row("ours", "raw", 1.5, 300, 60);
  assert.equal(betterRound(fast, slow), true);
  assert.equal(betterRound(slow, fast), false);
  const keptUp = row("ours", "raw", 1.2, 300, 60);
  const quieter = { ...row("ours", "raw", 1.1, 300, 59.7), latencyP50Ms: 9 };
  assert.equal(betterRound(quieter, keptUp), true, "59.7 and 60 fps are the same rate: less CPU wins, whatever its latency");
  assert.equal(betterRound(keptUp, quieter), false);
  assert.equal(betterRound(keptUp, keptUp), false, "a tie keeps the first run");
});

test("two runs of the C baselines make one of the quickest times, field by field; sizes stay as measured", () => {
  const first = { memcmpMs: 0.34, keptMemcmpMs: 0.4, zlib1Ms: 11, zlib1Bytes: 87_700 };
  const second = { memcmpMs: 0.2, keptMemcmpMs: 0.46, zlib1Ms: 12, zlib1Bytes: 87_700 };
  assert.deepEqual(quickestOf(undefined, first), first);
  assert.deepEqual(quickestOf(first, second), { memcmpMs: 0.2, keptMemcmpMs: 0.4, zlib1Ms: 11, zlib1Bytes: 87_700 });
});
