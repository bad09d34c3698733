/**
 * The guest-in-a-worker protocol. The guest runs in a worker thread the way a vCPU runs beside the VMM:
 *
 *   worker (vCPU)                                   main thread (VMM + host kernel model)
 *   ───────────────────────────────────────────     ─────────────────────────────────────────
 *   guest driver + workload + runner                owns the DeviceFile (the guest's fd)
 *   RemoteDeviceFile: pread/pwrite/ioctl/mmap ──rpc──▶ DeviceServer applies them to the DeviceFile
 *     (blocks in Atomics.wait, like an MMIO exit)  ◀──── reply, then Atomics.notify
 *   draws straight into mapped memory: the mapping    mmap replies carry the mapping's SharedArrayBuffer
 *   is a view of the device's SharedArrayBuffer       (mbochs VRAM, mdpy framebuffer): no copy, ever
 *   loop: drain control messages, draw a frame,  ◀──ctl── input, clipboard, run N frames, start/pause, exit
 *     sleep in Atomics.wait until the next slot  ──ctl──▶ ready, ran, paused, clipboard, error
 *
 * So register-level operations (DISPI writes for a mode set or a flip, EDID reads, region info) reach the
 * device model on the main thread synchronously and in order, and pixels never cross a message.
 *
 * Two MessageChannels and one shared Int32Array (`ctl`):
 *   ctl[RPC_READY]  0 while the worker waits for a reply; the server stores 1 and notifies after replying.
 *                   The worker then takes the reply with receiveMessageOnPort (it never returns to its event
 *                   loop: it is a blocking vCPU loop).
 *   ctl[WAKE]       incremented (and notified) by the main thread after each control message, so a worker
 *                   sleeping until its next frame, or idle, wakes and drains its control port.
 *   ctl[FRAMES]     frames the worker has drawn (read by the main thread at any time).
 */
import type { MessagePort } from "node:worker_threads";
import type { InputEvent } from "../input.ts";
import type { WorkloadSpec } from "../registry.ts";
import type { FrameStats } from "../runner.ts";
import type { DisplayMode } from "../../guest-display.ts";

export const CtlIndex = { RPC_READY: 0, WAKE: 1, FRAMES: 2 } as const;
export const CTL_WORDS = 4;

/** A guest driver the worker attaches to its (remote) device file. */
export type GuestKind =
  | "bochs"
  | "mdpy"
  /**
   * Any other guest: `module` (a file URL) exports `export` as
   * (dev: DeviceFile, shared: Record<string, SharedArrayBuffer>) => GuestDisplay | Promise<GuestDisplay>.
   */
  | { module: string; export: string };

export interface WorkerInit {
  rpcPort: MessagePort;
  ctlPort: MessagePort;
  ctl: Int32Array;
  guest: GuestKind;
  workload: WorkloadSpec;
  rateHz: number;
  /** extra shared memory for custom guests (e.g. GuestRam's buffer) */
  shared: Record<string, SharedArrayBuffer>;
}

// Worker → main, on the rpc port. Argument bytes are copied (structured clone); pixels never travel.
export type RpcRequest =
  | { op: "pread"; length: number; offset: number }
  | { op: "pwrite"; data: Uint8Array; offset: number }
  | { op: "ioctl"; request: number; arg: number | Uint8Array | undefined }
  | { op: "mmap"; length: number; prot: number; flags: number; offset: number }
  | { op: "munmap"; handle: number }
  | { op: "close" };

export type RpcReply =
  | { ret: number; data?: Uint8Array }
  | { ret: number; handle: number; buffer: SharedArrayBuffer; byteOffset: number; length: number };

// Main → worker, on the ctl port.
export type ControlMessage =
  | { type: "input"; event: InputEvent }
  | { type: "clipboard"; text: string }
  /** draw this many more frames as fast as possible */
  | { type: "run"; frames: number }
  /** draw at the set rate, paced by the monotonic clock, until paused */
  | { type: "start" }
  | { type: "pause" }
  | { type: "exit" };

// Worker → main, on the ctl port.
export type WorkerMessage =
  | { type: "ready"; mode: DisplayMode | undefined; bufferCount: number; hasCursor: boolean }
  | { type: "ran"; frameIndex: number }
  | { type: "paused"; stats: FrameStats; frameIndex: number }
  | { type: "clipboard"; text: string; serial: number }
  | { type: "error"; message: string; stack?: string };
