/** The plane-change notification extension: device side on mbochs (opt-in) and the consumer using it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Errno,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_SET_IRQS,
  VfioIrqSetFlags,
  getU16,
  getU32,
  setU32,
} from "../../src/abi/index.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { planeNotifyIrq, setIrqEventfd } from "../../src/display/plane-notify.ts";
import { damageRects } from "../../src/display/damage-tracker.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { getIrqInfo } from "../helpers/ioctl-args.ts";

test("without the option mbochs stays the real driver: no caps, 5 IRQs, SET_IRQS -EINVAL", () => {
  const { dev } = bochsFixture();
  const info = new Uint8Array(64);
  setU32(info, 0, 64);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, info), 0);
  assert.deepEqual([getU32(info, 4), getU32(info, 12)], [2, 5]);
  assert.equal(planeNotifyIrq(dev), undefined);
  assert.equal(setIrqEventfd(dev, 5, 3), -Errno.EINVAL);
});

test("with planeNotify: a device-info cap names IRQ 5, which takes one eventfd", () => {
  const { kernel, dev } = bochsFixture({ planeNotify: true });
  const small = new Uint8Array(20);
  setU32(small, 0, 20);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, small), 0);
  assert.deepEqual([getU32(small, 0), getU32(small, 4), getU32(small, 12), getU32(small, 16)], [40, 0x82, 6, 0], "the size needed, cap_offset 0");
  const big = new Uint8Array(64).fill(0xee);
  setU32(big, 0, 64);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, big), 0);
  assert.equal(getU32(big, 16), 24);
  assert.deepEqual([getU16(big, 24), getU16(big, 26), getU32(big, 28), getU32(big, 32)], [0x7664, 1, 0, 5]);
  assert.equal(big[40], 0xee, "nothing written after the cap");
  const irq = getIrqInfo(dev, 5);
  assert.deepEqual([irq.ret, getU32(irq.bytes, 4), getU32(irq.bytes, 12)], [0, 1, 1]);
  assert.equal(planeNotifyIrq(dev), 5);

  assert.equal(setIrqEventfd(dev, 5, 999), -Errno.EBADF, "not an open fd");
  assert.equal(setIrqEventfd(dev, 5, dev.fd), -Errno.EINVAL, "not an eventfd");
  assert.equal(setIrqEventfd(dev, 4, 3), -Errno.EINVAL, "another index");
  const efd = kernel.eventfd();
  assert.ok(typeof efd !== "number");
  let signals = 0;
  efd.onSignal(() => signals++);
  assert.equal(setIrqEventfd(dev, 5, efd.fd), 0);
  const trigger = new Uint8Array(20);
  setU32(trigger, 0, 20);
  setU32(trigger, 4, VfioIrqSetFlags.DATA_NONE | VfioIrqSetFlags.ACTION_TRIGGER);
  setU32(trigger, 8, 5);
  setU32(trigger, 16, 1);
  assert.equal(dev.ioctl(VFIO_DEVICE_SET_IRQS, trigger), 0);
  assert.equal(signals, 1, "DATA_NONE|TRIGGER fires it");
  assert.equal(efd.read(), 1);
  assert.equal(setIrqEventfd(dev, 5, -1), 0, "fd -1 disarms");
  dev.ioctl(VFIO_DEVICE_SET_IRQS, trigger);
  assert.equal(signals, 1);
});

test("the consumer queries only after a signal: an idle guest costs no ioctls, a flip is seen at the next tick", () => {
  const { kernel, dev, guest } = bochsFixture({ planeNotify: true });
  guest.setMode({ width: 320, height: 240 });
  guest.fill(0, 0, 320, 240, 0x00000080, 0);
  guest.fill(0, 0, 320, 240, 0x00008000, 1);
  const consumer = new DisplayConsumer(dev, { eventfd: () => kernel.eventfd() });
  consumer.start();
  assert.equal(consumer.notified, true);
  const updates: string[] = [];
  consumer.console.addListener({ update: (d) => updates.push(JSON.stringify(damageRects(d))) });
  assert.equal(consumer.stats.ticks, 1, "the first watcher gets a refresh at once");
  assert.ok(consumer.console.surface, "and with it the surface");
  const queries = consumer.stats.queries;
  for (let i = 0; i < 10; i++) consumer.refresh();
  assert.equal(consumer.stats.queries, queries, "idle: zero queries");
  assert.equal(consumer.stats.queriesSkipped, 10);
  guest.fill(10, 10, 4, 4, 0x00ffffff); // drawn in place: no plane change, still seen by comparison
  consumer.refresh();
  assert.equal(consumer.stats.queries, queries);
  assert.equal(updates.at(-1), JSON.stringify([{ x: 10, y: 10, w: 4, h: 4 }]));
  guest.flip(1);
  consumer.refresh();
  assert.ok(consumer.stats.queries > queries, "the flip signalled: queried at once");
  assert.equal(consumer.console.surface!.pixels[100 * 320 + 100], 0x00008000);
  consumer.stop();
});

test("a consumer without an eventfd factory polls as before on the same device", () => {
  const { dev, guest } = bochsFixture({ planeNotify: true });
  guest.setMode({ width: 320, height: 240 });
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  assert.equal(consumer.notified, false);
  for (let i = 0; i < 5; i++) consumer.refresh();
  assert.equal(consumer.stats.queriesSkipped, 0);
  assert.equal(consumer.stats.queries, 10, "primary and cursor, every tick");
});
