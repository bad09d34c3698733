/**
 * The consumer's fallback for dma-bufs that refuse a CPU mapping, on the model's mbochs with the real
 * kernel's quirks (every dma-buf mmap is -EINVAL there, as on Linux 6.1).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAP_SHARED, PROT_READ, isMapping, Errno } from "../../src/abi/index.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { mapMbochsPlaneFromVram } from "../../src/display/mbochs-vram-fallback.ts";
import { bochsFixture, asDmaBuf } from "../helpers/bochs-fixture.ts";
import { getDmabuf, query } from "../helpers/ioctl-args.ts";
import { createMdpyParent } from "../../src/drivers/mdpy/index.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { nextUuid } from "../helpers/ioctl-args.ts";

test("quirks: a dma-buf of the model's mbochs refuses every CPU mapping, like Linux 6.1", () => {
  const { dev, guest } = bochsFixture({ quirks: true });
  guest.setMode({ width: 640, height: 480 });
  assert.equal(query(dev, 2, 1).ret, -Errno.ENOMEM);
  const q = query(dev, 2, 1);
  const buf = asDmaBuf(dev, getDmabuf(dev, q.info.id));
  assert.equal(buf.mmap(4096, PROT_READ, MAP_SHARED), -Errno.EINVAL, "VM_SHARED cleared on the read-only file");
  assert.equal(buf.mmap(4096, PROT_READ | 2, MAP_SHARED), -Errno.EACCES);
  const noQuirks = bochsFixture({ quirks: false });
  noQuirks.guest.setMode({ width: 640, height: 480 });
  const q2 = query(noQuirks.dev, 2, 1);
  const m = asDmaBuf(noQuirks.dev, getDmabuf(noQuirks.dev, q2.info.id)).mmap(4096, PROT_READ, MAP_SHARED);
  assert.ok(isMapping(m), "the documented behaviour maps");
});

test("without a fallback nothing shows; with it the plane comes through VRAM", () => {
  const { dev, guest } = bochsFixture({ quirks: true });
  guest.setMode({ width: 640, height: 480 });
  guest.fill(0, 0, 640, 480, 0x00204080);
  const plain = new DisplayConsumer(dev);
  plain.start();
  plain.refresh();
  plain.refresh();
  assert.equal(plain.console.surface, undefined, "nothing to show: the dma-buf cannot be mapped");
  assert.equal(plain.console.displayOn, false);
  plain.stop();

  const consumer = new DisplayConsumer(dev, { dmabufFallback: mapMbochsPlaneFromVram });
  consumer.start();
  consumer.refresh();
  const s = consumer.console.surface!;
  assert.deepEqual([s.width, s.height], [640, 480]);
  assert.equal(s.pixels[479 * 640 + 639], 0x00204080);
});

test("the fallback follows page flips: each buffer is read at the offset the DISPI registers give", () => {
  const { dev, guest } = bochsFixture({ quirks: true });
  const consumer = new DisplayConsumer(dev, { dmabufFallback: mapMbochsPlaneFromVram });
  consumer.start();
  guest.setMode({ width: 512, height: 256 });
  guest.fill(0, 0, 512, 256, 0x000000ff, 0);
  guest.fill(0, 0, 512, 256, 0x0000ff00, 1);
  for (const [n, colour] of [[0, 0x000000ff], [1, 0x0000ff00], [0, 0x000000ff]] as const) {
    guest.flip(n);
    consumer.refresh();
    consumer.refresh(); // mbochs's -ENOMEM on the first query of each new offset
    assert.equal(consumer.console.surface!.pixels[100 * 512 + 7], colour, `buffer ${n}`);
  }
});

test("the fallback answers -ENODEV for a device that is not a Bochs display, -EAGAIN for a stale plane", () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const uuid = nextUuid();
  kernel.bus.create("mdpy", "mdpy-vga", uuid);
  const mdpy = kernel.openDevice(uuid);
  assert.ok(typeof mdpy !== "number");
  assert.equal(mapMbochsPlaneFromVram(mdpy, { stride: 2560, size: 2560 * 480 }), -Errno.ENODEV);
  const { dev, guest } = bochsFixture({ quirks: true });
  guest.setMode({ width: 640, height: 480 });
  assert.equal(mapMbochsPlaneFromVram(dev, { stride: 4096, size: 4096 * 480 }), -Errno.EAGAIN);
  const m = mapMbochsPlaneFromVram(dev, { stride: 2560, size: 2560 * 480 });
  assert.ok(isMapping(m));
  assert.equal(m.bytes.length, 2560 * 480);
  m.unmap();
});
