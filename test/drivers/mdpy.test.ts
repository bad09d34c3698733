/**
 * mdpy conformance: every mdpy fact of KERNEL-ABI.md §3.2, the mdpy column of §3.5 and §6 fact 18, as
 * request → exact return value and bytes, through the host-kernel model's DeviceFile.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import {
  DrmFormat,
  Errno,
  GFX_PLANE_INFO_SIZE,
  GfxPlaneInfoView,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  VFIO_DEVICE_FEATURE,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_IOEVENTFD,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  VFIO_GFX_PLANE_TYPE_PROBE,
  VFIO_GFX_PLANE_TYPE_REGION,
  decodeGfxPlaneInfo,
  decodeRegionInfo,
  getU16,
  getU32,
  isMapping,
  setU32,
  type DeviceFile,
  type Mapping,
} from "../../src/abi/index.ts";
import { misalignment } from "../../src/abi/aligned-memory.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { createMdpyParent, MdpyDevice, roundupPowOfTwo } from "../../src/drivers/mdpy/index.ts";

// ---------------------------------------------------------------------------------------------------------
// helpers

const PROBE = VFIO_GFX_PLANE_TYPE_PROBE;
const DMABUF = VFIO_GFX_PLANE_TYPE_DMABUF;
const REGION = VFIO_GFX_PLANE_TYPE_REGION;
const EFAULT = -Errno.EFAULT;
const EINVAL = -Errno.EINVAL;
const BAR = 0x1000;
const XGA = { w: 1024, h: 768, fb: 4 * 1024 * 1024 };

function uuid(n: number): string {
  return `6f0c2c3a-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

interface Setup {
  kernel: HostKernel;
  dev: DeviceFile;
  id: string;
  ops: MdpyDevice;
}

function setup(opts: { type?: string; quirks?: boolean; maxDevices?: number } = {}): Setup {
  const kernel = new HostKernel().registerParent(createMdpyParent({ quirks: opts.quirks, maxDevices: opts.maxDevices }));
  const id = uuid(1);
  assert.equal(kernel.bus.create("mdpy", opts.type ?? "mdpy-xga", id), 0);
  const dev = kernel.openDevice(id);
  if (typeof dev === "number") assert.fail(`openDevice: ${dev}`);
  const ops = kernel.bus.get(id)!.device.ops;
  assert.ok(ops instanceof MdpyDevice);
  return { kernel, dev, id, ops };
}

function filled(n: number, byte: number): Uint8Array {
  return new Uint8Array(n).fill(byte);
}

function deviceInfoArg(argsz: number, length = 16): Uint8Array {
  const b = filled(length, 0xaa);
  if (length >= 4) setU32(b, 0, argsz);
  return b;
}

function regionInfoArg(index: number, argsz = 32, length = 32): Uint8Array {
  const b = filled(length, 0xaa);
  if (length >= 4) setU32(b, 0, argsz);
  if (length >= 12) setU32(b, 8, index);
  return b;
}

function irqInfoArg(index: number, argsz = 16, length = 16): Uint8Array {
  const b = filled(length, 0xaa);
  if (length >= 4) setU32(b, 0, argsz);
  if (length >= 12) setU32(b, 8, index);
  return b;
}

/** A plane-info buffer with every output field and the reserved tail prefilled with 0xAA. */
function planeArg(flags: number, planeType = 1, argsz = GFX_PLANE_INFO_SIZE, length = GFX_PLANE_INFO_SIZE): Uint8Array {
  const b = filled(length, 0xaa);
  if (length >= 4) setU32(b, 0, argsz);
  if (length >= 8) setU32(b, 4, flags);
  if (length >= 12) setU32(b, 8, planeType);
  return b;
}

function map(dev: DeviceFile, length: number, offset = BAR, flags = MAP_SHARED, prot = PROT_READ | PROT_WRITE): Mapping {
  const m = dev.mmap(length, prot, flags, offset);
  if (!isMapping(m)) return assert.fail(`mmap failed: ${m}`);
  return m;
}

function gradientByte(row: number, height: number): number {
  return Math.floor((row * 255) / height);
}

function pread(dev: DeviceFile, pos: number, n: number, fill = 0xee): { ret: number; buf: Uint8Array } {
  const buf = filled(n, fill);
  return { ret: dev.pread(buf, pos), buf };
}

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

// ---------------------------------------------------------------------------------------------------------
// types and the device budget

