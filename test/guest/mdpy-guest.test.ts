/**
 * The mdpy guest (mdpy-fb.c's job over the DeviceFile seam): probing, the checks mdpy-fb makes, drawing with
 * clipping, and that what it draws is what the host sees through region 16.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DrmFormat,
  Errno,
  MAP_SHARED,
  PROT_READ,
  REGION_INFO_SIZE,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_DEVICE_RESET,
  VFIO_GFX_PLANE_TYPE_REGION,
  decodeRegionInfo,
  encodeRegionInfo,
  getU32,
  isMapping,
  setU16,
  setU32,
  setU64Number,
  GfxPlaneInfoView,
  type DeviceFile,
  type Mapping,
} from "../../src/abi/index.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { createMdpyParent } from "../../src/drivers/mdpy/index.ts";
import { MdpyGuest, MdpyGuestError } from "../../src/guest/mdpy-guest.ts";

const UUID = "0b8a41c2-7d55-4c1e-9a3f-5e2d7c9b1a00";

function open(opts: { type?: string; quirks?: boolean } = {}): { kernel: HostKernel; dev: DeviceFile } {
  const kernel = new HostKernel().registerParent(createMdpyParent({ quirks: opts.quirks }));
  assert.equal(kernel.bus.create("mdpy", opts.type ?? "mdpy-xga", UUID), 0);
  const dev = kernel.openDevice(UUID);
  if (typeof dev === "number") return assert.fail(`openDevice: ${dev}`);
  return { kernel, dev };
}

function regionInfo(dev: DeviceFile, index: number): { size: number; offset: number; flags: number } {
  const b = new Uint8Array(REGION_INFO_SIZE);
  encodeRegionInfo({ argsz: REGION_INFO_SIZE, flags: 0, index, capOffset: 0, size: 0, offset: 0 }, b);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, b), 0);
  return decodeRegionInfo(b);
}

/** What a display consumer does: ask QUERY_GFX_PLANE for the region, then map it read-only. */
function hostView(dev: DeviceFile): { mapping: Mapping; stride: number } {
  const plane = new GfxPlaneInfoView();
  plane.prepare(VFIO_GFX_PLANE_TYPE_REGION, 1);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, plane.bytes), 0);
  assert.equal(plane.id, 16);
  const region = regionInfo(dev, plane.id);
  const m = dev.mmap(region.size, PROT_READ, MAP_SHARED, region.offset);
  if (!isMapping(m)) return assert.fail(`host mmap: ${m}`);
  return { mapping: m, stride: plane.stride };
}

/**
 * A DeviceFile in front of a real one that can rewrite what the guest learns: config bytes, region info,
 * and failures of single calls. Everything else passes through.
 */
interface Tamper {
  config?: (bytes: Map<number, number>) => void;
  regionInfo?: (index: number, info: Uint8Array) => number | undefined;
  mmap?: () => number;
  configPread?: () => number;
}

function tampered(dev: DeviceFile, t: Tamper): DeviceFile {
  const patch = new Map<number, number>();
  t.config?.(patch);
  return {
    fd: dev.fd,
    ioctl(request, arg) {
      const ret = dev.ioctl(request, arg);
      if (request === VFIO_DEVICE_GET_REGION_INFO && arg instanceof Uint8Array && t.regionInfo) {
        return t.regionInfo(getU32(arg, 8), arg) ?? ret;
      }
      return ret;
    },
    pread(buf, offset) {
      if (offset < 0x100 && t.configPread) return t.configPread();
      const ret = dev.pread(buf, offset);
      if (ret > 0 && offset < 0x100) {
        for (let i = 0; i < ret; i++) {
          const v = patch.get(offset + i);
          if (v !== undefined) buf[i] = v;
        }
      }
      return ret;
    },
    pwrite: (buf, offset) => dev.pwrite(buf, offset),
    mmap: (length, prot, flags, offset) => (t.mmap ? t.mmap() : dev.mmap(length, prot, flags, offset)),
    dmaBuf: (fd) => dev.dmaBuf(fd),
    close: () => dev.close(),
  };
}

function dword(off: number, v: number): (m: Map<number, number>) => void {
  return (m) => {
    const b = new Uint8Array(4);
    setU32(b, 0, v);
    b.forEach((x, i) => m.set(off + i, x));
  };
}

function word(off: number, v: number): (m: Map<number, number>) => void {
  return (m) => {
    const b = new Uint8Array(2);
    setU16(b, 0, v);
    b.forEach((x, i) => m.set(off + i, x));
  };
}

