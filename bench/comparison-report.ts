/**
 * The server comparison as a results file: bench/results/<date>.md (method, every measured row, our figure
 * over the best peer's with the goals, physical baselines, damage detection) and SVG bar charts beside it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { barChartSvg } from "./svg-bar-chart.ts";
import { SERVERS, type ComparisonReport, type ComparisonRow, type PlayBudget, type PlayPlan } from "./server-comparison.bench.ts";

const LOSSLESS = new Set(["raw", "hextile", "zrle", "tight"]);
const ENCODING_LABEL: Record<string, string> = { raw: "Raw", hextile: "Hextile", zrle: "ZRLE", tight: "Tight", "tight-jpeg-q80": "Tight JPEG q80" };
const sizeLabel = (w: number, h: number): string => (h === 1080 ? "1080p" : h === 2160 ? "4K" : `${w}x${h}`);
const n0 = (v: number): string => Math.round(v).toLocaleString("en");
const n1 = (v: number): string => v.toFixed(1);
const n2 = (v: number): string => v.toFixed(2);

export interface Ratio {
  scene: string;
  size: string;
  encoding: string;
  cpu: number;
  bytes: number;
  fps: number;
  lossless: boolean;
  /** each round's CPU ms a frame, ours and the least-CPU peer's, where they ran several (ComparisonRow.roundsCpuMs) */
  cpuRounds?: { ours: number[]; peer: number[] };
  /** the same rounds' run-queue wait, ms a frame (ComparisonRow.roundsRunQueueWaitMs), where the rows have it */
  waitRounds?: { ours: number[]; peer: number[] };
}

/** Our figure over the best peer's, per scene × size × encoding (best: least CPU, fewest bytes, most fps). */
export function ratios(rows: ComparisonRow[]): Ratio[] {
  const out: Ratio[] = [];
  for (const ours of rows.filter((r) => r.server === "ours")) {
    const peers = rows.filter((r) => r.server !== "ours" && r.scene === ours.scene && r.width === ours.width && r.height === ours.height && r.encoding === ours.encoding);
    if (peers.length === 0) continue;
    const leastCpu = peers.reduce((a, b) => (b.serverCpuMsPerFrame < a.serverCpuMsPerFrame ? b : a));
    out.push({
      scene: ours.scene,
      size: sizeLabel(ours.width, ours.height),
      encoding: ours.encoding,
      // a peer whose CPU read as zero (a kernel without schedstat, under one clock tick) has no ratio
      cpu: ratioOrNaN(ours.serverCpuMsPerFrame, leastCpu.serverCpuMsPerFrame),
      bytes: ratioOrNaN(ours.bytesPerFrame, Math.min(...peers.map((p) => p.bytesPerFrame))),
      fps: ratioOrNaN(ours.fps, Math.max(...peers.map((p) => p.fps))),
      lossless: LOSSLESS.has(ours.encoding),
      ...(ours.roundsCpuMs && leastCpu.roundsCpuMs ? { cpuRounds: { ours: ours.roundsCpuMs, peer: leastCpu.roundsCpuMs } } : {}),
      ...(ours.roundsRunQueueWaitMs && leastCpu.roundsRunQueueWaitMs ? { waitRounds: { ours: ours.roundsRunQueueWaitMs, peer: leastCpu.roundsRunQueueWaitMs } } : {}),
    });
  }
  return out;
}

const mark = (ok: boolean): string => (ok ? "✓" : "✗");
/** One server's rounds: "0.99 (0.35), 0.94 (0.30)", CPU with the run-queue wait where known. */
const roundsText = (cpu: number[], wait: number[] | undefined): string => cpu.map((c, i) => (wait?.[i] !== undefined ? `${n2(c)} (${n2(wait[i]!)})` : n2(c))).join(", ");
const ratioOrNaN = (ours: number, best: number): number => (best > 0 ? ours / best : Number.NaN);
const ratioCell = (r: number, goal: ((r: number) => boolean) | undefined): string =>
  // near 1 two decimals would hide which side of the goal a ratio is on
  Number.isNaN(r) ? "– (peer's CPU read as 0)" : `${Math.abs(r - 1) < 0.005 ? r.toFixed(3) : n2(r)}×${goal ? ` ${mark(goal(r))}` : ""}`;

