/**
 * The VNC server end to end: a guest workload on the model's mbochs, its guest in a vCPU worker thread as a
 * VMM runs it, the display consumer, our server, and 1, 10 or 100 viewers in another process (continuous
 * updates). Per encoding × scene × resolution: server CPU ms per frame (process CPU, user + system,
 * including zlib/JPEG on the thread pool, minus the guest thread's own CPU from /proc), bytes per frame to
 * one client, frames per second delivered, and latency from the moment a frame is shown (its flip, or its
 * 60 Hz slot if it was drawn early) to the last byte of it handed to every client's socket. Frames are paced
 * at 60 Hz at most: frame i is taken when frame i−1 is delivered and its slot has come; the guest starts
 * drawing frame i+1 into its back buffer as frame i is taken (a page-flipping guest), so its drawing runs
 * beside the server's work on frame i, and its flip waits for the device (the main thread) as an MMIO exit
 * waits for the VMM.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { deflate } from "node:zlib";
import { keysymEventsFor } from "../src/guest/workloads/input.ts";
import { Encoding, PseudoEncoding } from "../src/rfb/encodings.ts";
import { NoneSecurity } from "../src/rfb/security/none.ts";
import { RfbServer } from "../src/rfb/server.ts";
import { mbochsWithGuestVcpu, sceneSpec } from "./model-display.ts";
import { newThreads, threadsCpuMs } from "./thread-cpu.ts";
import { untilSlot } from "./frame-slot.ts";
import { cpuListOf, cpuPlacement, pinnedCommand, pinProcess, pinThread } from "./cpu-pinning.ts";

export type ServerScene = "desktop" | "video" | "typing";

export interface ServerBenchResult {
  scene: ServerScene;
  width: number;
  height: number;
  encoding: string;
  clients: number;
  /** the server's threads had one CPU to themselves; the guest's vCPU thread and the viewers ran on the others */
  serverOneCore: boolean;
  /** with serverOneCore: the CPUs the server, its guest's vCPU thread and the viewers were seen pinned to */
  placement?: { server: string; guest: string; viewers: string };
  frames: number;
  fps: number;
  serverCpuMsPerFrame: number;
  /** the kernel's share of it (socket writes; on loopback the kernel also delivers to the viewers' sockets) */
  serverSysMsPerFrame: number;
  /** the guest's drawing (its vCPU thread), which shares this machine's cores with the server and viewers */
  guestCpuMsPerFrame: number;
  bytesPerFrame: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

// every setting lists CopyRect too, as TigerVNC and noVNC always do: a server that can tell what moved uses it
export const ENCODING_SETTINGS: Record<string, number[]> = {
  raw: [Encoding.Raw, Encoding.CopyRect],
  hextile: [Encoding.Hextile, Encoding.CopyRect],
  zrle: [Encoding.ZRLE, Encoding.CopyRect],
  tight: [Encoding.Tight, Encoding.CopyRect, PseudoEncoding.CompressLevel0 + 2],
  "tight-jpeg-q80": [Encoding.Tight, Encoding.CopyRect, PseudoEncoding.CompressLevel0 + 2, PseudoEncoding.FineQuality0 + 80, PseudoEncoding.Subsamp1X + 2],
};

const CLIENT_SCRIPT = new URL("./rfb-bench-clients.ts", import.meta.url).pathname;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
}

/**
 * One scene × size × encoding × client count: `frames` measured after `warmFrames` served unmeasured (the
 * JIT compiling the hot code, caches and reused buffers settle first). With `serverOneCore` the server's
 * threads run on the first CPU this process may use, and the guest's vCPU thread and the viewers on the
 * others (issue 5's "on one core"); otherwise the scheduler places everything.
 */
