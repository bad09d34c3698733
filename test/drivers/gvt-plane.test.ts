/**
 * GVT QUERY_GFX_PLANE against KERNEL-ABI.md §3.3 / §3.5 (GVT column) and §6 facts 5–10, 16, 17: flags,
 * the 60-byte copy rules, pipe and plane selection, every format and modifier, the cursor, and what a
 * hostile guest can program (exact errno, never a throw, never a read outside guest memory).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DrmFormat,
  DrmPlaneType,
  Errno,
  GFX_PLANE_INFO_MINSZ,
  I915_FORMAT_MOD_X_TILED,
  I915_FORMAT_MOD_Y_TILED,
  I915_FORMAT_MOD_Yf_TILED,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_GFX_PLANE_TYPE_DMABUF as DMABUF,
  VFIO_GFX_PLANE_TYPE_PROBE as PROBE,
  VFIO_GFX_PLANE_TYPE_REGION as REGION,
  type DeviceFile,
} from "../../src/abi/index.ts";
import { GuestRam } from "../../src/kernel/guest-ram.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { createGvtParent, encodePte } from "../../src/drivers/gvt/index.ts";
import { GvtGuest, type GvtSurface } from "../../src/guest/gvt-guest.ts";
import { getDmabuf, nextUuid, planeArg, query } from "../helpers/ioctl-args.ts";

const PRIMARY = DrmPlaneType.PRIMARY;
const CURSOR = DrmPlaneType.CURSOR;
const MiB = 1024 * 1024;

// i915 register offsets, written out so a wrong constant in the driver cannot hide behind a shared one
const PIPESRC = [0x6001c, 0x6101c, 0x6201c];
const PIPECONF = [0x70008, 0x71008, 0x72008];
const PLANE_CTL = [0x70180, 0x71180, 0x72180];
const PLANE_STRIDE = [0x70188, 0x71188, 0x72188];
const PLANE_SURF = [0x7019c, 0x7119c, 0x7219c];
const PLANE_OFFSET_A = 0x701a4;
const CURCNTR = [0x70080, 0x71080, 0x72080];
const CURBASE = [0x70084, 0x71084, 0x72084];
const CURPOS = [0x70088, 0x71088, 0x72088];
const CURSOR_X_HOT = 0x78830;
const CURSOR_Y_HOT = 0x78834;

interface Fixture {
  kernel: HostKernel;
  uuid: string;
  dev: DeviceFile;
  guest: GvtGuest;
  ram: GuestRam;
}

function gvtFixture(options: { type?: string; ramBytes?: number; shuffleSeed?: number } = {}): Fixture {
  const ram = new GuestRam(options.ramBytes ?? 32 * MiB);
  const kernel = new HostKernel().registerParent(createGvtParent({ guestRam: ram }));
  const uuid = nextUuid();
  assert.equal(kernel.bus.create("i915-gvt", options.type ?? "GVTg_V5_8", uuid), 0);
  const dev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof dev === "number" || typeof guestDev === "number") throw new Error("open failed");
  const guest = GvtGuest.attach(guestDev, ram, options.shuffleSeed === undefined ? {} : { shuffleSeed: options.shuffleSeed });
  return { kernel, uuid, dev, guest, ram };
}

/** A mapped 4 MiB scratch area of GM for raw register programming, and its base address. */
function mappedArea(guest: GvtGuest, bytes = 4 * MiB): number {
  const pages = bytes / 4096;
  const gma = guest.allocGm(bytes);
  guest.mapPages(gma, guest.allocPages(pages));
  return gma;
}

/** Program pipe A's primary plane with raw register values. */
function programPrimary(guest: GvtGuest, r: { ctl: number; strideReg: number; width: number; height: number; surf: number }): void {
  guest.writeReg(PIPESRC[0]!, (((r.width - 1) << 16) | (r.height - 1)) >>> 0);
  guest.writeReg(PIPECONF[0]!, 0x80000000);
  guest.writeReg(PLANE_STRIDE[0]!, r.strideReg);
  guest.writeReg(PLANE_CTL[0]!, r.ctl >>> 0);
  guest.writeReg(PLANE_SURF[0]!, r.surf >>> 0);
}

function primaryXrgb(f: Fixture, width = 640, height = 480): GvtSurface {
  const s = f.guest.allocSurface({ width, height });
  f.guest.show(s);
  return s;
}

