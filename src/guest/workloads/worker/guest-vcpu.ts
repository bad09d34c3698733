/**
 * A guest running in a worker thread beside the host, as a vCPU runs beside the VMM (see protocol.ts): the
 * main thread keeps the DeviceFile and the device model and serves the guest's register accesses; the
 * worker runs the guest driver and the workload and draws straight into the device's shared memory.
 *
 *   const vcpu = await GuestVcpu.spawn({ dev: guestFd, guest: "bochs", workload: { kind: "desktop", options: { seed: 1 } }, rateHz: 60 });
 *   await vcpu.runFrames(10);        // as fast as possible, in virtual time
 *   vcpu.start(); …; await vcpu.pause();   // or paced at 60 Hz by the worker's clock
 *   vcpu.input({ type: "pointer", x: 10, y: 20, buttons: 0 });
 *   await vcpu.terminate();
 *
 * The main thread must keep its event loop turning while the guest runs (await, don't block): every
 * register access of the guest waits for it.
 */
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { DeviceFile } from "../../../abi/index.ts";
import type { DisplayMode } from "../../guest-display.ts";
import type { InputEvent } from "../input.ts";
import type { WorkloadSpec } from "../registry.ts";
import type { FrameStats } from "../runner.ts";
import type { ClipboardOut } from "../workload.ts";
import { DeviceServer } from "./device-server.ts";
import { CTL_WORDS, CtlIndex, type ControlMessage, type GuestKind, type WorkerInit, type WorkerMessage } from "./protocol.ts";

export interface GuestVcpuOptions {
  /** the guest's own device fd (the worker's requests are applied to it) */
  dev: DeviceFile;
  guest: GuestKind;
  workload: WorkloadSpec;
  rateHz: number;
  /** extra shared memory for custom guests (e.g. { ram: guestRam.buffer }) */
  shared?: Record<string, SharedArrayBuffer>;
}

export interface GuestInfo {
  mode: DisplayMode | undefined;
  bufferCount: number;
  hasCursor: boolean;
}

type Waiter<T> = { resolve: (v: T) => void; reject: (e: Error) => void };

/**
 * The worker entry is TypeScript. A worker inherits no module loader hooks (neither a --import tsx nor one
 * registered through tsx's API), and Node 20 loads a worker's entry before --import hooks apply to it; so
 * the worker starts from a tiny CommonJS bootstrap that registers tsx's ESM loader, then imports the entry.
 */
