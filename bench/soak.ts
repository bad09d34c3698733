/**
 * Soak: many VNC clients with mixed noVNC-like and TigerVNC-like settings watch a model vGPU running the
 * desktop workload for a long time, through guest mode changes (EDID and SetDesktopSize) and device resets
 * (VFIO_DEVICE_RESET, the guest rebooted); then a long loop of QUERY_GFX_PLANE / GET_GFX_DMABUF / close.
 * Invariants: RSS at the end within 5 % of a warm baseline, no fd leak (process and model kernel), every
 * client still connected and receiving; the cycle loop back to its baseline fds and memory.
 *
 *   npm run soak -- --clients 200 --minutes 10 --cycles 1000000      (the full run)
 *   npm run soak -- --clients 20 --seconds 20 --cycles 20000 --json  (what CI's test runs, in-process)
 *
 * The clients (our RfbClient, decoding every update) live in child processes (bench/soak-viewers.ts), so
 * they don't starve the guest's accesses and the server on this thread, and RSS is the server's alone.
 */
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { DrmPlaneType, GfxPlaneInfoView, setU32, VFIO_DEVICE_GET_GFX_DMABUF } from "../src/abi/index.ts";
import { queryPlane } from "../src/display/probe.ts";
import { createMbochsParent } from "../src/drivers/bochs/mbochs-parent.ts";
import { BochsGuest } from "../src/guest/bochs-guest.ts";
import { HostKernel } from "../src/kernel/host-kernel.ts";
import { silentLogger } from "../src/rfb/logger.ts";
import { NoneSecurity } from "../src/rfb/security/none.ts";
import { RfbServer } from "../src/rfb/server.ts";
import { ModelVgpu } from "../src/vmm/model-vgpu.ts";
import { ViewerPool } from "./soak-viewer-pool.ts";
import type { ViewerStats } from "./soak-viewers.ts";

export interface SoakOptions {
  clients: number;
  /** how long the clients watch */
  seconds: number;
  /** QUERY/GET/close cycles after the watching phase */
  cycles: number;
  progress?: (line: string) => void;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  /** open fds of this process */
  fds: number;
  /** open fds in the model kernel's table */
  modelFds: number;
}

export interface SoakReport {
  options: Omit<SoakOptions, "progress">;
  watch: {
    baseline: MemorySample;
    end: MemorySample;
    /** growth of RSS from the baseline to the end: medians of three samples at each end (see rssTrend) */
    rssGrowth: number;
    /** RSS at the same point of each round from the baseline to the end, bytes */
    rssSamples: number[];
    modeChanges: string[];
    /** rounds of resize, reset, resize back (the first one before the baseline) */
    rounds: number;
    resets: number;
    clientsConnectedAtEnd: number;
    /** clients that got at least one update after the last mode change */
    clientsReceivingAtEnd: number;
    /** clients with the final mode as their framebuffer size */
    clientsAtFinalSize: number;
    /** the others: kind and framebuffer size, for the failure message */
    clientsOffSize: string[];
    updates: number;
    bytes: number;
    serverFrames: number;
    lostClients: string[];
    /** the server's warnings while watching (the first 20) and how many there were */
    serverWarnings: string[];
    serverWarningCount: number;
  };
  cycles: {
    count: number;
    baseline: MemorySample;
    end: MemorySample;
    rssGrowth: number;
    heapGrowthBytes: number;
    cyclesPerSecond: number;
  };
}

function enableGc(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

function sample(kernel: HostKernel): MemorySample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, fds: readdirSync("/proc/self/fd").length - 1, modelFds: kernel.fds.openCount() };
}

const median3 = (a: number[]): number => [...a].sort((x, y) => x - y)[1]!;

/**
 * RSS growth over a run from its samples: the median of the last three over the median of the first three,
 * minus one; with fewer than six samples, the last over the first.
 */
export function rssTrend(samples: readonly number[]): number {
  if (samples.length < 2) return 0;
  if (samples.length < 6) return samples.at(-1)! / samples[0]! - 1;
  return median3(samples.slice(-3)) / median3(samples.slice(0, 3)) - 1;
}