function attachError(dev: DeviceFile): MdpyGuestError {
  try {
    MdpyGuest.attach(dev);
  } catch (e) {
    assert.ok(e instanceof MdpyGuestError, `expected MdpyGuestError, got ${String(e)}`);
    return e;
  }
  return assert.fail("attach succeeded");
}

// ---------------------------------------------------------------------------------------------------------

test("attach reads ids and the mode from config space and maps BAR0", () => {
  for (const [type, w, h] of [["mdpy-vga", 640, 480], ["mdpy-xga", 1024, 768], ["mdpy-hd", 1920, 1080]] as const) {
    const { dev } = open({ type });
    const g = MdpyGuest.attach(dev);
    assert.deepEqual(
      [g.vendorId, g.deviceId, g.format, g.width, g.height, g.stride],
      [0x1b36, 0x000f, DrmFormat.XRGB8888, w, h, w * 4],
    );
    // The reset picture: row i is grey ⌊i·255/h⌋ in every byte.
    assert.equal(g.getPixel(0, 0), 0);
    assert.equal(g.getPixel(w - 1, h - 1), 0xfefefefe);
    const g10 = Math.floor((10 * 255) / h);
    assert.equal(g.getPixel(w >> 1, 10), (g10 * 0x01010101) >>> 0);
    g.close();
  }
});

test("what the guest draws is what the host sees in region 16, live", () => {
  const { dev } = open();
  const host = hostView(dev);
  const g = MdpyGuest.attach(dev);
  assert.equal(g.setPixel(3, 2, 0x00112233), true);
  const at = 2 * host.stride + 3 * 4;
  assert.deepEqual([...host.mapping.bytes.subarray(at, at + 4)], [0x33, 0x22, 0x11, 0x00]);
  // No remapping: later writes show through the same host view.
  assert.equal(g.fill(10, 20, 4, 3, 0xff00ff00), 12);
  for (let y = 20; y < 23; y++) {
    for (let x = 10; x < 14; x++) {
      const p = y * host.stride + x * 4;
      assert.deepEqual([...host.mapping.bytes.subarray(p, p + 4)], [0x00, 0xff, 0x00, 0xff], `(${x},${y})`);
    }
  }
  const right = 20 * host.stride + 14 * 4;
  assert.equal(getU32(host.mapping.bytes, right), 0x06060606, "pixel right of the rectangle keeps row 20's grey");
  // And through pread at BAR0 (quirks off).
  const buf = new Uint8Array(4);
  assert.equal(dev.pread(buf, 0x1000 + at), 4);
  assert.deepEqual([...buf], [0x33, 0x22, 0x11, 0x00]);
});

test("host writes and RESET show to the guest", () => {
  const { dev } = open({ type: "mdpy-vga" });
  const g = MdpyGuest.attach(dev);
  const host = hostView(dev);
  assert.equal(dev.pwrite(new Uint8Array([0x01, 0x02, 0x03, 0x04]), 0x1000 + 5 * host.stride + 7 * 4), 4);
  assert.equal(g.getPixel(7, 5), 0x04030201);
  g.fill(0, 0, g.width, g.height, 0x00abcdef);
  assert.equal(g.getPixel(639, 479), 0x00abcdef);
  assert.equal(dev.ioctl(VFIO_DEVICE_RESET), 0);
  assert.equal(g.getPixel(639, 479), 0xfefefefe);
  assert.equal(g.getPixel(0, 240), 0x7f7f7f7f);
});

test("fill clips to the screen and reports what it painted", () => {
  const { dev } = open();
  const g = MdpyGuest.attach(dev);
  assert.equal(g.fill(-10, -10, 20, 20, 0x00ff0000), 100);
  assert.equal(g.getPixel(0, 0), 0x00ff0000);
  assert.equal(g.getPixel(9, 9), 0x00ff0000);
  assert.equal(g.getPixel(10, 9), 0x02020202, "right of the clipped rectangle (row 9's grey)");
  assert.equal(g.getPixel(9, 10), 0x03030303, "below it (row 10's grey)");
  assert.equal(g.fill(1020, 765, 100, 100, 0x000000ff), 4 * 3);
  assert.equal(g.getPixel(1023, 767), 0x000000ff);
  assert.equal(g.getPixel(1019, 767), 0xfefefefe);
  assert.equal(g.fill(1024, 0, 5, 5, 1), 0);
  assert.equal(g.fill(0, 768, 5, 5, 1), 0);
  assert.equal(g.fill(-5, -5, 5, 5, 1), 0);
  assert.equal(g.fill(5, 5, -3, 4, 1), 0);
  assert.equal(g.fill(5, 5, 0, 4, 1), 0);
  assert.equal(g.fill(-(2 ** 51), -(2 ** 51), 2 ** 52, 2 ** 52, 0x00010203), 1024 * 768);
  assert.equal(g.getPixel(512, 384), 0x00010203);
});

