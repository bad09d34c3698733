/** The display consumer against model devices: probe, refresh, dma-buf cache, damage, display off, region path. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createMdpyParent } from "../../src/drivers/mdpy/index.ts";
import { DisplayConsumer, DisplayError } from "../../src/display/display-consumer.ts";
import { damageRects, type Rect } from "../../src/display/damage-tracker.ts";
import type { ConsoleSurface } from "../../src/display/console.ts";
import { MdpyGuest } from "../../src/guest/mdpy-guest.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { createMbochsParent } from "../../src/drivers/bochs/mbochs-parent.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { mapMbochsPlaneFromVram } from "../../src/display/mbochs-vram-fallback.ts";
import { nextUuid } from "../helpers/ioctl-args.ts";

/** Record what a front-end would see. */
function watch(consumer: DisplayConsumer) {
  const seen = { surfaces: [] as ConsoleSurface[], updates: [] as Rect[][], off: [] as string[] };
  consumer.console.addListener({
    surface: (s) => seen.surfaces.push(s),
    update: (d) => seen.updates.push(damageRects(d)),
    displayOff: (r) => seen.off.push(r),
  });
  return seen;
}

for (const quirks of [false, true]) {
  test(`bochs (quirks ${quirks ? "on" : "off"}): first frame, pixels, then only real damage`, () => {
    const { dev, guest } = bochsFixture({ quirks });
    // The real mbochs's dma-bufs cannot be CPU-mapped: with its quirks the consumer reads VRAM instead.
    const consumer = new DisplayConsumer(dev, { refreshHz: 1, ...(quirks ? { dmabufFallback: mapMbochsPlaneFromVram } : {}) });
    assert.equal(consumer.start(), "dmabuf");
    const seen = watch(consumer);
    guest.setMode({ width: 640, height: 480 });
    guest.fill(0, 0, 640, 480, 0x00336699);
    consumer.refresh();
    if (quirks) {
      assert.equal(seen.surfaces.length, 0, "-ENOMEM on the first query of a new mode: try again next tick");
      assert.equal(consumer.stats.queryErrors.ENOMEM, 1);
      consumer.refresh();
    }
    assert.equal(seen.surfaces.length, 1);
    const s = seen.surfaces[0]!;
    assert.deepEqual([s.width, s.height], [640, 480]);
    assert.equal(s.pixels[100 * 640 + 100], 0x00336699);
    consumer.refresh();
    assert.equal(seen.updates.length, 1, "an unchanged frame publishes no update");
    guest.fill(300, 200, 10, 5, 0x00ffffff);
    consumer.refresh();
    assert.deepEqual(seen.updates.at(-1), [{ x: 300, y: 200, w: 10, h: 5 }], "exactly the changed pixels");
    assert.equal(s.pixels[202 * 640 + 305], 0x00ffffff);
    consumer.stop();
  });
}

test("page flips alternate two cached dma-bufs: no new GET after the first round", () => {
  const { dev, guest } = bochsFixture();
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  watch(consumer);
  guest.setMode({ width: 320, height: 240 });
  guest.fill(0, 0, 320, 240, 0x000000ff, 0);
  guest.fill(0, 0, 320, 240, 0x0000ff00, 1);
  for (let i = 0; i < 10; i++) {
    guest.flip(i % 2);
    consumer.refresh();
    assert.equal(consumer.console.surface!.pixels[0], i % 2 === 0 ? 0x000000ff : 0x0000ff00);
  }
  assert.equal(consumer.cacheStats.misses, 2);
  assert.equal(consumer.cacheStats.hits, 8);
  assert.deepEqual(consumer.cachedIds.sort(), [1, 2]);
});

test("a mode change gives a new surface; more modes than the cache holds close the oldest buffers", () => {
  const { dev, guest } = bochsFixture();
  const consumer = new DisplayConsumer(dev, { cacheSize: 2 });
  consumer.start();
  const seen = watch(consumer);
  for (const [w, h] of [[640, 480], [800, 600], [1024, 768], [640, 480]] as const) {
    guest.setMode({ width: w, height: h });
    consumer.refresh();
    assert.deepEqual([consumer.console.surface!.width, consumer.console.surface!.height], [w, h]);
  }
  assert.equal(seen.surfaces.length, 4);
  assert.deepEqual(consumer.cachedIds, [1, 3], "LRU of 2: 640x480 (id 1) is back in front");
  assert.equal(consumer.cacheStats.evictions, 2);
  assert.equal(consumer.cacheStats.misses, 4, "640x480 was evicted, so it was fetched again");
});