test("probe and flag validation answer exactly as GVT does (facts 6, 7)", () => {
  const { dev } = gvtFixture();
  const cases: [number, number][] = [
    [PROBE | DMABUF, 0],
    [PROBE | REGION, -Errno.EINVAL],
    [PROBE, -Errno.EINVAL],
    [PROBE | DMABUF | REGION, -Errno.EINVAL],
    [0, -Errno.EINVAL],
    [REGION, -Errno.EINVAL],
    [DMABUF | REGION, -Errno.EINVAL],
    [DMABUF | 0x100, -Errno.EINVAL],
    [0xffffffff, -Errno.EINVAL],
  ];
  for (const [flags, expected] of cases) assert.equal(query(dev, flags, PRIMARY).ret, expected, `flags 0x${flags.toString(16)}`);
});

test("PROBE|DMABUF answers 0 and leaves the struct exactly as passed", () => {
  const { dev } = gvtFixture();
  const b = planeArg(PROBE | DMABUF, PRIMARY, 64, 0x5a);
  const before = b.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
  assert.deepEqual(b, before);
});

test("argsz below 60 is -EINVAL, a buffer shorter than 60 bytes or a plain value -EFAULT, nothing written (fact 5)", () => {
  const f = gvtFixture();
  primaryXrgb(f);
  for (const argsz of [0, 59]) {
    const b = planeArg(DMABUF, PRIMARY, argsz, 0xaa);
    const before = b.slice();
    assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), -Errno.EINVAL);
    assert.deepEqual(b, before);
  }
  const short = planeArg(DMABUF, PRIMARY).subarray(0, 59);
  const before = short.slice();
  assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, short), -Errno.EFAULT);
  assert.deepEqual(short, before);
  assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, 0x1000), -Errno.EFAULT);
});

test("a successful query writes exactly 60 bytes: bytes 60..63 stay, argsz/flags/type come back as sent", () => {
  const f = gvtFixture();
  primaryXrgb(f);
  const b = planeArg(DMABUF, PRIMARY, 0xffffffff, 0xaa);
  assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
  assert.deepEqual([...b.subarray(GFX_PLANE_INFO_MINSZ)], [0xaa, 0xaa, 0xaa, 0xaa]);
  const q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.info.argsz, 64);
  assert.equal(q.info.flags, DMABUF);
  assert.equal(q.info.drmPlaneType, PRIMARY);
});

test("primary XRGB8888 640x480 linear: every reply field (fact 9), x/y pos and hotspot 0 for a primary", () => {
  const f = gvtFixture();
  primaryXrgb(f);
  const q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.deepEqual(
    { ...q.info },
    {
      argsz: 64, flags: DMABUF, drmPlaneType: PRIMARY, drmFormat: 0x34325258, drmFormatMod: 0n, width: 640, height: 480,
      stride: 2560, size: 2560 * 480, xPos: 0, yPos: 0, xHot: 0, yHot: 0, id: 1,
    },
  );
});

test("two queries with no guest change give identical replies (fact 10)", () => {
  const f = gvtFixture();
  primaryXrgb(f);
  const a = query(f.dev, DMABUF, PRIMARY);
  const b = query(f.dev, DMABUF, PRIMARY);
  assert.deepEqual(a.bytes, b.bytes);
});

test("disabled plane, disabled cursor, or no enabled pipe: 0 with the caller's struct echoed byte for byte (fact 8)", () => {
  const f = gvtFixture();
  const echo = (type: number, label: string): void => {
    const b = planeArg(DMABUF, type, 64, 0x55);
    const before = b.slice();
    assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0, label);
    assert.deepEqual(b, before, label);
  };
  echo(PRIMARY, "reset state: pipe A on, plane off");
  echo(CURSOR, "reset state: cursor off");
  const s = primaryXrgb(f);
  f.guest.disablePlane();
  echo(PRIMARY, "plane disabled");
  f.guest.show(s);
  f.guest.disablePipe(0);
  echo(PRIMARY, "no pipe enabled");
  // zeroed struct (what QEMU passes) comes back zeroed
  const q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.equal(q.info.drmFormat, 0);
  assert.equal(q.info.size, 0);
  assert.equal(q.info.id, 0);
});

