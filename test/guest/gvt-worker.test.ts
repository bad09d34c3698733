/** The GVT guest in a worker thread: GGTT and register writes by RPC, pixels straight into shared guest RAM. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { GVT_WORKER_SHUFFLE_SEED, gvtGuestDisplay } from "../../src/guest/gvt-worker-guest.ts";
import { createWorkload, type WorkloadSpec } from "../../src/guest/workloads/registry.ts";
import { WorkloadRunner } from "../../src/guest/workloads/runner.ts";
import { GuestVcpu } from "../../src/guest/workloads/worker/guest-vcpu.ts";
import { gvtDevice } from "../helpers/gvt-fixture.ts";


function hostHash(consumer: DisplayConsumer): string {
  consumer.refresh();
  const s = consumer.console.surface!;
  return createHash("sha256").update(new Uint8Array(s.pixels.buffer, 0, s.width * s.height * 4)).digest("hex");
}

test("desktop on GVT in a worker shows the host exactly what it draws in-thread", async () => {
  assert.equal(GVT_WORKER_SHUFFLE_SEED, 3);
  const spec: WorkloadSpec = { kind: "desktop", options: { seed: 11, mode: { width: 640, height: 480 } } };
  const pointer = { type: "pointer" as const, x: 250, y: 180, buttons: 0 };

  const local = gvtDevice();
  const runner = new WorkloadRunner(createWorkload(spec), gvtGuestDisplay(local.guestDev, { ram: local.ram.buffer }), { rateHz: 60 });
  runner.step(8);
  runner.input(pointer);
  runner.step(4);
  const localConsumer = new DisplayConsumer(local.dev);
  localConsumer.start();
  const want = hostHash(localConsumer);

  const remote = gvtDevice();
  const vcpu = await GuestVcpu.spawn({
    dev: remote.guestDev,
    guest: { module: new URL("../../src/guest/gvt-worker-guest.ts", import.meta.url).href, export: "gvtGuestDisplay" },
    shared: { ram: remote.ram.buffer },
    workload: spec,
    rateHz: 60,
  });
  try {
    assert.equal(vcpu.info.hasCursor, true);
    await vcpu.runFrames(8);
    vcpu.input(pointer);
    await vcpu.runFrames(4);
    const consumer = new DisplayConsumer(remote.dev);
    consumer.start();
    assert.equal(hostHash(consumer), want);
    assert.deepEqual(consumer.console.cursorPosition, localConsumer.console.cursorPosition);
  } finally {
    await vcpu.terminate();
  }
});