test("types: ids, names, descriptions, device_api and framebuffer sizes", () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const types = kernel.bus.types("mdpy");
  assert.deepEqual(
    types.map((t) => [t.id, t.name, t.deviceApi, t.description()]),
    [
      ["mdpy-vga", "mdpy-vga", "vfio-pci", "virtual display, 640x480 framebuffer"],
      ["mdpy-xga", "mdpy-xga", "vfio-pci", "virtual display, 1024x768 framebuffer"],
      ["mdpy-hd", "mdpy-hd", "vfio-pci", "virtual display, 1920x1080 framebuffer"],
    ],
  );
  const sizes: Record<string, number> = { "mdpy-vga": 2 * 1024 * 1024, "mdpy-xga": 4 * 1024 * 1024, "mdpy-hd": 8 * 1024 * 1024 };
  for (const [i, t] of types.entries()) {
    assert.equal(kernel.bus.create("mdpy", t.id, uuid(10 + i)), 0);
    const ops = kernel.bus.get(uuid(10 + i))!.device.ops as MdpyDevice;
    assert.equal(ops.framebuffer.size, sizes[t.id]);
  }
  assert.equal(roundupPowOfTwo(1), 1);
  assert.equal(roundupPowOfTwo(640 * 480 * 4), 2097152);
  assert.equal(roundupPowOfTwo(4096), 4096);
  assert.equal(roundupPowOfTwo(4097), 8192);
});

test("budget: default 4 devices shared by all types, the 5th create → -ENOMEM", () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const avail = (): number[] => kernel.bus.types("mdpy").map((t) => t.availableInstances());
  assert.deepEqual(avail(), [4, 4, 4]);
  assert.equal(kernel.bus.create("mdpy", "mdpy-vga", uuid(1)), 0);
  assert.equal(kernel.bus.create("mdpy", "mdpy-xga", uuid(2)), 0);
  assert.equal(kernel.bus.create("mdpy", "mdpy-hd", uuid(3)), 0);
  assert.deepEqual(avail(), [1, 1, 1]);
  assert.equal(kernel.bus.create("mdpy", "mdpy-vga", uuid(4)), 0);
  assert.deepEqual(avail(), [0, 0, 0]);
  assert.equal(kernel.bus.create("mdpy", "mdpy-xga", uuid(5)), -Errno.ENOMEM);
  assert.equal(kernel.bus.get(uuid(5)), undefined);
  assert.deepEqual(avail(), [0, 0, 0]);
});

test("budget: maxDevices option (1 and 0) and a bad value", () => {
  const one = new HostKernel().registerParent(createMdpyParent({ maxDevices: 1 }));
  assert.equal(one.bus.create("mdpy", "mdpy-hd", uuid(1)), 0);
  assert.equal(one.bus.create("mdpy", "mdpy-vga", uuid(2)), -Errno.ENOMEM);
  const none = new HostKernel().registerParent(createMdpyParent({ maxDevices: 0 }));
  assert.equal(none.bus.types("mdpy")[0]!.availableInstances(), 0);
  assert.equal(none.bus.create("mdpy", "mdpy-vga", uuid(1)), -Errno.ENOMEM);
  assert.throws(() => createMdpyParent({ maxDevices: -1 }), RangeError);
  assert.throws(() => createMdpyParent({ maxDevices: 1.5 }), RangeError);
});

test("removing a device: fds go dead at once, the slot comes back at the last close", () => {
  const { kernel, dev, id } = setup({ maxDevices: 2 });
  assert.equal(kernel.bus.create("mdpy", "mdpy-vga", uuid(2)), 0);
  const xga = kernel.bus.types("mdpy")[1]!;
  assert.equal(xga.availableInstances(), 0);

  assert.equal(kernel.bus.remove(id), 0);
  assert.equal(kernel.bus.get(id), undefined);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, deviceInfoArg(16)), -Errno.ENODEV);
  assert.equal(dev.pread(new Uint8Array(4), 0), -Errno.ENODEV);
  assert.equal(dev.pwrite(new Uint8Array(4), BAR), -Errno.ENODEV);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, BAR), -Errno.ENODEV);
  assert.equal(kernel.openDevice(id), -Errno.ENODEV);
  // Still open: the device is not released, so its slot is still taken.
  assert.equal(xga.availableInstances(), 0);
  assert.equal(kernel.bus.create("mdpy", "mdpy-xga", uuid(3)), -Errno.ENOMEM);

  assert.equal(dev.close(), 0);
  assert.equal(xga.availableInstances(), 1);
  assert.equal(kernel.bus.create("mdpy", "mdpy-xga", uuid(3)), 0);
  assert.equal(kernel.bus.remove(id), -Errno.ENODEV);
  // A device nobody has open is released by the removal itself.
  assert.equal(kernel.bus.remove(uuid(3)), 0);
  assert.equal(xga.availableInstances(), 1);
});