test("the guest turning its display off is announced once; keep or blank the last frame by option", () => {
  for (const blank of [false, true]) {
    const { dev, guest } = bochsFixture();
    const consumer = new DisplayConsumer(dev, { blankWhenOff: blank });
    consumer.start();
    const seen = watch(consumer);
    guest.setMode({ width: 320, height: 240 });
    guest.fill(0, 0, 320, 240, 0x00abcdef);
    consumer.refresh();
    guest.disable();
    consumer.refresh();
    consumer.refresh();
    assert.deepEqual(seen.off, ["guest display off"]);
    assert.equal(consumer.console.displayOn, false);
    assert.equal(consumer.console.surface!.pixels[0], blank ? 0 : 0x00abcdef);
    guest.setMode({ width: 320, height: 240 });
    consumer.refresh();
    assert.equal(consumer.console.displayOn, true);
    assert.equal(consumer.console.surface!.pixels[0], 0x00abcdef);
  }
});

test("the unmappable tail page of an 800x600 mbochs buffer: the last line is read as far as it goes, never past", () => {
  const { dev, guest } = bochsFixture({ type: "mbochs-small" });
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  watch(consumer);
  guest.setMode({ width: 800, height: 600 });
  guest.fill(0, 0, 800, 600, 0x00010203);
  consumer.refresh();
  const px = consumer.console.surface!.pixels;
  assert.equal(px[598 * 800 + 799], 0x00010203);
  assert.equal(px[599 * 800 + 31], 0x00010203, "the first 32 pixels of line 599 lie in the last whole page");
  assert.equal(px[599 * 800 + 32], 0, "the rest is in the partial tail page");
});

test("display modes: 'on' without a display is an error, 'auto' is fine, 'off' never queries", () => {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const uuid = nextUuid();
  kernel.bus.create("mbochs", "mbochs-small", uuid);
  const dev = kernel.openDevice(uuid);
  assert.ok(typeof dev !== "number");
  const off = new DisplayConsumer(dev, { display: "off" });
  assert.equal(off.start(), "none");
  off.refresh();
  assert.equal(off.stats.queries, 0);
  // A device that answers neither probe: any fd whose QUERY_GFX_PLANE fails, here a removed device.
  kernel.bus.remove(uuid);
  assert.throws(() => new DisplayConsumer(dev, { display: "on" }).start(), DisplayError);
  assert.equal(new DisplayConsumer(dev, { display: "auto" }).start(), "none");
});

test("device removal while watched: the console goes off and the consumer stops", () => {
  const { kernel, uuid, dev, guest } = bochsFixture();
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  const seen = watch(consumer);
  guest.setMode({ width: 320, height: 240 });
  consumer.refresh();
  kernel.bus.remove(uuid);
  consumer.refresh();
  assert.deepEqual(seen.off, ["device removed"]);
  const queries = consumer.stats.queries;
  consumer.refresh();
  assert.equal(consumer.stats.queries, queries, "no more queries after removal");
});

test("region path (mdpy): the plane is read from the mmapped region; writes show up as damage", () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const uuid = nextUuid();
  kernel.bus.create("mdpy", "mdpy-vga", uuid);
  const dev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  assert.ok(typeof dev !== "number" && typeof guestDev !== "number");
  const guest = MdpyGuest.attach(guestDev);
  const consumer = new DisplayConsumer(dev);
  assert.equal(consumer.start(), "region");
  const seen = watch(consumer);
  consumer.refresh();
  const s = consumer.console.surface!;
  assert.deepEqual([s.width, s.height], [640, 480]);
  const row = 240;
  const grey = Math.floor((row * 255) / 480);
  assert.equal(s.pixels[row * 640 + 5]! & 0xffffff, (grey << 16) | (grey << 8) | grey, "the reset gradient");
  guest.fill(10, 10, 20, 20, 0x00ff0000);
  consumer.refresh();
  assert.deepEqual(seen.updates.at(-1), [{ x: 10, y: 10, w: 20, h: 20 }]);
  assert.equal(s.pixels[15 * 640 + 15], 0x00ff0000);
});

test("polling runs only while someone watches", async () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 320, height: 240 });
  const consumer = new DisplayConsumer(dev, { refreshHz: 200 });
  consumer.start();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(consumer.stats.ticks, 0, "nobody watches: no queries");
  const listener = {};
  consumer.console.addListener(listener);
  await new Promise((r) => setTimeout(r, 100));
  const ticks = consumer.stats.ticks;
  assert.ok(ticks > 0, "watched: polling");
  consumer.console.removeListener(listener);
  await new Promise((r) => setTimeout(r, 50));
  const after = consumer.stats.ticks;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(consumer.stats.ticks, after, "polling stopped with the last watcher");
  consumer.stop();
});