const WORKER_URL = new URL("./guest-worker.ts", import.meta.url).href;
const TSX_API = import.meta.resolve("tsx/esm/api");
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL)}); });`;

export class GuestVcpu {
  private readonly ranWaiters: Array<Waiter<number>> = [];
  private readonly pauseWaiters: Array<Waiter<FrameStats>> = [];
  private readonly clipboardListeners: Array<(out: ClipboardOut) => void> = [];
  private lastClipboard: ClipboardOut | undefined;
  private failure: Error | undefined;
  private exited = false;
  private terminating = false;
  private readonly exitPromise: Promise<void>;
  private readonly deathListeners: Array<(error: Error) => void> = [];

  private constructor(
    private readonly worker: Worker,
    private readonly server: DeviceServer,
    private readonly ctlPort: MessagePort,
    private readonly ctl: Int32Array,
    readonly info: GuestInfo,
  ) {
    this.exitPromise = new Promise((resolve) => worker.once("exit", () => resolve()));
  }

  static async spawn(options: GuestVcpuOptions): Promise<GuestVcpu> {
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
    const rpc = new MessageChannel();
    const control = new MessageChannel();
    const init: WorkerInit = {
      rpcPort: rpc.port2,
      ctlPort: control.port2,
      ctl,
      guest: options.guest,
      workload: options.workload,
      rateHz: options.rateHz,
      shared: options.shared ?? {},
    };
    const server = new DeviceServer(options.dev, rpc.port1, ctl);
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: init,
      transferList: [rpc.port2, control.port2],
      execArgv: [],
    });
    const ctlPort = control.port1;
    let vcpu: GuestVcpu | undefined;
    const ready = new Promise<GuestInfo>((resolve, reject) => {
      ctlPort.on("message", (m: WorkerMessage) => {
        if (m.type === "ready") resolve({ mode: m.mode, bufferCount: m.bufferCount, hasCursor: m.hasCursor });
        else if (m.type === "error" && !vcpu) reject(workerError(m));
        else vcpu?.onMessage(m);
      });
      worker.once("error", (e) => (vcpu ? vcpu.fail(e) : reject(e)));
      worker.once("exit", (code) => {
        if (!vcpu) reject(new Error(`guest worker exited (code ${code}) before it was ready`));
        else vcpu.onExit(code);
      });
    });
    let info: GuestInfo;
    try {
      info = await ready;
    } catch (e) {
      server.close();
      ctlPort.close();
      await worker.terminate();
      throw e;
    }
    vcpu = new GuestVcpu(worker, server, ctlPort, ctl, info);
    return vcpu;
  }

  /** Frames the guest has drawn. */
  get frames(): number {
    return Atomics.load(this.ctl, CtlIndex.FRAMES);
  }

  /** Register accesses the main thread has served for this guest. */
  get deviceRequests(): number {
    return this.server.served;
  }

  get clipboardOut(): ClipboardOut | undefined {
    return this.lastClipboard;
  }

  onClipboard(listener: (out: ClipboardOut) => void): void {
    this.clipboardListeners.push(listener);
  }

  /** Draw `n` more frames as fast as the guest can; resolves with the guest's frame count after them. */
  runFrames(n: number): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.ranWaiters.push({ resolve, reject });
      this.post({ type: "run", frames: n });
    });
  }

  /** Draw at the set rate (paced in the worker) until pause(). */
  start(): void {
    this.post({ type: "start" });
  }

  /** Stop paced drawing; resolves with the statistics of the run. */
  pause(): Promise<FrameStats> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.pauseWaiters.push({ resolve, reject });
      this.post({ type: "pause" });
    });
  }

  /** Input for the guest: applied before its next frame. */
  input(event: InputEvent): void {
    this.post({ type: "input", event });
  }

  clipboard(text: string): void {
    this.post({ type: "clipboard", text });
  }

  /**
   * Be told once if the guest dies on its own: its worker exits or reports an error without terminate()
   * having been asked for (a crashed vCPU thread, a guest driver or workload that threw).
   */
  onDeath(listener: (error: Error) => void): void {
    this.deathListeners.push(listener);
  }

  /** The error the guest died of, if it did. */
  get deathError(): Error | undefined {
    return this.terminating ? undefined : this.failure;
  }

  /** Fault injection: stop the worker thread abruptly, as if the vCPU thread crashed (reported through onDeath). */
  kill(): Promise<void> {
    void this.worker.terminate();
    return this.exitPromise;
  }

  /** Stop the guest and release what the main thread held for it. The DeviceFile stays open. */
  async terminate(): Promise<void> {
    this.terminating = true;
    if (!this.exited) {
      this.post({ type: "exit" });
      const timer = setTimeout(() => void this.worker.terminate(), 2000);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.server.close();
    this.ctlPort.close();
  }

  private post(m: ControlMessage): void {
    if (this.exited) throw this.failure ?? new Error("the guest worker has exited");
    this.ctlPort.postMessage(m);
    Atomics.add(this.ctl, CtlIndex.WAKE, 1);
    Atomics.notify(this.ctl, CtlIndex.WAKE);
  }

  private onMessage(m: WorkerMessage): void {
    switch (m.type) {
      case "ran":
        this.ranWaiters.shift()?.resolve(m.frameIndex);
        break;
      case "paused":
        this.pauseWaiters.shift()?.resolve(m.stats);
        break;
      case "clipboard": {
        const out = { text: m.text, serial: m.serial };
        this.lastClipboard = out;
        for (const l of this.clipboardListeners) l(out);
        break;
      }
      case "error":
        this.fail(workerError(m));
        break;
      case "ready":
        break;
    }
  }

  private fail(e: Error): void {
    const first = this.failure === undefined;
    this.failure ??= e;
    for (const w of this.ranWaiters.splice(0)) w.reject(e);
    for (const w of this.pauseWaiters.splice(0)) w.reject(e);
    if (first && !this.terminating) for (const l of this.deathListeners.splice(0)) l(e);
  }

  private onExit(code: number): void {
    this.exited = true;
    this.fail(this.failure ?? new Error(`guest worker exited (code ${code})`));
  }
}

function workerError(m: { message: string; stack?: string }): Error {
  const e = new Error(`guest worker: ${m.message}`);
  if (m.stack) e.stack = `${e.message}\n--- in the worker ---\n${m.stack}`;
  return e;
}