test("OVERLAY (0) and any other plane type are -EINVAL, with or without a plane, nothing written (fact 17)", () => {
  const f = gvtFixture();
  for (const type of [DrmPlaneType.OVERLAY, 3, 0xffffffff]) {
    const b = planeArg(DMABUF, type, 64, 0x33);
    const before = b.slice();
    assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), -Errno.EINVAL, `type ${type}`);
    assert.deepEqual(b, before);
  }
  primaryXrgb(f);
  assert.equal(query(f.dev, DMABUF, DrmPlaneType.OVERLAY).ret, -Errno.EINVAL);
});

test("the first enabled pipe is the one decoded; a later pipe is ignored while an earlier one is on", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  // pipe B: 320x200 XRGB8888
  f.guest.writeReg(PIPECONF[0]!, 0);
  f.guest.writeReg(PIPESRC[1]!, ((319 << 16) | 199) >>> 0);
  f.guest.writeReg(PIPECONF[1]!, 0x80000000);
  f.guest.writeReg(PLANE_STRIDE[1]!, 20);
  f.guest.writeReg(PLANE_CTL[1]!, 0x84000000);
  f.guest.writeReg(PLANE_SURF[1]!, gma);
  let q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.equal(q.info.width, 320);
  assert.equal(q.info.height, 200);
  // pipe C also on: B still wins
  f.guest.writeReg(PIPECONF[2]!, 0x80000000);
  f.guest.writeReg(PIPESRC[2]!, ((99 << 16) | 99) >>> 0);
  assert.equal(query(f.dev, DMABUF, PRIMARY).info.width, 320);
  // pipe A on with its plane off: A is first, so no plane at all
  f.guest.writeReg(PIPECONF[0]!, 0x80000000);
  q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.equal(q.info.drmFormat, 0);
  // PIPECONF reads back with the state bit (30) following the enable bit
  assert.equal(f.guest.readReg(PIPECONF[0]!), 0xc0000000);
  f.guest.writeReg(PIPECONF[0]!, 0);
  assert.equal(f.guest.readReg(PIPECONF[0]!), 0);
});

const FORMATS: [number, number, number][] = [
  // PLANE_CTL value, fourcc, bytes per pixel
  [0x84000000, DrmFormat.XRGB8888, 4],
  [0x84000010, DrmFormat.ARGB8888, 4],
  [0x84000020, DrmFormat.ARGB8888, 4],
  [0x84000030, DrmFormat.ARGB8888, 4],
  [0x84100000, DrmFormat.XBGR8888, 4],
  [0x84100020, DrmFormat.ABGR8888, 4],
  [0x82000000, DrmFormat.XRGB2101010, 4],
  [0x82000030, DrmFormat.XRGB2101010, 4],
  [0x82100000, DrmFormat.XBGR2101010, 4],
  [0x82100020, DrmFormat.XBGR2101010, 4],
  [0x8c000000, DrmFormat.C8, 1],
  [0x8e000000, DrmFormat.RGB565, 2],
  [0x80000000, DrmFormat.YUYV, 2],
  [0x80010000, DrmFormat.UYVY, 2],
  [0x80020000, DrmFormat.YVYU, 2],
  [0x80030000, DrmFormat.VYUY, 2],
  [0x80130000, DrmFormat.VYUY, 2],
];

test("every PLANE_CTL format decodes to GVT's fourcc (format bits 27:24, RGBX bit 20, alpha 5:4, YUV order 17:16)", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  for (const [ctl, fourcc, cpp] of FORMATS) {
    programPrimary(f.guest, { ctl, strideReg: 40, width: 256, height: 100, surf: gma });
    const q = query(f.dev, DMABUF, PRIMARY);
    assert.equal(q.ret, 0, `ctl 0x${ctl.toString(16)}`);
    assert.equal(q.info.drmFormat, fourcc, `ctl 0x${ctl.toString(16)}`);
    assert.equal(q.info.stride, 2560);
    assert.equal(q.info.size, 2560 * 100);
    assert.ok(2560 >= 256 * cpp);
  }
});