// ---------------------------------------------------------------------------------------------------------
// config space

test("config space: ids, command, status CAP_LIST, class, BAR0 flags, vendor capability", () => {
  const { dev } = setup();
  const { ret, buf } = pread(dev, 0, 0xff);
  assert.equal(ret, 0xff);
  assert.equal(getU16(buf, 0x00), 0x1b36);
  assert.equal(getU16(buf, 0x02), 0x000f);
  assert.equal(getU16(buf, 0x04), 0x0003); // IO | MEMORY
  assert.equal(getU16(buf, 0x06), 0x0010); // CAP_LIST
  assert.equal(buf[0x08], 0x01);
  assert.equal(getU16(buf, 0x0a), 0x0380);
  assert.equal(getU32(buf, 0x10), 0x00000008); // 32-bit prefetchable memory
  assert.equal(getU32(buf, 0x14), 0);
  assert.equal(getU16(buf, 0x2c), 0x1af4);
  assert.equal(getU16(buf, 0x2e), 0x1100);
  assert.equal(buf[0x34], 0x40);
  assert.deepEqual([...buf.subarray(0x40, 0x44)], [0x09, 0x00, 0x10, 0x00]);
  assert.equal(getU32(buf, 0x44), 0x34325258);
  assert.equal(getU32(buf, 0x48), 1024);
  assert.equal(getU32(buf, 0x4c), 768);
  assert.ok(buf.subarray(0x50).every((b) => b === 0));
});

test("config space: mode dwords per type", () => {
  for (const [type, w, h] of [["mdpy-vga", 640, 480], ["mdpy-hd", 1920, 1080]] as const) {
    const { dev } = setup({ type });
    const f = pread(dev, 0x44, 12).buf;
    assert.deepEqual([getU32(f, 0), getU32(f, 4), getU32(f, 8)], [DrmFormat.XRGB8888, w, h]);
  }
});

test("config space: BAR0 sizing and address writes; other writes ignored but accepted", () => {
  const { dev } = setup();
  const w32 = (pos: number, v: number): number => dev.pwrite(new Uint8Array(u32le(v)), pos);
  const r32 = (pos: number): number => getU32(pread(dev, pos, 4).buf, 0);
  assert.equal(w32(0x10, 0xffffffff), 4);
  assert.equal(r32(0x10), 0xffc00008); // size mask of 4 MiB | prefetchable
  assert.equal(w32(0x10, 0xe0000001), 4);
  assert.equal(r32(0x10), 0xe0000008);
  assert.equal(w32(0x14, 0xffffffff), 4); // BAR1 does not exist
  assert.equal(r32(0x14), 0);
  assert.equal(dev.pwrite(new Uint8Array([0xff, 0xff]), 0x00), 2);
  assert.equal(dev.pwrite(new Uint8Array([0]), 0x04), 1);
  assert.equal(w32(0x48, 1), 4); // the mode is read-only
  assert.equal(getU16(pread(dev, 0, 2).buf, 0), 0x1b36);
  assert.equal(getU16(pread(dev, 4, 2).buf, 0), 0x0003);
  assert.equal(r32(0x48), 1024);
});

test("config space edge: checked by start position only, 0xFF and the gap up to 0x1000 → -EFAULT", () => {
  const { dev } = setup();
  assert.deepEqual(pread(dev, 0xfc, 4), { ret: 4, buf: new Uint8Array(4) });
  assert.deepEqual(pread(dev, 0xfe, 2), { ret: 2, buf: new Uint8Array(2) });
  assert.equal(pread(dev, 0xfd, 2).ret, 2); // 1 @0xFD, 1 @0xFE
  assert.equal(pread(dev, 0xff, 1).ret, EFAULT);
  // 1 @0xFD, 2 @0xFE, then 1 @0x100 fails: the bytes done so far are already in the buffer.
  const partial = pread(dev, 0xfd, 4);
  assert.equal(partial.ret, EFAULT);
  assert.deepEqual([...partial.buf], [0, 0, 0, 0xee]);
  for (const pos of [0x100, 0x800, 0xffc, 0xfff]) {
    assert.equal(pread(dev, pos, 4).ret, EFAULT, `read @${pos.toString(16)}`);
    assert.equal(dev.pwrite(new Uint8Array(4), pos), EFAULT, `write @${pos.toString(16)}`);
  }
  assert.equal(dev.pwrite(new Uint8Array(4), 0xfe), EFAULT); // 2 @0xFE, then 2 @0x100
  // 4 bytes at 0xFFE: 2 @0xFFE fail before the framebuffer starts.
  assert.equal(pread(dev, 0xffe, 4).ret, EFAULT);
});

