/**
 * The worker thread's entry: a vCPU loop. It attaches the guest driver to a RemoteDeviceFile, builds the
 * workload from its spec and then loops without returning to the event loop: drain control messages (with
 * receiveMessageOnPort), draw a frame when one is due, else sleep in Atomics.wait until the next frame's
 * slot or until the main thread signals a message. See protocol.ts.
 */
import { receiveMessageOnPort, workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { createWorkload } from "../registry.ts";
import { WorkloadRunner, type FrameStats } from "../runner.ts";
import { attachGuestDisplay } from "./guest-displays.ts";
import { CtlIndex, type ControlMessage, type WorkerInit, type WorkerMessage } from "./protocol.ts";
import { RemoteDeviceFile } from "./remote-device-file.ts";

const MAX_BACKLOG_PERIODS = 3;
/** fd number the guest sees for its device (cosmetic: the worker has no fd table) */
const GUEST_FD = 3;

async function main(init: WorkerInit): Promise<void> {
  const { ctlPort, ctl } = init;
  const send = (m: WorkerMessage): void => ctlPort.postMessage(m);
  try {
    const dev = new RemoteDeviceFile(GUEST_FD, init.rpcPort, ctl);
    const display = await attachGuestDisplay(init.guest, dev, init.shared);
    const workload = createWorkload(init.workload);
    workload.onClipboard((out) => send({ type: "clipboard", text: out.text, serial: out.serial }));
    const runner = new WorkloadRunner(workload, display, { rateHz: init.rateHz }).start();
    send({ type: "ready", mode: display.mode, bufferCount: display.bufferCount, hasCursor: display.hasCursor });
    vcpuLoop(runner, ctlPort, ctl, send);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    send({ type: "error", message: err.message, ...(err.stack ? { stack: err.stack } : {}) });
  }
}

function vcpuLoop(runner: WorkloadRunner, port: MessagePort, ctl: Int32Array, send: (m: WorkerMessage) => void): void {
  const period = runner.periodMs;
  let budget = 0;
  let realtime = false;
  let anchor = 0;
  let slot = 0;
  let stats = freshStats();
  let drawStart = 0;
  for (;;) {
    const seen = Atomics.load(ctl, CtlIndex.WAKE);
    for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) {
      const msg = got.message as ControlMessage;
      switch (msg.type) {
        case "input":
          runner.input(msg.event);
          break;
        case "clipboard":
          runner.clipboard(msg.text);
          break;
        case "run":
          budget += Math.max(0, Math.floor(msg.frames));
          if (budget === 0) send({ type: "ran", frameIndex: runner.frameIndex });
          break;
        case "start":
          if (!realtime) {
            realtime = true;
            anchor = performance.now();
            slot = 0;
            stats = freshStats();
            drawStart = anchor;
          }
          break;
        case "pause":
          if (realtime) {
            realtime = false;
            stats.wallMs = performance.now() - drawStart;
          }
          send({ type: "paused", stats: finish(stats), frameIndex: runner.frameIndex });
          stats = freshStats();
          break;
        case "exit":
          port.close();
          return;
      }
    }
    if (budget > 0) {
      drawOne(runner, ctl, stats);
      budget--;
      if (budget === 0) send({ type: "ran", frameIndex: runner.frameIndex });
      continue;
    }
    if (realtime) {
      const now = performance.now();
      const due = anchor + slot * period;
      if (now >= due) {
        if (now - due > period) stats.late++;
        drawOne(runner, ctl, stats);
        slot++;
        const behind = (performance.now() - (anchor + slot * period)) / period;
        if (behind > MAX_BACKLOG_PERIODS) {
          const skip = Math.floor(behind);
          slot += skip;
          stats.droppedSlots += skip;
        }
        continue;
      }
      Atomics.wait(ctl, CtlIndex.WAKE, seen, due - now);
      continue;
    }
    Atomics.wait(ctl, CtlIndex.WAKE, seen);
  }
}

function drawOne(runner: WorkloadRunner, ctl: Int32Array, stats: FrameStats): void {
  const t0 = performance.now();
  runner.step(1);
  const dt = performance.now() - t0;
  stats.frames++;
  stats.meanMs += dt; // a sum until finish()
  if (dt > stats.maxMs) stats.maxMs = dt;
  Atomics.store(ctl, CtlIndex.FRAMES, runner.frameIndex);
}

function freshStats(): FrameStats {
  return { frames: 0, meanMs: 0, maxMs: 0, late: 0, droppedSlots: 0, wallMs: 0 };
}

function finish(s: FrameStats): FrameStats {
  return { ...s, meanMs: s.frames > 0 ? s.meanMs / s.frames : 0 };
}

await main(workerData as WorkerInit);
