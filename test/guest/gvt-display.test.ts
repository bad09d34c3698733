/** Workloads on the GVT guest through GvtDisplay, seen by the display consumer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DrmPlaneType, I915_FORMAT_MOD_X_TILED, type DeviceFile } from "../../src/abi/index.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { GvtDisplay } from "../../src/guest/gvt-display.ts";
import { GvtGuest } from "../../src/guest/gvt-guest.ts";
import { createWorkload } from "../../src/guest/workloads/registry.ts";
import { gvtDevice } from "../helpers/gvt-fixture.ts";
import { query } from "../helpers/ioctl-args.ts";

function setup(): { dev: DeviceFile; display: GvtDisplay } {
  const { dev, guestDev, ram } = gvtDevice();
  return { dev, display: new GvtDisplay(GvtGuest.attach(guestDev, ram, { shuffleSeed: 3 })) };
}

test("the desktop on GVT: X-tiled page flips alternate two ids, the pointer drives the cursor plane", () => {
  const { dev, display } = setup();
  const workload = createWorkload({ kind: "desktop", options: { seed: 5, mode: { width: 800, height: 600 } } });
  workload.start(display);
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  const moves: string[] = [];
  let shapes = 0;
  consumer.console.addListener({ cursorMove: (x, y) => moves.push(`${x},${y}`), cursorShape: () => shapes++ });
  const ids = new Set<number>();
  for (let i = 0; i < 6; i++) {
    workload.frame((i + 1) * 16);
    const q = query(dev, 2, DrmPlaneType.PRIMARY).info;
    assert.equal(q.drmFormatMod, I915_FORMAT_MOD_X_TILED);
    assert.deepEqual([q.width, q.height], [800, 600]);
    ids.add(q.id);
    consumer.refresh();
  }
  assert.equal(ids.size, 2, "two framebuffers alternate");
  assert.equal(consumer.cacheStats.misses, 3, "two primaries and one cursor: no GET after the first round");
  workload.input({ type: "pointer", x: 300, y: 200, buttons: 0 });
  workload.frame(200);
  consumer.refresh();
  assert.ok(shapes >= 1, "the cursor shape came from the cursor plane");
  const [x, y] = moves.at(-1)!.split(",").map(Number);
  assert.ok(Math.abs(x! - 300) <= 32 && Math.abs(y! - 200) <= 32, `cursor near the pointer, at ${moves.at(-1)}`);
  assert.notEqual(consumer.console.surface!.pixels[300 * 800 + 400], undefined);
  consumer.stop();
});

test("GvtDisplay refuses modes above its buffers and follows the EDID the host publishes", async () => {
  const { dev, display } = setup();
  assert.throws(() => display.setMode({ width: 2560, height: 1440 }), RangeError);
  const workload = createWorkload({ kind: "mode-follow", options: { seed: 1, mode: { width: 640, height: 480 }, pollMs: 0 } });
  workload.start(display);
  const consumer = new DisplayConsumer(dev, { edid: { debounceMs: 5, linkUpDelayMs: 5 } });
  consumer.start();
  assert.ok(consumer.edid, "GVT has an EDID region");
  assert.equal(consumer.console.requestSize(1280, 720), "forwarded");
  await new Promise((r) => setTimeout(r, 60));
  workload.frame(100);
  consumer.refresh();
  assert.deepEqual([consumer.console.surface!.width, consumer.console.surface!.height], [1280, 720]);
  consumer.stop();
});