// ---------------------------------------------------------------------------------------------------------
// VFIO_DEVICE_GET_INFO

test("GET_INFO: flags PCI only, 9 regions, 5 irqs; argsz echoed; only 16 bytes written", () => {
  const { dev } = setup();
  for (const argsz of [16, 20, 24, 0xffffffff]) {
    const b = deviceInfoArg(argsz, 24);
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, b), 0);
    assert.deepEqual([getU32(b, 0), getU32(b, 4), getU32(b, 8), getU32(b, 12)], [argsz, 2, 9, 5]);
    assert.deepEqual([...b.subarray(16)], Array(8).fill(0xaa));
  }
});

test("GET_INFO: argsz 0 and 15 → -EINVAL; buffer < 16 bytes or a plain value → -EFAULT; buffer untouched", () => {
  const { dev } = setup();
  for (const argsz of [0, 15]) {
    const b = deviceInfoArg(argsz);
    const before = b.slice();
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, b), EINVAL);
    assert.deepEqual(b, before);
  }
  const short = deviceInfoArg(16, 15);
  const before = short.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, short), EFAULT);
  assert.deepEqual(short, before);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, 0), EFAULT);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO), EFAULT);
});

// ---------------------------------------------------------------------------------------------------------
// VFIO_DEVICE_GET_REGION_INFO

test("GET_REGION_INFO: config (7) @0 size 0xFF R|W; argsz, index and cap_offset echoed", () => {
  const { dev } = setup();
  const b = regionInfoArg(7, 40, 40);
  setU32(b, 12, 0x12345678);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, b), 0);
  assert.deepEqual(decodeRegionInfo(b), { argsz: 40, flags: 3, index: 7, capOffset: 0x12345678, size: 0xff, offset: 0 });
  assert.deepEqual([...b.subarray(32)], Array(8).fill(0xaa));
});

test("GET_REGION_INFO: BAR0 and region 16 both @0x1000, fb size, R|W|MMAP, no CAPS", () => {
  for (const [type, fb] of [["mdpy-vga", 2 << 20], ["mdpy-xga", 4 << 20], ["mdpy-hd", 8 << 20]] as const) {
    const { dev } = setup({ type });
    for (const index of [0, 16]) {
      const b = regionInfoArg(index);
      setU32(b, 12, 0);
      assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, b), 0);
      assert.deepEqual(decodeRegionInfo(b), { argsz: 32, flags: 7, index, capOffset: 0, size: fb, offset: 0x1000 });
    }
  }
});

test("GET_REGION_INFO: other PCI indexes 1–6, 8 → 0 with flags/size/offset 0", () => {
  const { dev } = setup();
  for (const index of [1, 2, 3, 4, 5, 6, 8]) {
    const b = regionInfoArg(index);
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, b), 0, `index ${index}`);
    const info = decodeRegionInfo(b);
    assert.deepEqual([info.flags, info.index, info.size, info.offset], [0, index, 0, 0]);
  }
});

test("GET_REGION_INFO: indexes 9–15, 17, 0xFFFFFFFF → -EINVAL; argsz 31 → -EINVAL; 31-byte buffer → -EFAULT", () => {
  const { dev } = setup();
  for (const index of [9, 10, 11, 12, 13, 14, 15, 17, 100, 0xffffffff]) {
    const b = regionInfoArg(index);
    const before = b.slice();
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, b), EINVAL, `index ${index}`);
    assert.deepEqual(b, before);
  }
  for (const argsz of [0, 31]) {
    const b = regionInfoArg(0, argsz);
    const before = b.slice();
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, b), EINVAL);
    assert.deepEqual(b, before);
  }
  const short = regionInfoArg(0, 32, 31);
  const before = short.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, short), EFAULT);
  assert.deepEqual(short, before);
});

// ---------------------------------------------------------------------------------------------------------
// IRQs, reset, unknown ioctls