test("unsupported formats (NV12, P01x, FP16, XYUV, reserved codes) are -EINVAL and write nothing", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  for (const format of [1, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15]) {
    programPrimary(f.guest, { ctl: (0x80000000 | (format << 24)) >>> 0, strideReg: 40, width: 256, height: 100, surf: gma });
    const b = planeArg(DMABUF, PRIMARY, 64, 0x11);
    const before = b.slice();
    assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), -Errno.EINVAL, `format ${format}`);
    assert.deepEqual(b, before);
  }
});

test("modifiers, stride units and size = stride × roundup(height, tile height) for LINEAR, X, Y, Yf", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  const cases: { tiling: number; strideReg: number; ctlFormat: number; stride: number; mod: bigint; rows: number }[] = [
    { tiling: 0, strideReg: 40, ctlFormat: 0x84000000, stride: 40 * 64, mod: 0n, rows: 481 },
    { tiling: 1, strideReg: 5, ctlFormat: 0x84000000, stride: 5 * 512, mod: I915_FORMAT_MOD_X_TILED, rows: 488 },
    { tiling: 4, strideReg: 20, ctlFormat: 0x84000000, stride: 20 * 128, mod: I915_FORMAT_MOD_Y_TILED, rows: 512 },
    { tiling: 5, strideReg: 20, ctlFormat: 0x84000000, stride: 20 * 128, mod: I915_FORMAT_MOD_Yf_TILED, rows: 512 },
    // Yf at 8 bpp counts the stride in 64-byte units; GVT still rounds to 32 rows (the real tile has 64)
    { tiling: 5, strideReg: 40, ctlFormat: 0x8c000000, stride: 40 * 64, mod: I915_FORMAT_MOD_Yf_TILED, rows: 512 },
  ];
  for (const c of cases) {
    programPrimary(f.guest, { ctl: (c.ctlFormat | (c.tiling << 10)) >>> 0, strideReg: c.strideReg, width: 640, height: 481, surf: gma });
    const q = query(f.dev, DMABUF, PRIMARY);
    assert.equal(q.ret, 0, `tiling ${c.tiling}`);
    assert.equal(q.info.drmFormatMod, c.mod, `tiling ${c.tiling}`);
    assert.equal(q.info.stride, c.stride, `tiling ${c.tiling}`);
    assert.equal(q.info.size, c.stride * c.rows, `tiling ${c.tiling}`);
  }
});

test("an unknown tiling value (2, 3, 6, 7) reports LINEAR with the stride field unscaled, as GVT does", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  for (const tiling of [2, 3, 6, 7]) {
    programPrimary(f.guest, { ctl: (0x8c000000 | (tiling << 10)) >>> 0, strideReg: 64, width: 64, height: 10, surf: gma });
    const q = query(f.dev, DMABUF, PRIMARY);
    assert.equal(q.ret, 0, `tiling ${tiling}`);
    assert.equal(q.info.drmFormatMod, 0n);
    assert.equal(q.info.stride, 64);
    assert.equal(q.info.size, 640);
  }
});

test("width and height come from PIPESRC (+1); the plane offset register is ignored", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 128, width: 2048, height: 1, surf: gma });
  let q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.info.width, 2048);
  assert.equal(q.info.height, 1);
  f.guest.writeReg(PLANE_OFFSET_A, (100 << 16) | 50);
  q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.equal(q.info.width, 2048);
  assert.equal(q.info.size, 8192);
});

test("cursor 0x27: ARGB8888 64x64, stride 256, size 16384, modifier 0, hotspot unknown; moving keeps the id (fact 16)", () => {
  const f = gvtFixture();
  primaryXrgb(f);
  const cur = f.guest.allocCursor(64);
  f.guest.setCursor(cur);
  f.guest.moveCursor(100, 200);
  const a = query(f.dev, DMABUF, CURSOR);
  assert.equal(a.ret, 0);
  assert.deepEqual(
    { f: a.info.drmFormat, m: a.info.drmFormatMod, w: a.info.width, h: a.info.height, s: a.info.stride, z: a.info.size, x: a.info.xPos, y: a.info.yPos, hx: a.info.xHot, hy: a.info.yHot },
    { f: DrmFormat.ARGB8888, m: 0n, w: 64, h: 64, s: 256, z: 16384, x: 100, y: 200, hx: 0xffffffff, hy: 0xffffffff },
  );
  f.guest.moveCursor(300, 5);
  const b = query(f.dev, DMABUF, CURSOR);
  assert.equal(b.info.id, a.info.id);
  assert.equal(b.info.xPos, 300);
  assert.equal(b.info.yPos, 5);
  assert.notEqual(a.info.id, query(f.dev, DMABUF, PRIMARY).info.id);
});