/** How long each server played, unmeasured and measured: the plan, and the frames the rows report. */
function playText(play: PlayPlan, rows: readonly ComparisonRow[]): string {
  const span = (xs: number[]): string => {
    const least = Math.min(...xs);
    const most = Math.max(...xs);
    return least === most ? `${least}` : `${least}–${most}`;
  };
  const passes = (b: PlayBudget): string =>
    b.minFrames > 0 ? `in whole passes until ${b.minFrames.toLocaleString("en-US")} frames or ${b.maxMs / 1000} s${b.paced === false ? ", each frame put as soon as the one before was received" : ""}` : "once";
  return (
    `Each server first plays the recording unmeasured, ${passes(play.warmUp)} (V8 optimizes our server's once-a-frame code only after thousands of frames): ` +
    `${span(rows.map((r) => r.warmUpFrames))} frames in this run. Then it is measured, ${passes(play.measure)} (frames 1…n−1 of each pass; ` +
    `the jumps back to frame 0 are not measured): ${span(rows.map((r) => r.frames))} frames. Steady state, not start-up.`
  );
}

export function comparisonMarkdown(report: ComparisonReport, date: string, charts: string[]): string {
  const L: string[] = [];
  const cpu = cpus()[0]?.model ?? "?";
  L.push(`# Server comparison, ${date}${report.quick ? " (quick)" : ""}`);
  L.push("");
  L.push(`Node ${process.version}; ${cpus().length} vCPU ${cpu}; libvncserver ${report.versions.libvncserver}; TigerVNC Xvnc ${report.versions.xvnc}.`);
  L.push("Absolute times drift on this shared machine; the ratios, measured in one run, are what count.");
  L.push("");
  L.push(`Method (bench/server-comparison.bench.ts, docs/benchmarks.md): each guest workload is recorded once to raw frames; every server is fed the same frames; frame i is put at its 60 Hz slot but not before frame i-1 was fully received (5 s / 10 s at 4K, then given up). ${playText(report.play, report.rows)} One viewer for all (our RFB client, its own process; every frame read and its changed blocks found before it connects): ContinuousUpdates where the server has them, else one incremental request re-sent as each update arrives.`);
  L.push("- **ours**: the frames copied into a model mbochs vGPU's VRAM by its guest (desktop: two buffers, page flips), the display consumer, our server; a child process. CPU: the process's threads' time on CPU from /proc (schedstat, ns) minus the guest's copy (timed with the main thread's CPU clock around it).");
  L.push("- **libvncserver**: bench/peers/libvncserver-feeder.c reads each frame into a guest buffer, compares it with the server's framebuffer in 16-pixel blocks (memcmp), copies changed blocks and marks QEMU-style rectangles. CPU: the process's threads' from /proc minus the frame read (thread CPU clock).");
  L.push("- **Xvnc**: bench/peers/xshm-feeder.c puts each whole frame with XShmPutImage; Xvnc finds the changes itself. CPU: the Xvnc process's threads' from /proc (its copy out of the shared segment included; the X client's is not).");
  L.push("- At 1080p each server ran twice per typing/desktop scene and encoding, interleaved with the others, and the run with more frames per second is kept, at the same rate the one with less CPU a frame (other work on the shared machine stalls a run now and then, and a stall shows in the CPU a frame; every round's CPU is in the ratio table); video and 4K ran once.");
  L.push("- Latency: frame ready (pixels where the server reads them) → the viewer has decoded every changed 16×16 block (lossless: exact; JPEG: block mean nearer the new frame). CPU is read in nanoseconds (each thread's /proc schedstat), not in 10 ms clock ticks. Run-queue wait: the time the server's threads were ready to run but another task had the CPU (schedstat's second field), in ms a frame; the viewer and the bench run on the same CPUs as the server, and a server that shared its CPU with them pays for it in CPU too. RSS: VmRSS of the server process at the end (ours includes Node/V8 and the vGPU's VRAM).");
  L.push("");
  L.push("## Results");
  L.push("");
  L.push("| scene | size | encoding | server | updates | fps delivered | CPU ms/frame | run-queue wait ms/frame | bytes/frame | latency p50 / p99 ms | RSS MiB | frames delivered |");
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of report.rows) {
    L.push(
      `| ${r.scene} | ${sizeLabel(r.width, r.height)} | ${ENCODING_LABEL[r.encoding] ?? r.encoding} | ${r.server} | ${r.updates} | ${n1(r.fps)} | ${n2(r.serverCpuMsPerFrame)} | ${n2(r.runQueueWaitMsPerFrame)} | ` +
        `${n0(r.bytesPerFrame)} | ${n1(r.latencyP50Ms)} / ${n1(r.latencyP99Ms)} | ${n0(r.rssBytes / 1048576)} | ${r.delivered}/${r.frames} |`,
    );
  }
  L.push("");
  L.push("## Ours over the best peer");
  L.push("");
  L.push("Goals: CPU per frame ≤ 1.0 and bytes per frame ≤ 1.0 on the lossless encodings; frames per second ≥ 1.0.");
  L.push("");
  L.push(
    "Where the servers ran several rounds (1080p typing and desktop), the last column has every round's CPU ms a frame, in run order, each with its run-queue wait in parentheses: ours, then the peer with the least CPU in the kept rounds. The ratio is of the kept rounds; rounds far apart show how much the machine moved a figure, and the waits whether the server shared its CPU in one of them.",
  );
  L.push("");
  L.push("| scene | size | encoding | CPU/frame | bytes/frame | fps | CPU ms/frame (run-queue wait) by round: ours; best peer |");
  L.push("|---|---|---|---|---|---|---|");
  for (const q of ratios(report.rows)) {
    const atMost1 = q.lossless ? (r: number) => r <= 1 : undefined;
    const rounds = q.cpuRounds ? `${roundsText(q.cpuRounds.ours, q.waitRounds?.ours)}; ${roundsText(q.cpuRounds.peer, q.waitRounds?.peer)}` : "–";
    L.push(
      `| ${q.scene} | ${q.size} | ${ENCODING_LABEL[q.encoding] ?? q.encoding} | ${ratioCell(q.cpu, atMost1)} | ${ratioCell(q.bytes, atMost1)} | ${ratioCell(q.fps, (r) => r >= 1)} | ${rounds} |`,
    );
  }
  L.push("");
  L.push("## Physical baselines (C, one thread, whole frames)");
  L.push("");
  L.push(
    "memcmp (against a copy made just before), memcmp against a kept copy (written before the frame was read again, as a server's copy of the last frame is), block damage, row copy and memcpy are timed as our damage pass is: each on its own, every frame read just before it is touched, one warm pass, then the quickest of five passes over the frames. zlib and libjpeg-turbo run one pass.",
  );
  L.push("");
  L.push(
    "| scene | size | memcmp ms | memcmp, kept copy ms | 16-px block damage (memcmp + copy) ms | row copy ms | memcpy ms | zlib 1 ms / bytes | zlib 6 ms / bytes | libjpeg-turbo q80 ms / bytes |",
  );
  L.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const b of report.baselines) {
    L.push(
      `| ${b.scene} | ${sizeLabel(b.width, b.height)} | ${n2(b.memcmpMs)} | ${n2(b.keptMemcmpMs)} | ${n2(b.blockDamageMs)} | ${n2(b.rowCopyMs)} | ${n2(b.memcpyMs)} | ${n1(b.zlib1Ms)} / ${n0(b.zlib1Bytes)} | ` +
        `${n1(b.zlib6Ms)} / ${n0(b.zlib6Bytes)} | ${n1(b.jpegMs)} / ${n0(b.jpegBytes)} |`,
    );
  }
  L.push("");
  if (report.floor) {
    const f = report.floor;
    L.push("## Event-loop floor");
    L.push("");
    L.push(
      `What a frame costs a server that does nothing but be woken for it ("put" on stdin, as the feeders are), write a 45-byte update (a 28-byte FramebufferUpdate and a 17-byte fence, in one writev) and read the client's 17-byte answer; ${f.frames} frames at 60 Hz, CPU from /proc as for the servers (bench/peers/floor-server.c, bench/floor-server.ts). ` +
        "Every server pays its language's floor on every frame on top of its pixel work: where a frame's pixel work is small (a typed character at 1080p), the difference between the two floors is a large part of the difference between the servers.",
    );
    L.push("");
    L.push("| floor server | CPU ms a frame |");
    L.push("|---|---|");
    L.push(`| C (select, read, writev) | ${n2(f.cMs)} |`);
    L.push(`| Node (event loop, streams, socket) | ${n2(f.nodeMs)} |`);
    L.push(`| Node − C | ${n2(f.nodeMs - f.cMs)} |`);
    L.push("");
  }
  L.push("## Damage detection");
  L.push("");
  L.push(
    "Our damage detection fed the recorded frames through the consumer's FrameReader (the C row pass of native/frame-damage.c when built; else a whole-frame compare, then the TypeScript row pass if it differs; changed spans copied in; bench/our-damage.ts, in a process of its own as the C baselines are, timed as they are) against C memcmp of a whole frame against a copy made just before it. Goal: memcmp ms / ours ms ≥ 0.7.",
  );
  L.push("");
  L.push(
    "Two C floors for a pass that keeps the previous frame, as ours, QEMU's and libvncserver's feeder do. Memcmp against a kept copy: the same compare as memcmp, but against a copy written before the new frame was read, as a server's copy of the last frame is, not one made just before the compare. Row copy: the frame copied into the kept one a row at a time, which such a pass must at least write where every pixel changes, as in video (99.7 % of its pixels a frame). The last two columns are memcmp over each: the most a pass that compares every row with its kept copy can reach, and the most one that copies every row can reach.",
  );
  L.push("");
  L.push("| scene | size | C memcmp ms | C memcmp, kept copy ms | C row copy ms | C 16-px block damage ms | ours ms | memcmp / ours | memcmp / kept-copy memcmp | memcmp / row copy |");
  L.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const b of report.baselines) {
    const r = b.memcmpMs / b.oursDamageMs;
    L.push(
      `| ${b.scene} | ${sizeLabel(b.width, b.height)} | ${n2(b.memcmpMs)} | ${n2(b.keptMemcmpMs)} | ${n2(b.rowCopyMs)} | ${n2(b.blockDamageMs)} | ${n2(b.oursDamageMs)} | ` +
        `${n2(r)}× ${mark(r >= 0.7)} | ${n2(b.memcmpMs / b.keptMemcmpMs)}× | ${n2(b.memcmpMs / b.rowCopyMs)}× |`,
    );
  }
  L.push("");
  if (charts.length > 0) {
    L.push("## Plots");
    L.push("");
    for (const c of charts) L.push(`![${c}](${c})`);
    L.push("");
  }
  return `${L.join("\n")}\n`;
}