const memoryLine = (m: MemorySample): string =>
  `rss ${(m.rss / 2 ** 20).toFixed(1)} MiB, heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MiB, buffers ${(m.arrayBuffers / 2 ** 20).toFixed(1)} MiB`;

const atSize = (v: ViewerStats, s: { width: number; height: number }): boolean => v.width === s.width && v.height === s.height;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.progress ?? (() => {});
  const gc = enableGc();
  const initial = { width: 1024, height: 768 };
  const vgpu = await ModelVgpu.start({
    id: "soak0",
    driver: "bochs",
    type: "mbochs-large",
    rateHz: 30,
    workload: { kind: "mode-follow", options: { seed: 7, pollMs: 50 }, inner: { kind: "desktop", options: { seed: 7, mode: initial, hostname: "soak" } } },
    consumer: { refreshHz: 30, initialSize: initial },
  });
  // the server's warnings (a client dropped, an encoding failed) are part of the soak's story
  const warnings: string[] = [];
  const warn = (f: object, m: string): void => {
    warnings.push(`${m} ${JSON.stringify(f)}`);
    say(`  server: ${m} ${JSON.stringify(f)}`);
  };
  const log = { ...silentLogger, warn, error: warn };
  const server = new RfbServer({ console: vgpu.console, security: [new NoneSecurity()], tcp: { host: "127.0.0.1", port: 0 }, maxClients: options.clients + 8, log });
  const { tcp } = await server.listen();
  // how long this thread (guest register accesses, consumer, server) keeps others waiting, per round
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  let lastStats = server.stats;
  const serverLine = (): string => {
    const st = server.stats;
    const line =
      `${st.frames - lastStats.frames} frames, ${st.encodeCacheMisses - lastStats.encodeCacheMisses} encodings, ${st.encodeCacheHits - lastStats.encodeCacheHits} shared; ` +
      `event loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`;
    lastStats = st;
    loopDelay.reset();
    return line;
  };
  let viewers: ViewerPool | undefined;
  const modeChanges: string[] = [];
  let watch: SoakReport["watch"];
  try {
    viewers = await ViewerPool.start(tcp!.port, options.clients);
    const pool = viewers;
    say(`${options.clients} clients connected`);
    const ms = options.seconds * 1000;
    const size = (): string => `${vgpu.console.surface?.width}x${vgpu.console.surface?.height}`;
    const waitForSize = async (w: number, h: number): Promise<void> => {
      const end = Date.now() + 20_000;
      while (!(vgpu.console.displayOn && vgpu.console.surface?.width === w && vgpu.console.surface.height === h)) {
        if (Date.now() > end) throw new Error(`the guest did not reach ${w}x${h} (now ${size()}, ${vgpu.state.state}); ${serverLine()}`);
        await sleep(20);
      }
      modeChanges.push(`${w}x${h}`);
    };
    // One round: a TigerVNC-like client asks for a new size (SetDesktopSize → EDID → the guest follows), a VM
    // reset (VFIO_DEVICE_RESET, the guest rebooted in the EDID's mode), the web console's resize back.
    const round = async (): Promise<void> => {
      await pool.setDesktopSize(1 % options.clients, 1280, 720);
      await waitForSize(1280, 720);
      await vgpu.reset();
      await waitForSize(1280, 720);
      await pool.resetRecent();
      vgpu.console.requestSize(initial.width, initial.height);
      await waitForSize(initial.width, initial.height);
      rounds++;
      if (rounds > 1) {
        gc();
        say(`round ${rounds}: ${memoryLine(sample(vgpu.kernel))}; ${serverLine()}`);
      }
    };
    let rounds = 0;
    const t0 = Date.now();
    // The warm baseline: a quarter into the run, after at least one full round, so every path (resize, reset,
    // reboot) has run and the viewers' receive backlogs (bounded: BYTE_SOURCE_HIGH_WATER each) and the
    // allocator's pools have filled; what grows after that is growth.
    let baseline: MemorySample | undefined;
    // RSS at that point of every round from the baseline on: growth compares the median of the last three
    // with the median of the first three (the allocator swings a few % from one round to the next)
    const rssSamples: number[] = [];
    const takeBaseline = (): MemorySample => {
      gc();
      const b = sample(vgpu.kernel);
      say(`warm baseline after round ${rounds}: ${memoryLine(b)}, fds ${b.fds}, model fds ${b.modelFds}`);
      return b;
    };
    // rounds through the run (about one per 5 s, at least one more), the last one ending at the deadline
    const roundEvery = Math.max(5000, ms / 12);
    do {
      const next = Date.now() + roundEvery;
      await round();
      await sleep(Math.max(0, Math.min(next, t0 + ms) - Date.now()));
      // sampled, like the end, a while after a round's last mode change: the same point in its cycle
      if (!baseline && Date.now() >= t0 + ms / 4) {
        baseline = takeBaseline();
        rssSamples.push(baseline.rss);
      } else if (baseline) {
        gc();
        rssSamples.push(process.memoryUsage().rss);
      }
    } while (Date.now() < t0 + ms - roundEvery / 2 || !baseline);
    if (baseline === undefined) throw new Error("unreachable: the loop runs until the baseline is taken");
    // every client gets the final mode's frames: let them land (a continuous-updates client reads what the
    // socket buffers hold first, a few frames behind on a loaded machine), then measure
    const final = vgpu.console.surface!;
    const landBy = Date.now() + 30_000;
    let states = await pool.stats();
    while (states.some((v) => v.lost === undefined && (!atSize(v, final) || v.recent === 0)) && Date.now() < landBy) {
      await sleep(250);
      states = await pool.stats();
    }
    gc();
    const end = sample(vgpu.kernel);
    rssSamples.push(end.rss);
    watch = {
      baseline,
      end,
      rssGrowth: rssTrend(rssSamples),
      rssSamples,
      modeChanges,
      resets: vgpu.state.resets,
      clientsConnectedAtEnd: states.filter((v) => v.lost === undefined).length,
      clientsReceivingAtEnd: states.filter((v) => v.recent > 0).length,
      clientsAtFinalSize: states.filter((v) => atSize(v, final)).length,
      clientsOffSize: states.filter((v) => !atSize(v, final)).map((v) => `${v.kind} at ${v.width}x${v.height}`),
      updates: states.reduce((n, v) => n + v.updates, 0),
      bytes: states.reduce((n, v) => n + v.bytes, 0),
      serverFrames: server.stats.frames,
      lostClients: states.filter((v) => v.lost !== undefined).map((v) => `${v.kind} #${v.index}: ${v.lost}`),
      serverWarnings: warnings.slice(0, 20),
      serverWarningCount: warnings.length,
      rounds,
    };
    say(`watching done after ${rounds} rounds: ${memoryLine(end)} (RSS ${(watch.rssGrowth * 100).toFixed(2)} %), fds ${end.fds}, model fds ${end.modelFds}, ${watch.clientsReceivingAtEnd}/${options.clients} receiving`);
  } finally {
    loopDelay.disable();
    await viewers?.close();
    await server.close();
    await vgpu.stop();
  }
  const cycles = dmabufCycles(options.cycles, gc, say);
  return { options: { clients: options.clients, seconds: options.seconds, cycles: options.cycles }, watch, cycles };
}