test("cursor modes: 0x07 → 64, 0x22 → 128, 0x23 → 256; 0x02/0x03/0x04 and other non-zero modes → -EINVAL; 0 → echo", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  f.guest.writeReg(CURBASE[0]!, gma);
  for (const [mode, size] of [[0x07, 64], [0x27, 64], [0x22, 128], [0x23, 256], [0x80000027, 64], [0x4000_0023, 256]] as const) {
    f.guest.writeReg(CURCNTR[0]!, mode);
    const q = query(f.dev, DMABUF, CURSOR);
    assert.equal(q.ret, 0, `mode 0x${mode.toString(16)}`);
    assert.equal(q.info.width, size);
    assert.equal(q.info.height, size);
    assert.equal(q.info.stride, size * 4);
    assert.equal(q.info.size, size * size * 4);
    assert.equal(q.info.drmFormat, DrmFormat.ARGB8888);
  }
  for (const mode of [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x20, 0x21, 0x24, 0x25, 0x26]) {
    f.guest.writeReg(CURCNTR[0]!, mode);
    assert.equal(query(f.dev, DMABUF, CURSOR).ret, -Errno.EINVAL, `mode 0x${mode.toString(16)}`);
  }
  f.guest.writeReg(CURCNTR[0]!, 0x18); // mode bits 0: off, whatever else is set
  const b = planeArg(DMABUF, CURSOR, 64, 0x77);
  const before = b.slice();
  assert.equal(f.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
  assert.deepEqual(b, before);
});

test("CURPOS: x bits 12:0 and y bits 27:16; the sign bits of a negative position are dropped (magnitudes reported)", () => {
  const f = gvtFixture();
  const cur = f.guest.allocCursor(64);
  f.guest.setCursor(cur);
  f.guest.moveCursor(-5, -7);
  assert.equal(f.guest.readReg(CURPOS[0]!), (0x80000000 | (7 << 16) | 0x8000 | 5) >>> 0);
  let q = query(f.dev, DMABUF, CURSOR);
  assert.equal(q.info.xPos, 5);
  assert.equal(q.info.yPos, 7);
  f.guest.writeReg(CURPOS[0]!, 0xffffffff);
  q = query(f.dev, DMABUF, CURSOR);
  assert.equal(q.info.xPos, 0x1fff);
  assert.equal(q.info.yPos, 0xfff);
});

test("hotspot: 0xFFFFFFFF until the guest sets PVINFO cursor_x_hot/y_hot; reported only while both are ≤ the cursor size", () => {
  const f = gvtFixture();
  assert.equal(f.guest.readReg(CURSOR_X_HOT), 0xffffffff);
  assert.equal(f.guest.readReg(CURSOR_Y_HOT), 0xffffffff);
  const cur = f.guest.allocCursor(64);
  f.guest.setCursor(cur);
  const hot = (x: number, y: number): [number, number] => {
    f.guest.writeReg(CURSOR_X_HOT, x);
    f.guest.writeReg(CURSOR_Y_HOT, y);
    const q = query(f.dev, DMABUF, CURSOR);
    assert.equal(q.ret, 0);
    return [q.info.xHot, q.info.yHot];
  };
  assert.deepEqual(hot(10, 20), [10, 20]);
  assert.deepEqual(hot(0, 0), [0, 0]);
  assert.deepEqual(hot(64, 64), [64, 64]);
  assert.deepEqual(hot(65, 0), [0xffffffff, 0xffffffff]);
  assert.deepEqual(hot(0, 65), [0xffffffff, 0xffffffff]);
  assert.deepEqual(hot(0xffffffff, 3), [0xffffffff, 0xffffffff]);
});

// ---- hostile guests ---------------------------------------------------------------------------------