test("GET_IRQ_INFO: -EINVAL for every index until GET_INFO ran, then count 0 for 0..4 with flags echoed", () => {
  const { kernel, dev, id } = setup();
  for (let index = 0; index < 6; index++) {
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, irqInfoArg(index)), EINVAL, `before GET_INFO, index ${index}`);
  }
  // A failed GET_INFO does not fill the cache.
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, deviceInfoArg(8)), EINVAL);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, irqInfoArg(0)), EINVAL);

  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, deviceInfoArg(16)), 0);
  for (let index = 0; index < 5; index++) {
    const b = irqInfoArg(index, 20, 20);
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, b), 0);
    assert.deepEqual([getU32(b, 0), getU32(b, 4), getU32(b, 8), getU32(b, 12)], [20, 0xaaaaaaaa, index, 0]);
    assert.deepEqual([...b.subarray(16)], [0xaa, 0xaa, 0xaa, 0xaa]);
  }
  for (const index of [5, 0xffffffff]) assert.equal(dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, irqInfoArg(index)), EINVAL);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, irqInfoArg(0, 15)), EINVAL);
  const short = irqInfoArg(0, 16, 15);
  const before = short.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, short), EFAULT);
  assert.deepEqual(short, before);

  // The cache belongs to the device, not to the fd.
  assert.equal(dev.close(), 0);
  const again = kernel.openDevice(id);
  if (typeof again === "number") return assert.fail(`reopen: ${again}`);
  assert.equal(again.ioctl(VFIO_DEVICE_GET_IRQ_INFO, irqInfoArg(4)), 0);
});

test("SET_IRQS → -EINVAL whatever the argument", () => {
  const { dev } = setup();
  assert.equal(dev.ioctl(VFIO_DEVICE_SET_IRQS, 0), EINVAL);
  assert.equal(dev.ioctl(VFIO_DEVICE_SET_IRQS, new Uint8Array(20)), EINVAL);
});

