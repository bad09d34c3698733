/** `npm run bench -- --quick` works and reports its figures (timings are reported by the bench, never asserted here). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { recordedFrames } from "../../bench/frame-recording.ts";
import { peerTools } from "../../bench/peers/peer-tools.ts";
import { compareOne } from "../../bench/server-comparison.bench.ts";
import { cpuListOf, parseCpuList, pinProcess } from "../../bench/cpu-pinning.ts";
import { benchServer } from "../../bench/rfb-server.bench.ts";
import { threadIds } from "../../bench/thread-cpu.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the quick bench runs the QUERY_GFX_PLANE benchmark and reports calls/s and heap bytes per call", (t) => {
  const out = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "bench/run.ts", "--quick", "--json", "--out", out], {
    cwd: root,
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  // the side-by-side with libvncserver and Xvnc: a row per server for each encoding, every frame delivered
  const rows = report.comparison.rows as Array<{ server: string; encoding: string; frames: number; warmUpFrames: number; delivered: number; bytesPerFrame: number; fps: number; runQueueWaitMsPerFrame: number }>;
  for (const server of ["ours", "libvncserver", "xvnc"]) {
    const mine = rows.filter((row) => row.server === server);
    assert.deepEqual(mine.map((row) => row.encoding), ["raw", "tight"], server);
    for (const row of mine) {
      // quick: frame 0, one unmeasured pass over frames 1..5, frame 0 again; then one measured pass
      assert.equal(row.warmUpFrames, 7, `${server} ${row.encoding}`);
      assert.equal(row.frames, 5, `${server} ${row.encoding}`);
      assert.ok(row.frames > 0 && row.delivered > 0, `${server} ${row.encoding}: ${row.delivered}/${row.frames} frames delivered`);
      assert.ok(row.bytesPerFrame > 0 && row.fps > 0, `${server} ${row.encoding}: ${row.bytesPerFrame} bytes/frame, ${row.fps} fps`);
      assert.ok(Number.isFinite(row.runQueueWaitMsPerFrame) && row.runQueueWaitMsPerFrame >= 0, `${server} ${row.encoding}: run-queue wait ${row.runQueueWaitMsPerFrame} ms a frame`);
    }
  }
  // the VNC server end to end: every encoding, 3 viewers, and (on a machine with a core to spare) the server alone on one core
  const server = report.server as Array<{ encoding: string; clients: number; serverOneCore: boolean; placement?: { server: string } }>;
  const spare = parseCpuList(cpuListOf(process.pid)).length >= 2;
  assert.deepEqual(server.map((row) => `${row.encoding} ${row.clients}${row.serverOneCore ? " one core" : ""}`), ["raw 1", "tight 1", "tight 3", ...(spare ? ["tight 1 one core"] : [])]);
  if (spare) assert.equal(parseCpuList(server[3]!.placement!.server).length, 1);
  const [baseline] = report.comparison.baselines;
  assert.ok(baseline.memcmpMs >= 0 && baseline.keptMemcmpMs > 0 && baseline.rowCopyMs > 0 && baseline.zlib6Bytes > 0 && baseline.jpegBytes > 0 && baseline.oursDamageMs > 0);
  // the event-loop floor: both floor servers served every frame (a server that missed one would time out)
  const floor = report.comparison.floor as { frames: number; cMs: number; nodeMs: number };
  assert.equal(floor.frames, 20);
  assert.ok(floor.cMs > 0 && floor.nodeMs > 0, JSON.stringify(floor));
  const md = report.written.find((p: string) => p.endsWith(".md"));
  const text = readFileSync(md, "utf8");
  assert.match(text, /\| desktop \| 320x240 \| Tight \| xvnc \|/);
  assert.match(text, /\| Node \(event loop, streams, socket\) \| \d+\.\d\d \|/);
  // the damage table gives the two floors' ratios beside ours
  assert.match(text, /\| desktop \| 320x240 \| (\d+\.\d\d \| ){5}\d+\.\d\d× [✓✗] \| \d+\.\d\d× \| \d+\.\d\d× \|/);
  assert.equal(report.written.filter((p: string) => p.endsWith(".svg")).length, 3);
  for (const p of report.written) assert.ok(existsSync(p) && p.startsWith(out), p);
  assert.equal(report.quick, true);
  // move detection on the recorded frames: the desktop's drifting windows are found as moves, video has none
  const moves = report.moves as Array<{ scene: string; native: boolean; damagedPixels: number; movedPixels: number; moves: number }>;
  assert.deepEqual(moves.map((m) => m.scene), ["typing", "desktop", "video"]);
  const desktop = moves.find((m) => m.scene === "desktop")!;
  assert.ok(desktop.native, "the test command builds the native helper");
  assert.ok(desktop.moves > 0 && desktop.movedPixels > 0 && desktop.movedPixels <= desktop.damagedPixels, JSON.stringify(desktop));
  assert.equal(moves.find((m) => m.scene === "video")!.movedPixels, 0);
  // the viewer's decode of a whole video frame in every encoding, every byte consumed
  const decode = report.clientDecode as Array<{ encoding: string; bytesPerFrame: number; minMs: number; medianMs: number }>;
  assert.deepEqual(decode.map((d) => d.encoding), ["Raw", "Hextile", "Zlib", "ZRLE", "Tight"]);
  for (const d of decode) assert.ok(d.bytesPerFrame > 0 && d.minMs > 0 && d.minMs <= d.medianMs, JSON.stringify(d));
  assert.equal(decode[0]!.bytesPerFrame, 12 + 320 * 240 * 4, "a Raw frame is its header and every pixel");
  const [query] = report.results;
  assert.match(query.name, /QUERY_GFX_PLANE/);
  assert.equal(query.calls, 50_000);
  assert.ok(query.callsPerSecond > 0 && Number.isFinite(query.callsPerSecond));
  assert.equal(typeof query.alloc.bytesPerIteration, "number");
  assert.equal(typeof query.alloc.exact, "boolean");
});

test("a server plays whole passes until it was shown the frames asked for, or the time is up: warm-up and measured", async () => {
  const file = recordedFrames("desktop", 320, 240, 6);
  const tools = peerTools();
  const byFrames = await compareOne("ours", file, "raw", tools, { warmUp: { minFrames: 20, maxMs: 60_000 }, measure: { minFrames: 12, maxMs: 60_000 } });
  // frame 0; four passes of frames 1..5 (20 frames), each later one after frame 0 again; frame 0 before the measured play
  assert.equal(byFrames.warmUpFrames, 1 + 20 + 4);
  // three measured passes of 5 frames reach 12; every one delivered
  assert.equal(byFrames.frames, 15);
  assert.equal(byFrames.delivered, 15);
  const byTime = await compareOne("ours", file, "raw", tools, { warmUp: { minFrames: 1_000, maxMs: 0 }, measure: { minFrames: 1_000, maxMs: 0 } });
  assert.equal(byTime.warmUpFrames, 1 + 5 + 1, "the time was up after the first warm-up pass");
  assert.equal(byTime.frames, 5, "and after the first measured pass");
  assert.equal(byTime.delivered, 5);
});

test("an unpaced warm-up puts each frame as soon as the one before was received; a paced one waits for its 60 Hz slot", async () => {
  const file = recordedFrames("desktop", 320, 240, 6);
  const tools = peerTools();
  const measure = { minFrames: 0, maxMs: 0 };
  const paced = await compareOne("ours", file, "raw", tools, { warmUp: { minFrames: 100_000, maxMs: 1_500 }, measure });
  const unpaced = await compareOne("ours", file, "raw", tools, { warmUp: { minFrames: 100_000, maxMs: 1_500, paced: false }, measure });
  // paced: frames 1..5 of a pass at slots 0..66.7 ms after its start, so each 6-frame pass (frame 0 first) takes
  // at least 66.7 ms: at most 23 passes, 138 frames in 1.5 s. Unpaced, a 320×240 frame's round trip is ~1.3 ms here.
  assert.ok(paced.warmUpFrames <= 6 * 23 + 1, `paced: ${paced.warmUpFrames}`);
  assert.ok(unpaced.warmUpFrames > 300, `unpaced: ${unpaced.warmUpFrames}`);
});

test("the server bench's one-core row: the server on one CPU, its guest and viewer on the others, and the machine given back after", async (t) => {
  const before = cpuListOf(process.pid);
  const cpus = parseCpuList(before);
  if (cpus.length < 2) {
    await assert.rejects(benchServer("desktop", 320, 240, "raw", 1, 3, 2, true), /two or more CPUs/);
    return;
  }
  t.after(() => pinProcess(process.pid, before));
  const r = await benchServer("desktop", 320, 240, "raw", 1, 3, 2, true);
  assert.equal(r.serverOneCore, true);
  const others = cpus.slice(1).join(",");
  assert.deepEqual(parseCpuList(r.placement!.server), [cpus[0]!]);
  assert.deepEqual(parseCpuList(r.placement!.guest), parseCpuList(others));
  assert.deepEqual(parseCpuList(r.placement!.viewers), parseCpuList(others));
  assert.equal(r.frames, 3);
  assert.ok(r.fps > 0 && r.bytesPerFrame > 0, JSON.stringify(r));
  assert.deepEqual(parseCpuList(cpuListOf(process.pid)), cpus, "this process may use every CPU again");
  for (const tid of threadIds()) assert.deepEqual(parseCpuList(cpuListOf(tid)), cpus, `thread ${tid}`);
});

test("parseCpuList reads taskset's lists and refuses anything else", () => {
  assert.deepEqual(parseCpuList("0"), [0]);
  assert.deepEqual(parseCpuList("0-3,8,10-11\n"), [0, 1, 2, 3, 8, 10, 11]);
  assert.throws(() => parseCpuList("0-"), /not a CPU list/);
  assert.throws(() => parseCpuList("a"), /not a CPU list/);
});