test("surface base outside the vGPU's graphics memory → -EINVAL (another vGPU's GM, the host's, the top of 4 GiB)", () => {
  const f = gvtFixture();
  const { aperture, hidden } = f.guest;
  for (const surf of [0, aperture.base - 4096, aperture.base + aperture.size, hidden.base - 4096, hidden.base + hidden.size, 0xfffff000]) {
    programPrimary(f.guest, { ctl: 0x84000000, strideReg: 40, width: 640, height: 480, surf });
    assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL, `surf 0x${surf.toString(16)}`);
    f.guest.writeReg(CURCNTR[0]!, 0x27);
    f.guest.writeReg(CURBASE[0]!, surf);
    assert.equal(query(f.dev, DMABUF, CURSOR).ret, -Errno.EINVAL, `cursor 0x${surf.toString(16)}`);
  }
});

test("base page not translatable (PTE not present, or pointing past the end of RAM) → -EINVAL", () => {
  const f = gvtFixture();
  const gma = f.guest.allocGm(4 * MiB);
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 40, width: 640, height: 480, surf: gma });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL, "no PTE at all");
  const outside = encodePte(f.ram.pageCount);
  f.guest.writePteRaw(gma, outside.lo, outside.hi);
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL, "PTE one page past RAM");
  const far = encodePte(2 ** 33);
  f.guest.writePteRaw(gma, far.lo, far.hi);
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL, "PTE far past RAM");
  const last = encodePte(f.ram.pageCount - 1);
  f.guest.writePteRaw(gma, last.lo & ~1, last.hi);
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL, "present bit clear");
  f.guest.writePteRaw(gma, last.lo, last.hi);
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, 0, "the last RAM page is fine");
});

test("a surface running past the end of the vGPU's GM slice → -EFAULT; one that fits exactly → 0", () => {
  const f = gvtFixture();
  const { hidden, aperture } = f.guest;
  const size = 2560 * 480;
  const fits = hidden.base + hidden.size - Math.ceil(size / 4096) * 4096;
  f.guest.mapPages(fits, f.guest.allocPages(Math.ceil(size / 4096)));
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 40, width: 640, height: 480, surf: fits });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, 0);
  // one more line than fits
  const end = hidden.base + hidden.size;
  const tight = end - size; // not page aligned: masked down
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 40, width: 640, height: 480 + Math.ceil((end - fits) / 2560), surf: fits });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EFAULT);
  assert.ok(tight > 0);
  // the last aperture page: valid base, but the surface would run into the gap before the hidden range
  const lastAperturePage = aperture.base + aperture.size - 4096;
  f.guest.mapPages(lastAperturePage, f.guest.allocPages(1));
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 40, width: 640, height: 480, surf: lastAperturePage });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EFAULT);
  // a cursor in the last page of the slice: 16 KiB do not fit in 4 KiB
  f.guest.writeReg(CURCNTR[0]!, 0x27);
  f.guest.writeReg(CURBASE[0]!, lastAperturePage);
  assert.equal(query(f.dev, DMABUF, CURSOR).ret, -Errno.EFAULT);
});

test("stride 0 (size 0) or smaller than width × bytes per pixel → -EINVAL", () => {
  const f = gvtFixture();
  const gma = mappedArea(f.guest);
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 0, width: 640, height: 480, surf: gma });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL);
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 39, width: 640, height: 480, surf: gma });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL, "2496 < 2560");
  programPrimary(f.guest, { ctl: 0x84000000, strideReg: 40, width: 640, height: 480, surf: gma });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, 0, "2560 = 640 × 4");
  programPrimary(f.guest, { ctl: 0x80000000, strideReg: 20, width: 640, height: 480, surf: gma });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, 0, "YUYV: 1280 = 640 × 2");
  programPrimary(f.guest, { ctl: 0x80000000, strideReg: 19, width: 640, height: 480, surf: gma });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL, "YUYV: 1216 < 1280");
});