export async function benchServer(
  scene: ServerScene,
  width: number,
  height: number,
  encoding: string,
  clients: number,
  frames: number,
  warmFrames = 60,
  serverOneCore = false,
): Promise<ServerBenchResult> {
  const cpus = serverOneCore ? cpuPlacement() : undefined;
  if (cpus && !cpus.others) throw new Error("one core for the server needs a machine with two or more CPUs");
  await warmThreadPool();
  const { value: model, tids: guestThreads } = await newThreads(() => mbochsWithGuestVcpu(sceneSpec(scene, width, height), { refreshHz: 1 }));
  if (cpus) {
    pinProcess(process.pid, cpus.server);
    for (const tid of guestThreads) pinThread(tid, cpus.others!);
  }
  const { vcpu, consumer } = model;
  const keys = keysymEventsFor("the quick brown fox jumps over the lazy dog ");
  const typeInto = (i: number): void => {
    if (scene === "typing") for (const e of keys.slice((i * 2) % keys.length, ((i * 2) % keys.length) + 2)) vcpu.input(e);
  };
  await vcpu.runFrames(30);
  consumer.start();
  consumer.refresh();

  const server = new RfbServer({ console: consumer.console, tcp: { host: "127.0.0.1", port: 0 }, security: [new NoneSecurity()], maxClients: clients + 4 });
  const { tcp } = await server.listen();
  const viewerArgs = ["--import", "tsx", CLIENT_SCRIPT, String(tcp!.port), String(clients), ENCODING_SETTINGS[encoding]!.join(","), "xrgb"];
  const [command, args] = cpus ? pinnedCommand(cpus.others!, process.execPath, viewerArgs) : [process.execPath, viewerArgs];
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const nextLine = (): Promise<string> => once(lines, "line").then(([l]) => l as string);
  if ((await nextLine()) !== "ready") throw new Error("bench clients failed to start");
  // read back once the viewers run (before that the child may still be taskset, on the server's CPU)
  const placement = cpus && { server: cpuListOf(process.pid), guest: cpuListOf(guestThreads[0]!), viewers: cpuListOf(child.pid!) };

  // woken by the connections themselves: a polling loop here would burn the core the server needs
  const caughtUp = (): Promise<boolean> => server.whenCaughtUp(5000);
  await caughtUp();
  // The guest draws frame i+1 in its thread while this one sends frame i. A frame is shown at its 60 Hz
  // slot at the earliest (the display's vblank): latency runs from the later of its flip and its slot.
  let next = 0;
  const drawNext = (): Promise<number> => {
    typeInto(next++);
    return vcpu.runFrames(1).then(() => performance.now());
  };
  let drawn = drawNext();
  const play = async (count: number, latencies: number[]): Promise<void> => {
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const slot = start + (i * 1000) / 60;
      await untilSlot(slot);
      const shown = Math.max(await drawn, slot);
      // frame i is on screen: the guest starts frame i+1 in its back buffer at once, as a compositor does
      // after a flip, while the consumer reads frame i from the front buffer
      drawn = drawNext();
      consumer.refresh();
      await caughtUp();
      latencies.push(performance.now() - shown);
    }
  };
  await play(warmFrames, []);
  const bytes0 = server.connections[0]!.stats.bytes;
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const guest0 = threadsCpuMs(guestThreads);
  const wall0 = performance.now();
  await play(frames, latencies);
  const wall = performance.now() - wall0;
  await drawn;
  const cpu = process.cpuUsage(cpu0);
  const guestMs = threadsCpuMs(guestThreads) - guest0;
  const perClientBytes = server.connections[0]!.stats.bytes - bytes0;
  child.stdin!.write("stop\n");
  await nextLine().catch(() => "");
  child.kill();
  await server.close();
  consumer.stop();
  await vcpu.terminate();
  // the benchmarks after this one get the whole machine again
  if (cpus) pinProcess(process.pid, cpus.all);
  return {
    scene,
    width,
    height,
    encoding,
    clients,
    serverOneCore,
    ...(placement && { placement }),
    frames,
    // the last frame owns its whole 60 Hz slot: a pipeline that keeps up reports 60, not more
    fps: (frames * 1000) / Math.max(wall, (frames * 1000) / 60),
    serverCpuMsPerFrame: ((cpu.user + cpu.system) / 1000 - guestMs) / frames,
    serverSysMsPerFrame: cpu.system / 1000 / frames,
    guestCpuMsPerFrame: guestMs / frames,
    bytesPerFrame: perClientBytes / frames,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP95Ms: percentile(latencies, 0.95),
  };
}

/** libuv's pool starts on first use: start it before a worker is spawned, so the new thread is the worker's. */
function warmThreadPool(): Promise<void> {
  return new Promise((resolve, reject) => deflate(Buffer.alloc(1), (e) => (e ? reject(e) : resolve())));
}

/** The matrix: every encoding × scene × resolution to one client; Tight to 1, 10 and 100 clients. */
export async function benchServerMatrix(quick: boolean): Promise<ServerBenchResult[]> {
  const out: ServerBenchResult[] = [];
  const sizes: Array<[number, number]> = quick ? [[320, 240]] : [[1920, 1080], [3840, 2160]];
  const scenes: ServerScene[] = quick ? ["desktop"] : ["typing", "desktop", "video"];
  const encodings = quick ? ["raw", "tight"] : Object.keys(ENCODING_SETTINGS);
  const frames = (h: number): number => (quick ? 5 : h > 1080 ? 60 : 90);
  // 360 warm frames (6 s at 60 Hz): V8 optimizes code that runs once a frame only after hundreds of frames
  // (4K desktop Tight, one viewer, same sitting: 53.8–56.3 fps at 11.8–12.3 ms a frame after 60 warm frames,
  // 57.6–58.5 fps at 10.9–11.3 ms after 360); full-motion video in the lossless encodings runs at a few frames
  // per second: fewer warm frames
  const warm = (scene: ServerScene): number => (quick ? 2 : scene === "video" ? 20 : 360);
  for (const [w, h] of sizes) {
    for (const scene of scenes) for (const enc of encodings) out.push(await benchServer(scene, w, h, enc, 1, frames(h), warm(scene)));
    for (const n of quick ? [3] : [10, 100]) out.push(await benchServer("desktop", w, h, "tight", n, frames(h), warm("desktop")));
    // the target's "on one core": the server alone on CPU 0, the guest and the viewer on the others
    if (cpuPlacement().others) out.push(await benchServer("desktop", w, h, "tight", 1, frames(h), warm("desktop"), true));
  }
  return out;
}
