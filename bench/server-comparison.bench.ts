/**
 * Our VNC server side by side with libvncserver and TigerVNC's Xvnc on identical work, in one run: the same
 * recorded frames (bench/frame-recording.ts) at the same pace, the same viewer (bench/comparison-client.ts),
 * the same encodings. Per server × scene × size × encoding: frames delivered per second, server CPU ms per
 * frame (from /proc, the guest's share taken out), bytes per frame, p50/p99 latency from frame ready to
 * fully received, RSS. Plus physical baselines over the same frames (C memcmp/memcpy, zlib 1 and 6,
 * libjpeg-turbo q80) and our damage detection on them.
 *
 * Pacing: frame i is put at its 60 Hz slot, but not before frame i-1 was fully received (or given up on),
 * so a server that keeps up delivers 60 fps and one that does not shows its own rate. Every server plays the
 * recording once unmeasured first, then again measured (frames 1…n−1 of the second pass).
 */
import { existsSync, openSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { damageFeed } from "./damage-feed.ts";
import { measureEventLoopFloor, type EventLoopFloor } from "./event-loop-floor.ts";
import { recordedFrames, readFrame, type FrameFile, type RecordedScene } from "./frame-recording.ts";
import { LineChild } from "./line-child.ts";
import { peerTools, type PeerTools } from "./peers/peer-tools.ts";
import { processCpuMs, processRssBytes } from "./proc-stats.ts";
import { ENCODING_SETTINGS } from "./rfb-server.bench.ts";
import { untilSlot } from "./frame-slot.ts";

export const SERVERS = ["ours", "libvncserver", "xvnc"] as const;
export type ServerKind = (typeof SERVERS)[number];
export const COMPARED_ENCODINGS = ["raw", "hextile", "zrle", "tight", "tight-jpeg-q80"] as const;

export interface ComparisonRow {
  server: ServerKind;
  scene: RecordedScene;
  width: number;
  height: number;
  encoding: string;
  /** how the viewer got updates: continuous updates or one incremental request at a time */
  updates: "cu" | "requests";
  frames: number;
  /** frames the server was shown, unmeasured, before the measured pass (see WarmUp) */
  warmUpFrames: number;
  delivered: number;
  fps: number;
  serverCpuMsPerFrame: number;
  bytesPerFrame: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  rssBytes: number;
}

export interface Baseline {
  scene: RecordedScene;
  width: number;
  height: number;
  frames: number;
  memcmpMs: number;
  blockDamageMs: number;
  memcpyMs: number;
  zlib1Ms: number;
  zlib1Bytes: number;
  zlib6Ms: number;
  zlib6Bytes: number;
  jpegMs: number;
  jpegBytes: number;
  /** our DamageTracker fed the same frames as the consumer feeds it, ms per frame */
  oursDamageMs: number;
}

export interface ComparisonReport {
  quick: boolean;
  rows: ComparisonRow[];
  baselines: Baseline[];
  /** what being woken for a frame costs in C and in Node, with no pixel work (event-loop-floor.ts) */
  floor?: EventLoopFloor;
  /** the peers' versions, from their Debian packages */
  versions: Record<string, string>;
  /** the unmeasured play before each measured pass */
  warmUp: WarmUp;
}

const HERE = new URL(".", import.meta.url).pathname;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function portOpen(port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import("node:net");
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface RunningServer {
  /** the process whose CPU and memory are the server's */
  pid: number;
  port: number;
  /** takes "put <i>", answers "ready <i> <ns> <guest ns>" */
  feeder: LineChild;
  stop(): Promise<void>;
}

async function startServer(kind: ServerKind, file: FrameFile, tools: PeerTools): Promise<RunningServer> {
  const size = [String(file.width), String(file.height)];
  if (kind === "ours") {
    // VFIO_DISPLAY_BENCH_PROFILE=DIR: our server's process writes a V8 CPU profile there (where the time goes)
    const dir = process.env.VFIO_DISPLAY_BENCH_PROFILE;
    const profile = dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
    const feeder = new LineChild("our server", process.execPath, [...profile, "--import", "tsx", `${HERE}ours-feeder.ts`, file.path, file.scene, ...size, String(file.frames)]);
    const [, port] = await feeder.expect("listening", 30_000);
    return { pid: feeder.pid, port: Number(port), feeder, stop: () => feeder.stop() };
  }
  const port = await freePort();
  if (kind === "libvncserver") {
    const feeder = new LineChild("libvncserver feeder", tools.libvncserverFeeder, [file.path, ...size, String(port)]);
    await feeder.expect("listening", 10_000);
    return { pid: feeder.pid, port, feeder, stop: () => feeder.stop() };
  }
  let display = 40;
  while (existsSync(`/tmp/.X11-unix/X${display}`) || existsSync(`/tmp/.X${display}-lock`)) display++;
  const xvnc = new LineChild("Xvnc", tools.xvnc, [
    `:${display}`,
    ...["-geometry", `${file.width}x${file.height}`, "-depth", "24", "-rfbport", String(port), "-SecurityTypes", "None"],
    ...["-localhost", "-nolisten", "tcp", "-ac", "-AlwaysShared"],
  ]);
  await portOpen(port, 15_000);
  const feeder = new LineChild("XShm feeder", tools.xshmFeeder, [`:${display}`, file.path, ...size]);
  await feeder.expect("listening", 10_000);
  return {
    pid: xvnc.pid,
    port,
    feeder,
    stop: async () => {
      await feeder.stop();
      await xvnc.stop(0); // Xvnc reads no stdin
    },
  };
}

/**
 * How long a server plays the recording, unmeasured, before the measured pass: whole passes, at least one,
 * until `minFrames` were shown or `maxMs` went by. Our server's per-frame code (the update, the socket
 * write, the move detector's bookkeeping) runs a few times a frame, so V8 tiers it up to optimized code only
 * after hundreds of frames; over a single 46-frame warm pass its compiler threads still took ~0.8 ms a frame
 * of the 1080p desktop's measured pass (3.3–3.5 ms a frame after one pass, 2.3–2.8 ms after eight). A
 * server that runs for hours pays that once. The C peers get the same warm-up.
 */
export interface WarmUp {
  minFrames: number;
  maxMs: number;
}

/** 6 s of frames at 60 Hz, where the server keeps up; a slow one stops after 8 s. */
export const STEADY_STATE_WARM_UP: WarmUp = { minFrames: 360, maxMs: 8_000 };

/** One server × recording × encoding. */
export async function compareOne(kind: ServerKind, file: FrameFile, encoding: string, tools: PeerTools, warmUp = STEADY_STATE_WARM_UP): Promise<ComparisonRow> {
  const server = await startServer(kind, file, tools);
  const lossy = encoding.includes("jpeg") ? "1" : "0";
  const client = new LineChild("comparison client", process.execPath, [
    ...["--import", "tsx", `${HERE}comparison-client.ts`, String(server.port), ENCODING_SETTINGS[encoding]!.join(","), lossy],
    ...[file.path, String(file.width), String(file.height), String(file.frames)],
  ]);
  try {
    const [, updates] = await client.expect("connected", 30_000);
    const frameTimeoutMs = file.width * file.height > 2_500_000 ? 10_000 : 5_000;
    // frame 0 (the first whole screen) and a first pass over the recording are not measured
    let armed = false;
    const show = async (i: number, slot: number, timeoutMs: number) => {
      // the client arms itself for frame i once it has frame i-1; after a miss it is told to
      if (!armed) client.send(`expect ${i}`);
      await client.expect("armed", 30_000, i);
      await untilSlot(slot);
      server.feeder.send(`put ${i}`);
      const [, , readyNs, guestNs] = await server.feeder.expect("ready", 30_000, i);
      const got = await client.next("got", timeoutMs, i);
      armed = got !== undefined;
      return { readyNs: BigInt(readyNs!), guestNs: Number(guestNs), got };
    };
    const first = await show(0, 0, 30_000);
    if (!first.got) throw new Error(`${kind}: the first frame never arrived`);
    // unmeasured passes over the recording, paced as the measured one: a server's steady state is measured,
    // not its start (see WarmUp); every server's caches and buffers settle
    const warmStart = performance.now();
    let warmed = 0;
    let warm: Awaited<ReturnType<typeof show>>;
    do {
      const pass0 = performance.now();
      for (let i = 1; i < file.frames; i++) await show(i, pass0 + ((i - 1) * 1000) / 60, frameTimeoutMs);
      // back to frame 0 (a jump from the last frame, not measured either): the viewer is told to expect it
      armed = false;
      warm = await show(0, 0, frameTimeoutMs);
      if (!warm.got) throw new Error(`${kind}: the first frame of the measured pass never arrived`);
      warmed += file.frames;
    } while (warmed < warmUp.minFrames && performance.now() - warmStart < warmUp.maxMs);
    const bytes0 = Number(warm.got[3]);
    let bytes = bytes0;
    const guest0 = warm.guestNs;
    let guest = guest0;
    const cpu0 = processCpuMs(server.pid);
    const latencies: number[] = [];
    let delivered = 0;
    const wall0 = performance.now();
    for (let i = 1; i < file.frames; i++) {
      const f = await show(i, wall0 + ((i - 1) * 1000) / 60, frameTimeoutMs);
      guest = f.guestNs;
      if (!f.got) continue;
      delivered++;
      // a frame equal to the one shown has nothing to deliver: no latency to measure
      if (f.got[5] !== "unchanged") latencies.push(Number(BigInt(f.got[2]!) - f.readyNs) / 1e6);
      bytes = Number(f.got[3]);
    }
    const wall = performance.now() - wall0;
    const frames = file.frames - 1;
    const cpu = processCpuMs(server.pid) - cpu0 - (guest - guest0) / 1e6;
    const rssBytes = processRssBytes(server.pid);
    return {
      server: kind,
      scene: file.scene,
      width: file.width,
      height: file.height,
      encoding,
      updates: updates === "cu" ? "cu" : "requests",
      frames,
      warmUpFrames: 1 + warmed,
      delivered,
      // the last frame owns its whole 60 Hz slot: a server that keeps up reports 60, not more
      fps: (delivered * 1000) / Math.max(wall, (frames * 1000) / 60),
      serverCpuMsPerFrame: Math.max(0, cpu) / frames,
      bytesPerFrame: (bytes - bytes0) / frames,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP99Ms: percentile(latencies, 0.99),
      rssBytes,
    };
  } finally {
    await client.stop();
    await server.stop();
  }
}

/**
 * Our damage detection over a recording as the consumer runs it (bench/damage-feed.ts): one pass over the
 * frames warms the JIT, then the quickest of three timed passes is kept (frame 0 of a pass is compared with
 * the last frame), as a stall of the shared host can double one pass over 10 frames.
 */
function ourDamageMs(file: FrameFile, count: number): number {
  const { width, height } = file;
  const frame = new Uint32Array(width * height);
  const bytes = new Uint8Array(frame.buffer);
  const damage = damageFeed(width, height);
  const fd = openSync(file.path, "r");
  let best = Infinity;
  try {
    for (let pass = 0; pass < 4; pass++) {
      let total = 0;
      for (let i = 0; i < count; i++) {
        readFrame(fd, file, i, frame);
        const t0 = performance.now();
        damage.feed(bytes);
        total += performance.now() - t0;
      }
      if (pass > 0) best = Math.min(best, total);
    }
  } finally {
    closeSync(fd);
  }
  return best / count;
}

function baseline(file: FrameFile, tools: PeerTools, count: number): Baseline {
  const { execFileSync } = process.getBuiltinModule("node:child_process") as typeof import("node:child_process");
  const out = execFileSync(tools.baselines, [file.path, String(file.width), String(file.height), String(count)], { encoding: "utf8" });
  const c = JSON.parse(out) as Omit<Baseline, "scene" | "width" | "height" | "oursDamageMs">;
  return { scene: file.scene, width: file.width, height: file.height, ...c, oursDamageMs: ourDamageMs(file, count) };
}

function packageVersion(pkg: string): string {
  const { execFileSync } = process.getBuiltinModule("node:child_process") as typeof import("node:child_process");
  try {
    return execFileSync("dpkg-query", ["-W", "-f=${Version}", pkg], { encoding: "utf8" });
  } catch {
    return "?";
  }
}

export interface ComparisonPlan {
  sizes: Array<[number, number]>;
  scenes: RecordedScene[];
  encodings: string[];
  /** frames recorded per scene and height (frame 0 warms up, the rest are measured) */
  frames: (scene: RecordedScene, height: number) => number;
  baselineFrames: (height: number) => number;
  /** runs per server and encoding, interleaved across the servers; the one with the most fps is kept */
  rounds: (scene: RecordedScene, height: number) => number;
  /** unmeasured play before each measured pass */
  warmUp: WarmUp;
}

export function comparisonPlan(quick: boolean): ComparisonPlan {
  return quick
    ? { sizes: [[320, 240]], scenes: ["desktop"], encodings: ["raw", "tight"], frames: () => 6, baselineFrames: () => 6, rounds: () => 1, warmUp: { minFrames: 0, maxMs: 0 } }
    : {
        sizes: [[1920, 1080], [3840, 2160]],
        scenes: ["typing", "desktop", "video"],
        encodings: [...COMPARED_ENCODINGS],
        // full-motion video costs every server ~0.1–1 s a frame in the lossless encodings: fewer frames
        frames: (scene, h) => (scene === "video" ? (h > 1080 ? 7 : 21) : h > 1080 ? 16 : 46),
        baselineFrames: (h) => (h > 1080 ? 6 : 11),
        // other work on the shared machine stalls a run now and then: the better of two runs is kept where
        // runs are short (1080p typing and desktop)
        rounds: (scene, h) => (scene === "video" || h > 1080 ? 1 : 2),
        warmUp: STEADY_STATE_WARM_UP,
      };
}

/** `progress` gets the report so far after each recording (a long run leaves partial results if stopped). */
export async function benchServerComparison(
  quick: boolean,
  log: (line: string) => void = () => {},
  progress: (partial: ComparisonReport) => void = () => {},
): Promise<ComparisonReport> {
  const tools = peerTools();
  const plan = comparisonPlan(quick);
  const rows: ComparisonRow[] = [];
  const baselines: Baseline[] = [];
  const versions = { libvncserver: packageVersion("libvncserver-dev"), xvnc: packageVersion("tigervnc-standalone-server") };
  const floor = await measureEventLoopFloor(tools.floorServer, quick);
  log(`event-loop floor: C ${floor.cMs.toFixed(3)} ms, Node ${floor.nodeMs.toFixed(3)} ms CPU a frame`);
  for (const [w, h] of plan.sizes) {
    for (const scene of plan.scenes) {
      const file = recordedFrames(scene, w, h, plan.frames(scene, h));
      baselines.push(baseline(file, tools, Math.min(file.frames, plan.baselineFrames(h))));
      for (const encoding of plan.encodings) {
        const best = new Map<ServerKind, ComparisonRow>();
        for (let round = 0; round < plan.rounds(scene, h); round++) {
          for (const server of SERVERS) {
            const row = await compareOne(server, file, encoding, tools, plan.warmUp);
            log(`${server} ${scene} ${w}x${h} ${encoding}: ${row.fps.toFixed(1)} fps, ${row.serverCpuMsPerFrame.toFixed(2)} ms CPU/frame, ${Math.round(row.bytesPerFrame)} B/frame, p50 ${row.latencyP50Ms.toFixed(1)} ms`);
            const kept = best.get(server);
            if (!kept || row.fps > kept.fps || (row.fps === kept.fps && row.latencyP50Ms < kept.latencyP50Ms)) best.set(server, row);
          }
        }
        rows.push(...SERVERS.map((s) => best.get(s)!));
      }
      progress({ quick, rows, baselines, floor, versions, warmUp: plan.warmUp });
    }
  }
  return { quick, rows, baselines, floor, versions, warmUp: plan.warmUp };
}