/** QUERY_GFX_PLANE, GET_GFX_DMABUF, close: `count` times on a steady mode, fds and memory around it. */
function dmabufCycles(count: number, gc: () => void, say: (line: string) => void): SoakReport["cycles"] {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const uuid = "50a50a50-0000-4000-8000-000000000001";
  if (kernel.bus.create("mbochs", "mbochs-large", uuid) !== 0) throw new Error("mdev create failed");
  const dev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof dev === "number" || typeof guestDev === "number") throw new Error("open failed");
  BochsGuest.attach(guestDev).setMode({ width: 1920, height: 1080 });
  const plane = new GfxPlaneInfoView();
  const idArg = new Uint8Array(4);
  const once = (): void => {
    if (queryPlane(dev, "dmabuf", DrmPlaneType.PRIMARY, plane) !== 0) throw new Error("QUERY_GFX_PLANE failed");
    setU32(idArg, 0, plane.id);
    const fd = dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, idArg);
    if (fd < 0) throw new Error(`GET_GFX_DMABUF failed: ${fd}`);
    if (kernel.fds.close(fd) !== 0) throw new Error(`close(${fd}) failed`);
  };
  const warm = Math.min(count, Math.max(1000, Math.floor(count / 10)));
  for (let i = 0; i < warm; i++) once();
  gc();
  const baseline = sample(kernel);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) once();
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const end = sample(kernel);
  dev.close();
  guestDev.close();
  const report = { count, baseline, end, rssGrowth: (end.rss - baseline.rss) / baseline.rss, heapGrowthBytes: end.heapUsed - baseline.heapUsed, cyclesPerSecond: count / seconds };
  say(`${count} query/get/close cycles: ${Math.round(report.cyclesPerSecond)}/s, model fds ${baseline.modelFds} → ${end.modelFds}, heap ${report.heapGrowthBytes} bytes, rss ${(report.rssGrowth * 100).toFixed(2)} %`);
  return report;
}