test("setPixel and getPixel are bounds-checked; bad arguments are RangeErrors", () => {
  const { dev } = open();
  const g = MdpyGuest.attach(dev);
  const before = hostView(dev).mapping.bytes.slice(0, 8192);
  for (const [x, y] of [[-1, 0], [0, -1], [1024, 0], [0, 768], [5000, 5000]] as const) {
    assert.equal(g.setPixel(x, y, 0xffffffff), false, `(${x},${y})`);
    assert.throws(() => g.getPixel(x, y), RangeError);
  }
  assert.deepEqual(hostView(dev).mapping.bytes.slice(0, 8192), before, "off-screen writes changed nothing");
  assert.equal(g.setPixel(1023, 767, 0xffffffff), true);
  assert.equal(g.getPixel(1023, 767), 0xffffffff);
  assert.throws(() => g.setPixel(0.5, 0, 1), RangeError);
  assert.throws(() => g.getPixel(0, Number.NaN), RangeError);
  assert.throws(() => g.setPixel(0, 0, -1), RangeError);
  assert.throws(() => g.setPixel(0, 0, 2 ** 32), RangeError);
  assert.throws(() => g.fill(0, 0, Infinity, 1, 0), RangeError);
  assert.throws(() => g.fill(0, 0, 1, 1, 1.5), RangeError);
});

test("close unmaps the framebuffer but leaves the device file open", () => {
  const { dev } = open();
  const g = MdpyGuest.attach(dev);
  assert.equal(g.isClosed, false);
  g.close();
  g.close();
  assert.equal(g.isClosed, true);
  assert.throws(() => g.getPixel(0, 0), MdpyGuestError);
  assert.throws(() => g.setPixel(0, 0, 0), MdpyGuestError);
  assert.throws(() => g.fill(0, 0, 1, 1, 0), MdpyGuestError);
  assert.equal(regionInfo(dev, 7).size, 0xff, "the device file still answers");
});

test("attach works with the BAR0 quirk on (it only reads config space with pread)", () => {
  const { dev } = open({ quirks: true });
  const g = MdpyGuest.attach(dev);
  assert.equal(g.width, 1024);
  g.setPixel(100, 100, 0x00c0ffee);
  assert.equal(getU32(hostView(dev).mapping.bytes, 100 * 4096 + 400), 0x00c0ffee);
});

test("attach honours region offsets from GET_REGION_INFO instead of assuming them", () => {
  const { dev } = open();
  const CFG = 0x40000;
  const FB = 0x80000;
  // The same device with config space and BAR0 moved elsewhere in the fd.
  const moved: DeviceFile = {
    fd: dev.fd,
    ioctl(request, arg) {
      const ret = dev.ioctl(request, arg);
      if (ret === 0 && request === VFIO_DEVICE_GET_REGION_INFO && arg instanceof Uint8Array) {
        const index = getU32(arg, 8);
        if (index === 7) setU64Number(arg, 24, CFG);
        if (index === 0) setU64Number(arg, 24, FB);
      }
      return ret;
    },
    pread: (buf, offset) => (offset >= CFG && offset < CFG + 0x100 ? dev.pread(buf, offset - CFG) : -Errno.EFAULT),
    pwrite: () => -Errno.EFAULT,
    mmap: (length, prot, flags, offset) => (offset === FB ? dev.mmap(length, prot, flags, 0x1000) : -Errno.EINVAL),
    dmaBuf: (fd) => dev.dmaBuf(fd),
    close: () => dev.close(),
  };
  const g = MdpyGuest.attach(moved);
  assert.deepEqual([g.width, g.height], [1024, 768]);
  g.setPixel(0, 0, 0x00123456);
  assert.equal(getU32(hostView(dev).mapping.bytes, 0), 0x00123456);
});

