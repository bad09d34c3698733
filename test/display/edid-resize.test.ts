/** EDID generation and the resize path: Console.requestSize → debounce → clamp → DOWN, blob, UP → guest mode → new surface. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { GfxEdidOffset, getU32 } from "../../src/abi/index.ts";
import { generateEdid, reducedBlankingTiming } from "../../src/display/edid-generate.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { createMdpyParent } from "../../src/drivers/mdpy/index.ts";
import { BochsDisplay } from "../../src/guest/bochs-display.ts";
import { edidPreferredMode } from "../../src/guest/edid-preferred-mode.ts";
import { ModeFollowWorkload } from "../../src/guest/workloads/mode-follow.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { nextUuid } from "../helpers/ioctl-args.ts";

test("generated EDIDs are valid 1.4 blocks whose preferred timing is the size asked for", () => {
  for (const [w, h] of [[640, 480], [1024, 768], [1920, 1080], [2560, 1440], [3840, 2160], [4095, 4095], [64, 64]] as const) {
    const e = generateEdid({ width: w, height: h });
    assert.equal(e.length, 128);
    assert.deepEqual([...e.subarray(0, 8)], [0, 255, 255, 255, 255, 255, 255, 0]);
    assert.equal(e.reduce((a, b) => a + b, 0) % 256, 0, "checksum");
    assert.deepEqual([e[18], e[19]], [1, 4]);
    assert.deepEqual(edidPreferredMode(e), { width: w, height: h });
  }
  assert.equal(reducedBlankingTiming(1920, 1080).refreshHz, 60);
  assert.equal(reducedBlankingTiming(4095, 4095).refreshHz < 60, true, "a clock that does not fit drops the refresh rate");
  assert.throws(() => generateEdid({ width: 4096, height: 100 }), RangeError);
  assert.throws(() => generateEdid({ width: 0, height: 100 }), RangeError);
  assert.equal(String.fromCharCode(...generateEdid({ width: 800, height: 600, name: "abc" }).subarray(95, 99)), "abc\n");
});

async function resizeScenario(type: string, request: [number, number]) {
  const { dev, guest } = bochsFixture({ type });
  const display = new BochsDisplay(guest);
  const workload = new ModeFollowWorkload({ seed: 1, mode: { width: 640, height: 480 }, pollMs: 0 });
  workload.start(display);
  const consumer = new DisplayConsumer(dev, { edid: { debounceMs: 30, linkUpDelayMs: 10 } });
  consumer.start();
  const sizes: string[] = [];
  consumer.console.addListener({ surface: (s) => sizes.push(`${s.width}x${s.height}`) });
  consumer.refresh();
  // a burst of requests, as a window being dragged sends: only the last one counts
  for (const w of [700, 900, 1000]) assert.equal(consumer.console.requestSize(w, 700), "forwarded");
  assert.equal(consumer.console.requestSize(...request), "forwarded");
  await sleep(120);
  workload.frame(1000);
  consumer.refresh();
  consumer.stop();
  return { sizes, dev, resizer: consumer.edid! };
}

test("a size request reaches the guest through the EDID and the Console announces the new mode", async () => {
  const { sizes, dev, resizer } = await resizeScenario("mbochs-large", [1280, 720]);
  assert.deepEqual(sizes, ["640x480", "1280x720"], "the burst before the last request was debounced away");
  assert.deepEqual(resizer.preferred, { width: 1280, height: 720 });
  const link = new Uint8Array(4);
  dev.pread(link, 0x2000 + GfxEdidOffset.linkState);
  assert.equal(getU32(link, 0), 1, "link UP after the delay");
});

test("a request beyond max_xres/max_yres is clamped (mbochs-small: 800x600)", async () => {
  const { sizes } = await resizeScenario("mbochs-small", [1920, 1080]);
  assert.deepEqual(sizes, ["640x480", "800x600"]);
});

test("a device without an EDID region answers size requests with 'unsupported'; bad sizes are 'invalid'", () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const uuid = nextUuid();
  kernel.bus.create("mdpy", "mdpy-vga", uuid);
  const dev = kernel.openDevice(uuid);
  assert.ok(typeof dev !== "number");
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  assert.equal(consumer.edid, undefined);
  assert.equal(consumer.console.requestSize(800, 600), "unsupported");
  assert.equal(consumer.console.requestSize(0, 600), "invalid");
  assert.equal(consumer.console.requestSize(1.5, 600), "invalid");
  assert.equal(consumer.console.requestSize(100000, 600), "invalid");
});