/** The invariants, as messages for what is broken (empty: all hold). */
export function soakProblems(r: SoakReport): string[] {
  const out: string[] = [];
  const w = r.watch;
  const n = r.options.clients;
  if (w.rssGrowth >= 0.05) out.push(`RSS grew ${(w.rssGrowth * 100).toFixed(2)} % while watching (limit 5 %)`);
  if (w.end.fds !== w.baseline.fds) out.push(`process fds ${w.baseline.fds} → ${w.end.fds} while watching`);
  if (w.end.modelFds !== w.baseline.modelFds) out.push(`model kernel fds ${w.baseline.modelFds} → ${w.end.modelFds} while watching`);
  if (w.clientsConnectedAtEnd !== n || w.lostClients.length > 0) out.push(`${n - w.clientsConnectedAtEnd} clients lost: ${w.lostClients.slice(0, 3).join("; ")}`);
  if (w.clientsReceivingAtEnd !== n) out.push(`${n - w.clientsReceivingAtEnd} clients got nothing after the last mode change`);
  if (w.clientsAtFinalSize !== n) out.push(`${n - w.clientsAtFinalSize} clients are not at the final size: ${w.clientsOffSize.slice(0, 4).join(", ")}`);
  if (w.resets < 1) out.push("no device reset happened");
  const c = r.cycles;
  if (c.end.modelFds !== c.baseline.modelFds) out.push(`cycle loop: model fds ${c.baseline.modelFds} → ${c.end.modelFds}`);
  if (c.end.fds !== c.baseline.fds) out.push(`cycle loop: process fds ${c.baseline.fds} → ${c.end.fds}`);
  if (c.rssGrowth >= 0.05) out.push(`cycle loop: RSS grew ${(c.rssGrowth * 100).toFixed(2)} %`);
  if (c.heapGrowthBytes > 1 << 20) out.push(`cycle loop: heap grew ${c.heapGrowthBytes} bytes`);
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "200" },
      minutes: { type: "string" },
      seconds: { type: "string" },
      cycles: { type: "string", default: "1000000" },
      json: { type: "boolean", default: false },
    },
  });
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) {
      console.error(`soak: --${name} must be a number ≥ ${min} (got ${v})`);
      process.exit(2);
    }
    return n;
  };
  const seconds = values.seconds !== undefined ? num("seconds", values.seconds, 5) : num("minutes", values.minutes ?? "10", 0.1) * 60;
  const report = await runSoak({
    clients: num("clients", values.clients, 2),
    seconds,
    cycles: num("cycles", values.cycles, 1),
    progress: values.json ? undefined : (l) => console.log(l),
  });
  const problems = soakProblems(report);
  console.log(values.json ? JSON.stringify({ ...report, problems }, null, 2) : problems.length === 0 ? "soak: every invariant holds" : `soak: FAILED\n  ${problems.join("\n  ")}`);
  process.exit(problems.length === 0 ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