test("attach draws through the mapping it was given, wherever that view starts", () => {
  const { dev } = open({ type: "mdpy-vga" });
  const FB = 2 * 1024 * 1024;
  const backing = new Uint8Array(new SharedArrayBuffer(FB + 8192));
  // A native backend's mapping need not start at offset 0 of its buffer.
  const at = (byteOffset: number): DeviceFile => ({
    ...tampered(dev, {}),
    mmap: () => ({ bytes: backing.subarray(byteOffset, byteOffset + FB), unmap: () => undefined }),
  });
  const g = MdpyGuest.attach(at(4096));
  g.setPixel(0, 0, 0x00a1b2c3);
  assert.deepEqual([...backing.subarray(4096, 4100)], [0xc3, 0xb2, 0xa1, 0x00]);
  assert.deepEqual([...backing.subarray(0, 4)], [0, 0, 0, 0]);
  const e = attachError(at(2));
  assert.match(e.message, /unaligned or short/);
});

test("attach rejects a format other than XRGB8888", () => {
  const { dev } = open();
  const e = attachError(tampered(dev, { config: dword(0x44, DrmFormat.XBGR8888) }));
  assert.match(e.message, /format mismatch/);
  assert.match(e.message, /XBGR8888/);
  assert.equal(e.errno, -Errno.EINVAL);
});

test("attach rejects width or height outside 100..10000 and accepts the limits", () => {
  const { dev } = open();
  for (const [off, what, v] of [[0x48, "width", 99], [0x48, "width", 10001], [0x4c, "height", 99], [0x4c, "height", 10001], [0x48, "width", 0], [0x4c, "height", 0xffffffff]] as const) {
    const e = attachError(tampered(dev, { config: dword(off, v) }));
    assert.match(e.message, new RegExp(`${what} ${v} out of range \\(100\\.\\.10000\\)`));
    assert.equal(e.errno, -Errno.EINVAL);
  }
  const small = MdpyGuest.attach(tampered(dev, { config: (m) => { dword(0x48, 100)(m); dword(0x4c, 100)(m); } }));
  assert.deepEqual([small.width, small.height, small.stride], [100, 100, 400]);
  small.close();
  // 10000×100×4 = 4 000 000 bytes still fits the 4 MiB BAR.
  const wide = MdpyGuest.attach(tampered(dev, { config: (m) => { dword(0x48, 10000)(m); dword(0x4c, 100)(m); } }));
  assert.equal(wide.setPixel(9999, 99, 7), true);
  assert.equal(wide.getPixel(9999, 99), 7);
});

test("attach rejects a device that is not mdpy (any of the four PCI ids)", () => {
  const { dev } = open();
  for (const [off, v] of [[0x00, 0x1234], [0x02, 0x1111], [0x2c, 0x8086], [0x2e, 0x0001]] as const) {
    const e = attachError(tampered(dev, { config: word(off, v) }));
    assert.match(e.message, /not an mdpy device/);
  }
});

test("attach rejects a BAR0 too small for the mode, or not mappable", () => {
  const { dev } = open();
  const big = attachError(tampered(dev, { config: (m) => { dword(0x48, 4096)(m); dword(0x4c, 4096)(m); } }));
  assert.match(big.message, /BAR0 holds 4194304 bytes, a 4096x4096 framebuffer needs 67108864/);
  const noMmap = attachError(
    tampered(dev, {
      regionInfo: (index, info) => {
        if (index === 0) setU32(info, 4, 3);
        return undefined;
      },
    }),
  );
  assert.match(noMmap.message, /not a readable, writable, mappable region/);
});

test("attach reports device errors with their errno", () => {
  const { kernel, dev } = open();
  const noRegion = attachError(tampered(dev, { regionInfo: (index) => (index === 7 ? -Errno.EINVAL : undefined) }));
  assert.match(noRegion.message, /GET_REGION_INFO\(7\) failed: -EINVAL/);
  assert.equal(noRegion.errno, -Errno.EINVAL);
  const badRead = attachError(tampered(dev, { configPread: () => -Errno.EFAULT }));
  assert.match(badRead.message, /reading config 0x00 failed: -EFAULT/);
  const shortRead = attachError(tampered(dev, { configPread: () => 1 }));
  assert.match(shortRead.message, /short read \(1 of 2 bytes\)/);
  const noMap = attachError(tampered(dev, { mmap: () => -Errno.ENOMEM }));
  assert.match(noMap.message, /mmap of BAR0 failed: -ENOMEM/);
  assert.equal(noMap.errno, -Errno.ENOMEM);

  assert.equal(kernel.bus.remove(UUID), 0);
  const gone = attachError(dev);
  assert.equal(gone.errno, -Errno.ENODEV);
});
