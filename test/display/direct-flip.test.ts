/** Direct flip: a named output owns a plane; flips arrive as dma-buf events and the consumer does not copy. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DrmPlaneType, MAP_SHARED, PROT_READ, isMapping } from "../../src/abi/index.ts";
import { DisplayConsumer, DisplayError } from "../../src/display/display-consumer.ts";
import type { FlipEvent } from "../../src/display/direct-flip.ts";
import { createMdpyParent } from "../../src/drivers/mdpy/index.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { nextUuid } from "../helpers/ioctl-args.ts";

test("a page-flipping guest's flips reach the output as dma-bufs; the Console decodes nothing meanwhile", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  guest.fill(0, 0, 640, 480, 0x00aa0000, 0);
  guest.fill(0, 0, 640, 480, 0x0000bb00, 1);
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  const events: FlipEvent[] = [];
  const disables: string[] = [];
  const detach = consumer.attachOutput({ name: "hdmi-1", planeType: DrmPlaneType.PRIMARY, onFlip: (e) => events.push(e), onDisable: (r) => disables.push(r) });
  for (let i = 0; i < 6; i++) {
    guest.flip(i % 2);
    consumer.refresh();
    consumer.refresh(); // no flip in between: no event
  }
  assert.equal(events.length, 6);
  assert.deepEqual(events.map((e) => e.dmabufId), [1, 2, 1, 2, 1, 2]);
  assert.equal(consumer.stats.frames, 0, "no consumer copy or diff");
  assert.equal(consumer.cacheStats.misses, 2);
  const e = events[1]!;
  assert.deepEqual([e.output, e.width, e.height, e.stride, e.modifier], ["hdmi-1", 640, 480, 2560, 0n]);
  assert.ok(isMapping(e.mapping));
  assert.equal(e.mapping.bytes[1], 0xbb, "the event's buffer is buffer 1's pixels");
  const own = e.file.mmap(4096, PROT_READ, MAP_SHARED);
  assert.ok(isMapping(own), "the output can map the dma-buf itself");
  guest.disable();
  consumer.refresh();
  assert.deepEqual(disables, ["plane off"]);
  detach();
  guest.setMode({ width: 640, height: 480 });
  consumer.refresh();
  assert.equal(consumer.stats.frames, 1, "detached: the Console shows the plane again");
  assert.equal(consumer.console.surface!.width, 640);
  consumer.stop();
});

test("attaching checks names, planes and the device kind", () => {
  const { dev } = bochsFixture();
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  const onFlip = () => {};
  consumer.attachOutput({ name: "a", planeType: DrmPlaneType.PRIMARY, onFlip });
  assert.throws(() => consumer.attachOutput({ name: "b", planeType: DrmPlaneType.PRIMARY, onFlip }), /already goes to "a"/);
  assert.throws(() => consumer.attachOutput({ name: "a", planeType: DrmPlaneType.CURSOR, onFlip }), /already attached/);
  assert.throws(() => consumer.attachOutput({ name: "c", planeType: DrmPlaneType.OVERLAY, onFlip }), DisplayError);
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const uuid = nextUuid();
  kernel.bus.create("mdpy", "mdpy-vga", uuid);
  const mdpy = kernel.openDevice(uuid);
  assert.ok(typeof mdpy !== "number");
  const region = new DisplayConsumer(mdpy);
  region.start();
  assert.throws(() => region.attachOutput({ name: "x", planeType: DrmPlaneType.PRIMARY, onFlip }), /dma-buf device/);
});