test("GET_GFX_DMABUF and unknown ioctls → -ENOTTY", () => {
  const { dev } = setup();
  const id = new Uint8Array(4);
  for (const v of [0, 1, 16]) {
    setU32(id, 0, v);
    assert.equal(dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, id), -Errno.ENOTTY);
  }
  for (const req of [VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, VFIO_DEVICE_IOEVENTFD, VFIO_DEVICE_FEATURE, 0x20003b72, 0x1234, 0]) {
    assert.equal(dev.ioctl(req, new Uint8Array(64)), -Errno.ENOTTY, `request 0x${req.toString(16)}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// VFIO_DEVICE_QUERY_GFX_PLANE

function expectPrimary(b: Uint8Array, argsz: number, planeType: number, w: number, h: number, size: number): void {
  assert.deepEqual(decodeGfxPlaneInfo(b), {
    argsz,
    flags: REGION,
    drmPlaneType: planeType,
    drmFormat: 0x34325258,
    drmFormatMod: 0n,
    width: w,
    height: h,
    stride: w * 4,
    size,
    xPos: 0,
    yPos: 0,
    xHot: 0,
    yHot: 0,
    id: 16,
  });
}

test("fact 18: QUERY {REGION, PRIMARY} on xga → XR24 1024×768 stride 4096 size 4 MiB region 16; bytes 60..63 untouched", () => {
  const { dev } = setup();
  const b = planeArg(REGION, 1);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
  expectPrimary(b, 64, 1, 1024, 768, 4194304);
  assert.deepEqual([...b.subarray(60)], [0xaa, 0xaa, 0xaa, 0xaa]);
  const view = new GfxPlaneInfoView(b);
  assert.equal(view.drmFormat, DrmFormat.XRGB8888);
  assert.equal(view.id, 16);
});

test("QUERY: vga and hd describe their own mode, size = power-of-two fb size", () => {
  for (const [type, w, h, size] of [["mdpy-vga", 640, 480, 2097152], ["mdpy-hd", 1920, 1080, 8388608]] as const) {
    const { dev } = setup({ type });
    const b = planeArg(REGION);
    assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
    expectPrimary(b, 64, 1, w, h, size);
  }
});

test("QUERY ignores drm_plane_type: overlay 0, cursor 2, 3 and 0xFFFFFFFF all get the primary", () => {
  const { dev } = setup();
  for (const planeType of [0, 2, 3, 0xffffffff]) {
    const b = planeArg(REGION, planeType);
    assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0, `plane type ${planeType}`);
    expectPrimary(b, 64, planeType, 1024, 768, 4194304);
  }
});

test("QUERY PROBE|REGION → 0 without writing anything back", () => {
  const { dev } = setup();
  const b = planeArg(PROBE | REGION);
  const before = b.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
  assert.deepEqual(b, before);
});

test("QUERY bad flags → -EINVAL with the buffer untouched", () => {
  const { dev } = setup();
  const cases: [string, number][] = [
    ["0", 0],
    ["PROBE", PROBE],
    ["DMABUF", DMABUF],
    ["DMABUF|REGION", DMABUF | REGION],
    ["PROBE|DMABUF", PROBE | DMABUF],
    ["PROBE|DMABUF|REGION", PROBE | DMABUF | REGION],
    ["REGION|8", REGION | 8],
    ["PROBE|REGION|8", PROBE | REGION | 8],
    ["0xFFFFFFFF", 0xffffffff],
  ];
  for (const [name, flags] of cases) {
    const b = planeArg(flags);
    const before = b.slice();
    assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), EINVAL, name);
    assert.deepEqual(b, before, name);
  }
});

test("QUERY argsz: 0 and 59 → -EINVAL; 60 and 0xFFFFFFFF → 0 writing exactly 60 bytes", () => {
  const { dev } = setup();
  for (const argsz of [0, 59]) {
    const b = planeArg(REGION, 1, argsz);
    const before = b.slice();
    assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), EINVAL, `argsz ${argsz}`);
    assert.deepEqual(b, before);
  }
  for (const argsz of [60, 64, 0xffffffff]) {
    const b = planeArg(REGION, 1, argsz, 72);
    assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0, `argsz ${argsz}`);
    expectPrimary(b, argsz, 1, 1024, 768, 4194304);
    assert.deepEqual([...b.subarray(60)], Array(12).fill(0xaa));
  }
  // A 60-byte buffer is enough: the driver never copies more.
  const exact = planeArg(REGION, 1, 64, 60);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, exact), 0);
  assert.equal(getU32(exact, 56), 16);
});

test("QUERY with a buffer shorter than 60 bytes or a plain value → -EFAULT, nothing written", () => {
  const { dev } = setup();
  for (const length of [0, 4, 59]) {
    const b = planeArg(REGION, 1, 64, length);
    const before = b.slice();
    assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), EFAULT, `length ${length}`);
    assert.deepEqual(b, before);
  }
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, 0x1000), EFAULT);
});

// ---------------------------------------------------------------------------------------------------------
// framebuffer: mmap, reset, pread/pwrite

test("mmap of region 16 shows the grey gradient; RESET repaints it and leaves the tail alone", () => {
  const { dev } = setup();
  const q = planeArg(REGION);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, q), 0);
  const r = regionInfoArg(getU32(q, 56));
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, r), 0);
  const region = decodeRegionInfo(r);
  const m = map(dev, region.size, region.offset);
  assert.equal(m.bytes.length, XGA.fb);
  assert.equal(misalignment(m.bytes, PAGE_SIZE), 0, "the mapping starts on a page, as vmalloc'd memory mapped by the kernel does");

  const checkGradient = (): void => {
    const stride = XGA.w * 4;
    for (let row = 0; row < XGA.h; row++) {
      const want = gradientByte(row, XGA.h);
      const line = m.bytes.subarray(row * stride, (row + 1) * stride);
      if (!line.every((b) => b === want)) assert.fail(`row ${row}: want ${want}`);
    }
  };
  checkGradient();
  assert.equal(m.bytes[0], 0);
  assert.equal(m.bytes[767 * 4096], 254); // ⌊767·255/768⌋
  assert.equal(m.bytes[384 * 4096], 127);
  assert.ok(m.bytes.subarray(XGA.w * XGA.h * 4).every((b) => b === 0), "tail starts zeroed");

  m.bytes.fill(0x5a);
  assert.equal(dev.ioctl(VFIO_DEVICE_RESET), 0);
  checkGradient();
  assert.ok(m.bytes.subarray(XGA.w * XGA.h * 4).every((b) => b === 0x5a), "reset does not touch the tail");
});

test("mmap: only pgoff 1, MAP_SHARED, length ≤ fb size; shorter lengths and PROT_READ work", () => {
  const { dev } = setup();
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0), EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0x2000), EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0x1000 + XGA.fb), EINVAL);
  assert.equal(dev.mmap(XGA.fb, PROT_READ | PROT_WRITE, MAP_PRIVATE, BAR), EINVAL);
  assert.equal(dev.mmap(XGA.fb + 1, PROT_READ, MAP_SHARED, BAR), EINVAL);
  assert.equal(dev.mmap(XGA.fb + 4096, PROT_READ, MAP_SHARED, BAR), EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED | MAP_PRIVATE, BAR), EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, BAR + 1), EINVAL);
  assert.equal(map(dev, XGA.fb - 1).bytes.length, XGA.fb - 1);
  assert.equal(map(dev, 4096, BAR, MAP_SHARED, PROT_READ).bytes.length, 4096);
  const m = map(dev, 100);
  assert.ok(m.bytes.buffer instanceof SharedArrayBuffer, "the framebuffer is shared memory");
});

test("mappings, pread and pwrite all see the same live bytes (quirks off)", () => {
  const { dev } = setup();
  const a = map(dev, XGA.fb);
  const b = map(dev, 8192);
  a.bytes[4100] = 0x42;
  assert.equal(b.bytes[4100], 0x42);
  assert.deepEqual(pread(dev, BAR + 4100, 1), { ret: 1, buf: new Uint8Array([0x42]) });
  assert.equal(dev.pwrite(new Uint8Array([1, 2, 3, 4]), BAR + 8), 4);
  assert.deepEqual([...a.bytes.subarray(8, 12)], [1, 2, 3, 4]);
  assert.deepEqual([...b.bytes.subarray(8, 12)], [1, 2, 3, 4]);
});

test("BAR0 pread/pwrite at odd widths and positions (quirks off)", () => {
  const { dev } = setup();
  const m = map(dev, 4096);
  for (let i = 0; i < 64; i++) m.bytes[i] = i + 1;
  for (const [pos, n] of [[0, 1], [1, 1], [1, 2], [1, 3], [3, 5], [2, 7], [5, 11], [0, 64]] as const) {
    const { ret, buf } = pread(dev, BAR + pos, n);
    assert.equal(ret, n, `pread ${n} @+${pos}`);
    assert.deepEqual([...buf], Array.from({ length: n }, (_, i) => pos + i + 1), `pread ${n} @+${pos}`);
  }
  assert.equal(dev.pwrite(new Uint8Array([0xa1, 0xa2, 0xa3]), BAR + 1), 3);
  assert.equal(dev.pwrite(new Uint8Array([0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7]), BAR + 13), 7);
  assert.deepEqual([...m.bytes.subarray(0, 5)], [1, 0xa1, 0xa2, 0xa3, 5]);
  assert.deepEqual([...m.bytes.subarray(12, 21)], [13, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 21]);
});

test("BAR0 accesses at and past the end of the framebuffer", () => {
  const { dev } = setup();
  const end = BAR + XGA.fb;
  const m = map(dev, XGA.fb);
  m.bytes.set([0xc1, 0xc2, 0xc3, 0xc4], XGA.fb - 4);
  assert.deepEqual(pread(dev, end - 4, 4), { ret: 4, buf: new Uint8Array([0xc1, 0xc2, 0xc3, 0xc4]) });
  assert.deepEqual(pread(dev, end - 1, 1), { ret: 1, buf: new Uint8Array([0xc4]) });
  // 2 @end-2 succeeds and lands in the buffer, 2 @end fails the call.
  assert.deepEqual(pread(dev, end - 2, 4), { ret: EFAULT, buf: new Uint8Array([0xc3, 0xc4, 0xee, 0xee]) });
  assert.equal(pread(dev, end - 1, 2).ret, EFAULT);
  assert.equal(pread(dev, end, 1).ret, EFAULT);
  assert.equal(pread(dev, 2 ** 52, 4).ret, EFAULT);
  assert.equal(dev.pwrite(new Uint8Array([9, 9, 9, 9, 9, 9]), end - 4), EFAULT);
  assert.deepEqual([...m.bytes.subarray(XGA.fb - 4)], [9, 9, 9, 9], "pieces before the failing one were written");
  assert.equal(dev.pread(new Uint8Array(0), end + 100), 0);
  assert.equal(dev.pread(new Uint8Array(4), -1), EINVAL); // the fd layer rejects a negative position
});

test("quirks on: BAR0 pread/pwrite pieces all land at framebuffer offset 0", () => {
  const { dev } = setup({ quirks: true });
  const m = map(dev, 8192);
  for (let i = 0; i < 16; i++) m.bytes[i] = 0x10 + i;
  // Every 4-byte piece reads fb[0..4], whatever its position.
  assert.deepEqual(pread(dev, BAR + 8, 8), { ret: 8, buf: new Uint8Array([0x10, 0x11, 0x12, 0x13, 0x10, 0x11, 0x12, 0x13]) });
  // 1 @+1 reads fb[0]; 2 @+2 reads fb[0..2].
  assert.deepEqual(pread(dev, BAR + 1, 3), { ret: 3, buf: new Uint8Array([0x10, 0x10, 0x11]) });
  assert.equal(dev.pwrite(new Uint8Array([0xd1, 0xd2, 0xd3, 0xd4]), BAR + 4096), 4);
  assert.deepEqual([...m.bytes.subarray(0, 4)], [0xd1, 0xd2, 0xd3, 0xd4]);
  assert.deepEqual([...m.bytes.subarray(4096, 4100)], [0, 0, 0, 0], "the aimed-at bytes are untouched");
  // Bounds are still those of the real position, and config space is unaffected.
  assert.equal(pread(dev, BAR + XGA.fb, 4).ret, EFAULT);
  assert.equal(getU16(pread(dev, 0, 2).buf, 0), 0x1b36);
  assert.equal(getU32(pread(dev, 0x48, 4).buf, 0), 1024);
});

test("quirks off vs on: the same pread at BAR0+64 answers differently", () => {
  for (const quirks of [false, true]) {
    const { dev } = setup({ quirks });
    const m = map(dev, 4096);
    m.bytes.set([1, 2, 3, 4], 0);
    m.bytes.set([5, 6, 7, 8], 64);
    const want = quirks ? [1, 2, 3, 4] : [5, 6, 7, 8];
    assert.deepEqual(pread(dev, BAR + 64, 4), { ret: 4, buf: new Uint8Array(want) }, `quirks ${quirks}`);
  }
});

test("the framebuffer is shared memory: a worker's writes show through pread", async () => {
  const { dev } = setup();
  const m = map(dev, 4096);
  const worker = new Worker(
    `const { workerData, parentPort } = require("node:worker_threads");
     new Uint8Array(workerData.buffer, workerData.byteOffset, 16).fill(0x3c);
     parentPort.postMessage("done");`,
    { eval: true, workerData: { buffer: m.bytes.buffer, byteOffset: m.bytes.byteOffset } },
  );
  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  await worker.terminate();
  assert.deepEqual(pread(dev, BAR, 16), { ret: 16, buf: filled(16, 0x3c) });
});

// ---------------------------------------------------------------------------------------------------------
// robustness of the driver's own entry points

test("driver ops never throw and never reach outside their windows, whatever the position and length", () => {
  const { ops } = setup({ type: "mdpy-vga" });
  const fb = ops.framebuffer.size;
  const position = fc.oneof(
    fc.integer({ min: -10, max: 0x1100 }),
    fc.integer({ min: 0x1000 + fb - 16, max: 0x1000 + fb + 16 }),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, 0.5, 2 ** 53, -(2 ** 60)),
  );
  fc.assert(
    fc.property(position, fc.integer({ min: 0, max: 24 }), fc.boolean(), (pos, n, write) => {
      const buf = new Uint8Array(n);
      const ret = write ? ops.write(buf, pos) : ops.read(buf, pos);
      if (n === 0) return ret === 0;
      if (ret !== n && ret !== EFAULT) return false;
      const valid = Number.isSafeInteger(pos) && pos >= 0;
      if (!valid || (pos >= 0xff && pos < 0x1000)) return ret === EFAULT;
      if (pos + n <= 0xff) return ret === n; // wholly inside config space
      if (pos >= 0x1000) return ret === (pos + n <= 0x1000 + fb ? n : EFAULT);
      return true; // straddles the config end: depends on how the pieces fall (tested exactly above)
    }),
    { numRuns: 3000 },
  );
});

test("driver mmap: views never exceed the framebuffer; ioctls on random bytes never throw", () => {
  const { ops } = setup({ type: "mdpy-vga" });
  const fb = ops.framebuffer.size;
  fc.assert(
    fc.property(fc.integer({ min: -2, max: 4 }), fc.integer({ min: -4096, max: fb + 8192 }), fc.boolean(), (pgoff, length, shared) => {
      const r = ops.mmap({ pgoff, length, prot: PROT_READ, shared });
      if (typeof r === "number") return r === EINVAL;
      return pgoff === 1 && shared && r.length === length && length >= 1 && length <= fb;
    }),
    { numRuns: 2000 },
  );
  const ctx = { installFd: (): number => -Errno.EMFILE, get: () => undefined };
  const requests = [VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_QUERY_GFX_PLANE];
  fc.assert(
    fc.property(fc.constantFrom(...requests), fc.uint8Array({ maxLength: 80 }), (req, bytes) => {
      const ret = ops.ioctl(req, bytes, ctx);
      return ret === 0 || ret === EINVAL || ret === EFAULT;
    }),
    { numRuns: 3000 },
  );
});