test("the largest surface a guest can describe (stride 1023 × 512, 8192 × 4096 lines, ≈ 2^31 bytes) → -EFAULT, no wrap", () => {
  const f = gvtFixture({ type: "GVTg_V5_2" });
  const gma = f.guest.hidden.base;
  f.guest.mapPages(gma, f.guest.allocPages(1));
  // X: 1023 × 512 × 4096 = 2,145,386,496 bytes, past the 1 GiB hidden slice
  programPrimary(f.guest, { ctl: 0x84000400, strideReg: 0x3ff, width: 8192, height: 4096, surf: gma });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EFAULT);
  // the same from a base near the end of 4 GiB of GM: base + size > 2^32 must not wrap into range
  const nearTop = f.guest.hidden.base + f.guest.hidden.size - 4096;
  f.guest.mapPages(nearTop, f.guest.allocPages(1));
  programPrimary(f.guest, { ctl: 0x84000400, strideReg: 0x3ff, width: 8192, height: 4096, surf: nearTop });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EFAULT);
  // Y at the largest stride fits (1023 × 128 × 4096 = 536,346,624 bytes): reported exactly
  programPrimary(f.guest, { ctl: 0x84001000, strideReg: 0x3ff, width: 8192, height: 4096, surf: gma });
  const q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.equal(q.info.size, 1023 * 128 * 4096);
  // all-ones registers everywhere: a precise errno, no throw
  programPrimary(f.guest, { ctl: 0xffffffff, strideReg: 0xffffffff, width: 0x10000, height: 0x10000, surf: 0xffffffff });
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL);
});

test("random register values and GGTT entries: QUERY answers 0/-EINVAL/-EFAULT, never throws, and what it describes is inside guest RAM", () => {
  const f = gvtFixture({ ramBytes: 8 * MiB });
  const { aperture, hidden } = f.guest;
  const gmAddr = fc.oneof(
    fc.constantFrom(aperture.base, hidden.base, hidden.base + 4096, hidden.base + hidden.size - 4096, aperture.base + aperture.size - 4096),
    fc.nat({ max: 0xffffffff }),
  );
  const reg = fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 0x80000000, 0x84000000, 0x84000400, 0x84001000, 0x84001400, 0x8c000000, 0x27, 0x22, 0x23));
  const pte = fc.tuple(gmAddr, fc.oneof(fc.nat({ max: f.ram.pageCount + 4 }), fc.nat({ max: 0xffffffff })), fc.boolean());
  const step = fc.record({
    pipe: fc.constantFrom(0, 1, 2),
    pipeconf: fc.constantFrom(0, 0x80000000, 0xffffffff),
    src: fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(((639 << 16) | 479) >>> 0, 0, 0x1fff0fff)),
    ctl: reg,
    stride: fc.oneof(fc.nat({ max: 0x3ff }), fc.nat({ max: 0xffffffff })),
    surf: gmAddr,
    curcntr: reg,
    curbase: gmAddr,
    curpos: fc.nat({ max: 0xffffffff }),
    ptes: fc.array(pte, { maxLength: 4 }),
    type: fc.constantFrom(0, 1, 2, 3),
  });
  let successes = 0;
  fc.assert(
    fc.property(step, (s) => {
      const g = f.guest;
      g.writeReg(PIPECONF[s.pipe]!, s.pipeconf);
      g.writeReg(PIPESRC[s.pipe]!, s.src);
      g.writeReg(PLANE_CTL[s.pipe]!, s.ctl);
      g.writeReg(PLANE_STRIDE[s.pipe]!, s.stride);
      g.writeReg(PLANE_SURF[s.pipe]!, s.surf);
      g.writeReg(CURCNTR[s.pipe]!, s.curcntr);
      g.writeReg(CURBASE[s.pipe]!, s.curbase);
      g.writeReg(CURPOS[s.pipe]!, s.curpos);
      for (const [gma, pfn, present] of s.ptes) {
        const e = encodePte(pfn);
        g.writePteRaw(gma, present ? e.lo : e.lo & ~1, e.hi);
      }
      const q = query(f.dev, DMABUF, s.type);
      assert.ok([0, -Errno.EINVAL, -Errno.EFAULT].includes(q.ret), `ret ${q.ret}`);
      if (q.ret === 0 && q.info.drmFormat !== 0) {
        successes++;
        assert.ok(q.info.size > 0 && q.info.id >= 1);
        const fd = getDmabuf(f.dev, q.info.id);
        assert.ok(fd >= 3);
        const buf = f.dev.dmaBuf(fd);
        assert.ok(typeof buf !== "number");
        const r = buf.sync(1);
        assert.ok(r === 0 || r === -Errno.EINVAL, `sync ${r}`);
        assert.equal(buf.close(), 0);
      }
    }),
    { numRuns: 3000, seed: 0x6f7 },
  );
  assert.ok(successes >= 20, `only ${successes} described planes`);
});
