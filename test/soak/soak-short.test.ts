/**
 * The soak's short version (bench/soak.ts; the full one is `npm run soak`): 20 mixed noVNC-like and
 * TigerVNC-like clients (in viewer child processes) for 20 s through rounds of SetDesktopSize, a device
 * reset with a guest reboot and a resize back, then 20,000 QUERY_GFX_PLANE / GET_GFX_DMABUF / close cycles.
 * Every invariant of the full run is checked but the watching phase's RSS growth, which is printed: over
 * 20 s the allocator's round-to-round swing (a few %) is as large as the 5 % limit. The full run, ten
 * minutes long, asserts it (docs/reliability.md, "Soak").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { rssTrend, runSoak, soakProblems } from "../../bench/soak.ts";

test("soak (short): clients all connected and at the final mode after resizes and resets, no fd leak, the dma-buf cycle loop back to baseline", async () => {
  const report = await runSoak({ clients: 20, seconds: 20, cycles: 20_000 });
  const w = report.watch;
  console.log(
    `# soak: ${w.rounds} rounds, ${w.resets} resets, ${w.updates} updates; RSS ${(w.baseline.rss / 2 ** 20).toFixed(0)} → ${(w.end.rss / 2 ** 20).toFixed(0)} MiB ` +
      `(${(w.rssGrowth * 100).toFixed(1)} %); fds ${w.baseline.fds} → ${w.end.fds}; model fds ${w.baseline.modelFds} → ${w.end.modelFds}; ` +
      `cycles ${Math.round(report.cycles.cyclesPerSecond)}/s, heap ${report.cycles.heapGrowthBytes} B`,
  );
  const problems = soakProblems(report).filter((p) => !p.startsWith("RSS grew")); // see the header
  assert.deepEqual(problems, []);
  assert.ok(w.rounds >= 2 && w.resets >= 2, `at least one round after the baseline (${w.rounds} rounds, ${w.resets} resets)`);
  assert.equal(w.clientsReceivingAtEnd, 20);
  assert.equal(report.cycles.end.modelFds, report.cycles.baseline.modelFds);
});

test("the soak's RSS growth is a trend of medians: one high sample neither makes nor hides growth", () => {
  const MiB = 2 ** 20;
  // round-to-round swing around a flat level: one high sample at the end is not growth
  assert.ok(Math.abs(rssTrend([265, 273, 267, 270, 276, 268, 271, 291, 266].map((m) => m * MiB)) - (271 / 267 - 1)) < 1e-9);
  // steady growth shows whatever the swing
  assert.ok(rssTrend([200, 205, 201, 230, 236, 231].map((m) => m * MiB)) > 0.14);
  // short runs: last over first
  assert.ok(Math.abs(rssTrend([100, 150, 110]) - 0.1) < 1e-12);
  assert.equal(rssTrend([100]), 0);
});