/** Write <date>.md and the plots into `dir`; returns the paths written. */
export function writeComparison(report: ComparisonReport, dir: string, date = new Date().toISOString().slice(0, 10)): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const charts: string[] = [];
  const sizes = [...new Set(report.rows.map((r) => `${r.width}x${r.height}`))];
  const metrics: Array<{ key: "fps" | "serverCpuMsPerFrame" | "bytesPerFrame"; name: string; title: string; unit: string; log: boolean }> = [
    { key: "fps", name: "fps", title: "Frames delivered per second (higher is better)", unit: "frames/s", log: false },
    { key: "serverCpuMsPerFrame", name: "cpu", title: "Server CPU per frame (lower is better)", unit: "ms", log: true },
    { key: "bytesPerFrame", name: "bytes", title: "Bytes per frame (lower is better)", unit: "bytes", log: true },
  ];
  for (const size of sizes) {
    const rows = report.rows.filter((r) => `${r.width}x${r.height}` === size);
    const label = sizeLabel(rows[0]!.width, rows[0]!.height);
    const keys = [...new Set(rows.map((r) => `${r.scene}|${r.encoding}`))];
    for (const m of metrics) {
      const svg = barChartSvg({
        title: `${m.title}, ${label}`,
        unit: m.unit,
        log: m.log,
        series: [...SERVERS],
        groups: keys.map((k) => {
          const [scene, encoding] = k.split("|") as [string, string];
          return {
            label: `${scene} ${ENCODING_LABEL[encoding] ?? encoding}`,
            values: SERVERS.map((s) => rows.find((r) => r.server === s && r.scene === scene && r.encoding === encoding)?.[m.key] ?? Number.NaN),
          };
        }),
      });
      const name = `${date}-${m.name}-${label}.svg`;
      writeFileSync(join(dir, name), svg);
      charts.push(name);
      written.push(join(dir, name));
    }
  }
  const md = join(dir, `${date}.md`);
  writeFileSync(md, comparisonMarkdown(report, date, charts));
  written.unshift(md);
  return written;
}
