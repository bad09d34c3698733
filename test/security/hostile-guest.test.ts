/**
 * What a hostile guest may try against the host, beyond the per-driver checks in test/drivers (plane
 * addresses, strides, sizes, formats, GGTT entries: gvt-plane, gvt-dmabuf, mbochs-plane, mdpy tests):
 * register storms and mode flips while the host consumer polls (the host keeps answering, its memory does
 * not grow per write, the dma-buf lists stay bounded), writes into the EDID window, and — one boundary
 * further — a driver reply with absurd plane and cursor sizes, which the consumer must refuse rather than
 * allocate for.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { VFIO_DEVICE_QUERY_GFX_PLANE, setU32, type DeviceFile, type IoctlArg } from "../../src/abi/index.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { BOCHS_DMABUF_LIST_MAX } from "../../src/drivers/bochs/dmabuf-list.ts";
import type { MbochsDevice } from "../../src/drivers/bochs/mbochs-device.ts";
import type { GvtDevice } from "../../src/drivers/gvt/gvt-device.ts";
import { CURCNTR_A, PIPESRC_A, PLANE_CTL_1_A, PLANE_STRIDE_1_A, PLANE_SURF_1_A } from "../../src/drivers/gvt/regs.ts";
import { GvtGuest } from "../../src/guest/gvt-guest.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { gvtDevice } from "../helpers/gvt-fixture.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap bytes after a full collection. */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test("mbochs: a guest panning through 1,000 distinct modes while the host polls leaves the driver's list at 64 and the consumer's cache at 5", () => {
  const f = bochsFixture({ type: "mbochs-medium" });
  const device = f.kernel.bus.get(f.uuid)!.device.ops as MbochsDevice;
  const consumer = new DisplayConsumer(f.dev, { refreshHz: 1 });
  consumer.start();
  f.guest.setMode({ width: 640, height: 480 });
  for (let y = 0; y < 1000; y++) {
    f.guest.pan(0, y * 8); // each offset a new mode; 8 lines of 2560 bytes keep it page aligned (GET works)
    consumer.refresh();
    assert.ok(device.dmabufs.length <= BOCHS_DMABUF_LIST_MAX, `list at ${device.dmabufs.length} after ${y + 1} modes`);
  }
  assert.equal(device.dmabufs.length, BOCHS_DMABUF_LIST_MAX);
  assert.ok(consumer.cacheStats.misses > 100, "the consumer did follow the modes");
  const cache = consumer.cacheStats;
  assert.ok(cache.misses - cache.evictions <= 5, `the consumer holds ${cache.misses - cache.evictions} dma-bufs`);
  assert.equal(consumer.console.surface!.width, 640, "the host still shows the guest");
  consumer.stop();
  // the real driver's unbounded list, reproduced under quirks: one entry per distinct mode queried
  const q = bochsFixture({ type: "mbochs-medium", quirks: true });
  const qd = q.kernel.bus.get(q.uuid)!.device.ops as MbochsDevice;
  q.guest.setMode({ width: 640, height: 480 });
  for (let y = 0; y < 100; y++) {
    q.guest.pan(0, y);
    query(q.dev);
  }
  assert.equal(qd.dmabufs.length, 100);
});

test("mbochs: 1,000,000 DISPI register writes with no host poll in between cost the host no memory per write", () => {
  const f = bochsFixture({ type: "mbochs-small" });
  const consumer = new DisplayConsumer(f.dev, { refreshHz: 1 });
  consumer.start();
  f.guest.setMode({ width: 640, height: 480 });
  consumer.refresh();
  const before = heapAfterGc();
  let seed = 1;
  for (let i = 0; i < 1_000_000; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    f.guest.writeReg(1 + (seed % 9), seed >>> 16); // XRES .. Y_OFFSET, any 16-bit value
    if (i % 100_000 === 99_999) consumer.refresh();
  }
  const grown = heapAfterGc() - before;
  assert.ok(grown < 4 * 1024 * 1024, `heap grew by ${grown} bytes over a million writes`);
  consumer.stop();
});

