/**
 * The guest in a worker thread: the worker draws into the device's SharedArrayBuffer memory while its
 * register accesses are served on the main thread. What the host sees must be exactly what the same
 * workload draws in-thread for the same seed and input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createMdpyParent } from "../../../src/drivers/mdpy/index.ts";
import { BochsDisplay } from "../../../src/guest/bochs-display.ts";
import { MdpyDisplay } from "../../../src/guest/mdpy-display.ts";
import { MdpyGuest } from "../../../src/guest/mdpy-guest.ts";
import type { GuestDisplay } from "../../../src/guest/guest-display.ts";
import { chordEvents, Keysym, keysymEventsFor, type InputEvent } from "../../../src/guest/workloads/input.ts";
import { createWorkload, type WorkloadSpec } from "../../../src/guest/workloads/registry.ts";
import { WorkloadRunner } from "../../../src/guest/workloads/runner.ts";
import { GuestVcpu } from "../../../src/guest/workloads/worker/guest-vcpu.ts";
import { HostKernel } from "../../../src/kernel/host-kernel.ts";
import type { DeviceFile } from "../../../src/abi/index.ts";
import { bochsFixture } from "../../helpers/bochs-fixture.ts";
import { nextUuid } from "../../helpers/ioctl-args.ts";
import { hostFrame, primaryDmabufId } from "./host-view.ts";

const VGA = { width: 640, height: 480 };

/** A script: frames to run, then input to send, and so on. */
type Script = Array<number | InputEvent[]>;

function inThread(display: GuestDisplay, spec: WorkloadSpec, script: Script): void {
  const r = new WorkloadRunner(createWorkload(spec), display, { rateHz: 60 });
  for (const s of script) {
    if (typeof s === "number") r.step(s);
    else for (const e of s) r.input(e);
  }
}

async function inWorker(vcpu: GuestVcpu, script: Script): Promise<void> {
  for (const s of script) {
    if (typeof s === "number") await vcpu.runFrames(s);
    else for (const e of s) vcpu.input(e);
  }
}

/** A bochs vGPU with no guest attached yet: the worker will attach to `guestDev`. */
function bochsDevice(): { dev: DeviceFile; guestDev: DeviceFile } {
  const f = bochsFixture();
  f.guest.detach();
  return { dev: f.dev, guestDev: f.guestDev };
}

test("desktop in a worker: same host frames as in-thread for the same seed and input; two framebuffers alternate", async () => {
  const spec: WorkloadSpec = { kind: "desktop", options: { seed: 7, mode: VGA } };
  const script: Script = [10, [{ type: "pointer", x: 200, y: 150, buttons: 0 }, ...keysymEventsFor("hi")], 10, [{ type: "pointer", x: 420, y: 300, buttons: 0 }], 5];
  const local = bochsFixture();
  inThread(new BochsDisplay(local.guest), spec, script);
  const want = hostFrame(local.dev).hash;

  const { dev, guestDev } = bochsDevice();
  const vcpu = await GuestVcpu.spawn({ dev: guestDev, guest: "bochs", workload: spec, rateHz: 60 });
  try {
    assert.deepEqual(vcpu.info, { mode: VGA, bufferCount: 2, hasCursor: false });
    await inWorker(vcpu, script);
    assert.equal(vcpu.frames, 25);
    assert.equal(hostFrame(dev).hash, want, "worker and in-thread frames are identical");
    const ids = new Set<number>();
    for (let i = 0; i < 4; i++) {
      await vcpu.runFrames(1);
      ids.add(primaryDmabufId(dev)!);
    }
    assert.equal(ids.size, 2, "page flips reach the device model on the main thread");
    assert.ok(vcpu.deviceRequests > 25 * 2, "every flip is a register access served here");
  } finally {
    await vcpu.terminate();
  }
});

test("session in a worker: console typing, clipboard out, and VT switches that reuse the framebuffers", async () => {
  const spec: WorkloadSpec = { kind: "session", options: { seed: 3, mode: VGA, initialVt: 1, console: { bootLines: 8, bootMs: 80, autologin: "root" } } };
  const script: Script = [
    12,
    keysymEventsFor("echo from-the-worker | xclip\r"),
    2,
    chordEvents(Keysym.Control_L, Keysym.Alt_L, Keysym.F2),
    4,
    chordEvents(Keysym.Control_L, Keysym.Alt_L, Keysym.F1),
    2,
  ];
  const local = bochsFixture();
  inThread(new BochsDisplay(local.guest), spec, script);
  const want = hostFrame(local.dev).hash;

  const { dev, guestDev } = bochsDevice();
  const vcpu = await GuestVcpu.spawn({ dev: guestDev, guest: "bochs", workload: spec, rateHz: 60 });
  const copies: string[] = [];
  vcpu.onClipboard((o) => copies.push(o.text));
  const ids = new Set<number>();
  try {
    for (const s of script) {
      if (typeof s === "number") {
        for (let i = 0; i < s; i++) {
          await vcpu.runFrames(1);
          const id = primaryDmabufId(dev);
          if (id !== undefined) ids.add(id);
        }
      } else for (const e of s) vcpu.input(e);
    }
    assert.deepEqual(copies, ["from-the-worker"]);
    assert.equal(vcpu.clipboardOut?.text, "from-the-worker");
    assert.equal(ids.size, 2, `ids ${[...ids]}`);
    assert.equal(hostFrame(dev).hash, want);
  } finally {
    await vcpu.terminate();
  }
});

test("mdpy guest in a worker (region plane) matches in-thread; paced running advances at about the set rate", async () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  /** Two fds of one new mdpy vGPU: the host's and the guest's. */
  const open = (): [DeviceFile, DeviceFile] => {
    const uuid = nextUuid();
    assert.equal(kernel.bus.create("mdpy", "mdpy-vga", uuid), 0);
    const a = kernel.openDevice(uuid);
    const b = kernel.openDevice(uuid);
    assert.ok(typeof a !== "number" && typeof b !== "number");
    return [a, b];
  };
  const spec: WorkloadSpec = { kind: "video", options: { seed: 11 } };
  const [local, localGuest] = open();
  inThread(new MdpyDisplay(MdpyGuest.attach(localGuest)), spec, [6]);
  const [hostDev, guestDev] = open();
  const vcpu = await GuestVcpu.spawn({ dev: guestDev, guest: "mdpy", workload: spec, rateHz: 60 });
  try {
    await vcpu.runFrames(6);
    assert.equal(hostFrame(hostDev, "region").hash, hostFrame(local, "region").hash);
    vcpu.start();
    await new Promise((r) => setTimeout(r, 300));
    const stats = await vcpu.pause();
    // Paced by the worker's clock: never ahead of the wall clock, and running.
    assert.ok(stats.frames <= stats.wallMs / (1000 / 60) + 2, `${stats.frames} frames in ${stats.wallMs} ms at 60 Hz`);
    assert.ok(stats.frames >= 3, `it ran (${stats.frames} frames)`);
    assert.equal(vcpu.frames, 6 + stats.frames);
  } finally {
    await vcpu.terminate();
  }
});

test("a guest that fails to attach rejects spawn with the worker's error", async () => {
  const { guestDev } = bochsDevice();
  await assert.rejects(
    GuestVcpu.spawn({ dev: guestDev, guest: "mdpy", workload: { kind: "video", options: { seed: 1 } }, rateHz: 60 }),
    /not an mdpy device/,
  );
});