test("GVT: a storm of random plane, pipe and cursor register values while the host polls: every poll answers, the object list stays bounded", () => {
  const { dev, guestDev, ram, kernel, uuid } = gvtDevice();
  const device = kernel.bus.get(uuid)!.device.ops as GvtDevice;
  const guest = GvtGuest.attach(guestDev, ram);
  const surface = guest.allocSurface({ width: 640, height: 480 });
  guest.show(surface);
  const consumer = new DisplayConsumer(dev, { refreshHz: 1 });
  consumer.start();
  const regs = [PLANE_CTL_1_A, PLANE_STRIDE_1_A, PLANE_SURF_1_A, PIPESRC_A, CURCNTR_A, CURCNTR_A + 4];
  let maxObjects = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...regs), fc.integer({ min: 0, max: 0xffffffff })), { minLength: 1, maxLength: 200 }), (writes) => {
      for (const [reg, value] of writes) guest.writeReg(reg, value);
      consumer.refresh();
      maxObjects = Math.max(maxObjects, device.dmabufs.length);
    }),
    { numRuns: 500 },
  );
  // the cache (5) plus the queried-but-not-yet-fetched primary and cursor objects
  assert.ok(maxObjects <= 7, `GVT kept ${maxObjects} objects`);
  guest.show(surface);
  consumer.refresh();
  assert.equal(consumer.console.surface?.width, 640, "after the storm the guest's real mode shows again");
  consumer.stop();
});

test("mbochs: the guest's writes into the MMIO EDID window do not change what the host gave it", () => {
  const f = bochsFixture();
  const before = f.guest.readEdid(128);
  const window = new Uint8Array(128).fill(0xaa);
  const bar2 = 0x1000; // the MMIO BAR's offset in the device fd; the EDID window is its first 1 KiB
  f.guestDev.pwrite(window, bar2);
  assert.deepEqual(f.guest.readEdid(128), before);
});

/** A device whose QUERY_GFX_PLANE replies are rewritten: what a buggy or hostile driver could answer. */
function lyingDevice(inner: DeviceFile, rewrite: (reply: Uint8Array, planeType: number) => void): DeviceFile {
  return {
    get fd() {
      return inner.fd;
    },
    ioctl(request: number, arg?: IoctlArg): number {
      const ret = inner.ioctl(request, arg);
      if (request === VFIO_DEVICE_QUERY_GFX_PLANE && ret === 0 && arg instanceof Uint8Array) {
        const type = arg[8]! | (arg[9]! << 8);
        if ((arg[4]! & 1) === 0) rewrite(arg, type); // not a probe
      }
      return ret;
    },
    pread: (b, o) => inner.pread(b, o),
    pwrite: (b, o) => inner.pwrite(b, o),
    mmap: (l, p, fl, o) => inner.mmap(l, p, fl, o),
    dmaBuf: (fd) => inner.dmaBuf(fd),
    close: () => inner.close(),
  };
}

test("a driver reply with a 2^32-pixel plane or a 65535×65535 cursor with its hotspot outside: refused, never allocated", () => {
  const { dev, guestDev, ram } = gvtDevice();
  const guest = GvtGuest.attach(guestDev, ram);
  const surface = guest.allocSurface({ width: 640, height: 480 });
  guest.show(surface);
  const cursor = guest.allocCursor(64);
  guest.setCursor(cursor);
  const cases: Array<[string, (r: Uint8Array, type: number) => void]> = [
    ["primary 65536 x 65536", (r, t) => t === 1 && (setU32(r, 24, 65536), setU32(r, 28, 65536), setU32(r, 32, 65536 * 4))],
    ["primary 20000 x 480", (r, t) => t === 1 && (setU32(r, 24, 20000), setU32(r, 32, 20000 * 4))],
    ["primary 0xFFFFFFFF x 2", (r, t) => t === 1 && (setU32(r, 24, 0xffffffff), setU32(r, 28, 2), setU32(r, 32, 0xffffffff))],
    ["cursor 65535 x 65535", (r, t) => t === 2 && (setU32(r, 24, 0xffff), setU32(r, 28, 0xffff), setU32(r, 32, 0x3fffc))],
    ["cursor hotspot outside", (r, t) => t === 2 && (setU32(r, 48, 5000), setU32(r, 52, 0x7fffffff))],
  ];
  for (const [name, rewrite] of cases) {
    const consumer = new DisplayConsumer(lyingDevice(dev, rewrite), { refreshHz: 1 });
    consumer.start();
    assert.doesNotThrow(() => consumer.refresh(), name);
    const s = consumer.console.surface;
    if (s) assert.ok(s.width * s.height <= 16384 * 16384, `${name}: a ${s.width}x${s.height} surface`);
    const c = consumer.console.cursor;
    if (c) {
      assert.ok(c.width <= 512 && c.height <= 512, `${name}: a ${c.width}x${c.height} cursor`);
      assert.ok(c.hotX < c.width && c.hotY < c.height, `${name}: hotspot ${c.hotX},${c.hotY} outside ${c.width}x${c.height}`);
    }
    consumer.stop();
  }
});

function query(dev: DeviceFile): number {
  const b = new Uint8Array(64);
  setU32(b, 0, 60);
  setU32(b, 4, 2); // DMABUF
  setU32(b, 8, 1); // PRIMARY
  return dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b);
}
