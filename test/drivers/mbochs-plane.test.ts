/** mbochs QUERY_GFX_PLANE / GET_GFX_DMABUF against KERNEL-ABI.md §3.1 and §6 (facts 5–17, 21–22). */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DrmFormat,
  DrmPlaneType,
  Errno,
  GFX_PLANE_INFO_MINSZ,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  SEEK_END,
  SEEK_SET,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_DEVICE_RESET,
  VFIO_GFX_PLANE_TYPE_DMABUF as DMABUF,
  VFIO_GFX_PLANE_TYPE_PROBE as PROBE,
  VFIO_GFX_PLANE_TYPE_REGION as REGION,
  VFIO_DEVICE_GET_GFX_DMABUF,
  getU32,
  isMapping,
} from "../../src/abi/index.ts";
import { liveDmaBufCount } from "../../src/kernel/dma-buf.ts";
import { BochsGuest } from "../../src/guest/bochs-guest.ts";
import { asDmaBuf, bochsFixture, mapRead } from "../helpers/bochs-fixture.ts";
import { getDmabuf, planeArg, query } from "../helpers/ioctl-args.ts";

const PRIMARY = DrmPlaneType.PRIMARY;

test("QUERY with argsz below 60 is -EINVAL and leaves the caller's bytes alone", () => {
  const { dev } = bochsFixture();
  for (const argsz of [0, 59]) {
    const b = planeArg(DMABUF, PRIMARY, argsz, 0xaa);
    const before = b.slice();
    assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), -Errno.EINVAL, `argsz ${argsz}`);
    assert.deepEqual(b, before);
  }
});

test("QUERY with a huge argsz succeeds and writes exactly 60 bytes", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  const b = planeArg(DMABUF, PRIMARY, 0xffffffff, 0xaa);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
  assert.deepEqual([...b.subarray(GFX_PLANE_INFO_MINSZ)], [0xaa, 0xaa, 0xaa, 0xaa]);
  assert.equal(getU32(b, 24), 640);
});

test("QUERY with an argument buffer shorter than 60 bytes is -EFAULT", () => {
  const { dev } = bochsFixture();
  const b = planeArg(DMABUF, PRIMARY).subarray(0, 59);
  const before = b.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), -Errno.EFAULT);
  assert.deepEqual(b, before);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, 0x1000), -Errno.EFAULT, "a plain value is no pointer");
});

test("probe and flag validation answer exactly as mbochs does", () => {
  const { dev } = bochsFixture();
  const cases: [number, number][] = [
    [PROBE | DMABUF, 0],
    [PROBE | REGION, -Errno.EINVAL],
    [PROBE, -Errno.EINVAL],
    [PROBE | DMABUF | REGION, -Errno.EINVAL],
    [0, -Errno.EINVAL],
    [REGION, -Errno.EINVAL],
    [DMABUF | REGION, -Errno.EINVAL],
    [0xffffffff, -Errno.EINVAL],
    [DMABUF | 0x100, -Errno.EINVAL],
  ];
  for (const [flags, expected] of cases) {
    assert.equal(query(dev, flags, PRIMARY).ret, expected, `flags 0x${flags.toString(16)}`);
  }
});

test("a disabled primary answers 0 with format, size and id zeroed and hotspot 0 (not 0xFFFFFFFF)", () => {
  const { dev } = bochsFixture();
  const b = planeArg(DMABUF, PRIMARY, 64, 0x55);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), 0);
  for (const off of [12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56]) assert.equal(getU32(b, off), 0, `offset ${off}`);
  assert.equal(getU32(b, 60), 0x55555555, "bytes 60..63 untouched");
});

test("an enabled framebuffer is described: XRGB8888, linear, stride, size, id ≥ 1", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 1024, height: 768 });
  const { ret, info } = query(dev, DMABUF, PRIMARY);
  assert.equal(ret, 0);
  assert.equal(info.drmFormat, DrmFormat.XRGB8888);
  assert.equal(info.drmFormatMod, 0n);
  assert.deepEqual([info.width, info.height, info.stride, info.size], [1024, 768, 4096, 4096 * 768]);
  assert.ok(info.id >= 1);
  assert.deepEqual([info.xPos, info.yPos, info.xHot, info.yHot], [0, 0, 0, 0]);
});

test("two queries without a guest change give identical replies", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 800, height: 600 });
  const a = query(dev, DMABUF, PRIMARY);
  const b = query(dev, DMABUF, PRIMARY);
  assert.deepEqual(a.bytes, b.bytes);
});

test("cursor, overlay and unknown plane types answer 0 with zeros even while the primary is on", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 800, height: 600 });
  for (const type of [DrmPlaneType.CURSOR, DrmPlaneType.OVERLAY, 3, 0xffffffff]) {
    const { ret, info } = query(dev, DMABUF, type);
    assert.equal(ret, 0, `type ${type}`);
    assert.deepEqual([info.drmFormat, info.width, info.height, info.size, info.id], [0, 0, 0, 0, 0]);
  }
});

test("a new mode gets a new id; ids count up from 1 and are never reused", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 800, height: 600 });
  const first = query(dev, DMABUF, PRIMARY).info.id;
  guest.setMode({ width: 1024, height: 768 });
  const second = query(dev, DMABUF, PRIMARY).info.id;
  guest.setMode({ width: 800, height: 600 });
  const again = query(dev, DMABUF, PRIMARY).info.id;
  guest.setMode({ width: 640, height: 480 });
  const third = query(dev, DMABUF, PRIMARY).info.id;
  assert.deepEqual([first, second, again, third], [1, 2, 1, 3]);
});

test("panning across offsets adds one entry per distinct mode", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  const ids = new Set<number>();
  for (let n = 0; n < guest.bufferCount && n < 5; n++) {
    guest.flip(n);
    ids.add(query(dev, DMABUF, PRIMARY).info.id);
  }
  assert.equal(ids.size, 5);
});

test("GET_GFX_DMABUF returns an fd whose size is the plane size", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 1024, height: 768 });
  const { info } = query(dev, DMABUF, PRIMARY);
  const fd = getDmabuf(dev, info.id);
  assert.ok(fd >= 0);
  const buf = asDmaBuf(dev, fd);
  assert.equal(buf.size(), info.size);
  assert.equal(buf.lseek(0, SEEK_END), info.size);
  assert.equal(buf.lseek(0, SEEK_SET), 0);
  assert.equal(buf.lseek(1, SEEK_SET), -Errno.EINVAL);
  assert.equal(buf.close(), 0);
  assert.equal(buf.close(), -Errno.EBADF);
});

test("GET_GFX_DMABUF of an unknown id is -ENOENT; a short argument is -EFAULT", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  query(dev, DMABUF, PRIMARY);
  for (const id of [0, 2, 9999, 0xffffffff]) assert.equal(getDmabuf(dev, id), -Errno.ENOENT, `id ${id}`);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, new Uint8Array(3)), -Errno.EFAULT);
});

test("the dma-buf maps read-only and shared, shows guest VRAM live, and refuses the rest", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 1024, height: 768 });
  const { info } = query(dev, DMABUF, PRIMARY);
  const buf = asDmaBuf(dev, getDmabuf(dev, info.id));
  const len = Math.floor(info.size / 4096) * 4096;
  const map = mapRead(buf, len);
  guest.setPixel(130, 9, 0x00123456);
  const at = 9 * info.stride + 130 * 4;
  assert.deepEqual([...map.bytes.subarray(at, at + 4)], [0x56, 0x34, 0x12, 0x00]);
  assert.equal(buf.mmap(len, PROT_READ, MAP_PRIVATE), -Errno.EINVAL, "MAP_PRIVATE");
  assert.equal(buf.mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED), -Errno.EACCES, "PROT_WRITE on a read-only dma-buf");
  assert.equal(buf.mmap(len + 4096, PROT_READ, MAP_SHARED), -Errno.EINVAL, "past the end");
  assert.ok(isMapping(buf.mmap(4096, PROT_READ, MAP_SHARED, 4096 * 767)), "the last whole page");
  assert.equal(buf.mmap(4096, PROT_READ, MAP_SHARED, 4096 * 768), -Errno.EINVAL, "offset past the end");
  assert.equal(buf.mmap(0, PROT_READ, MAP_SHARED), -Errno.EINVAL, "length 0");
  assert.equal(buf.mmap(4096, PROT_READ, MAP_SHARED, 100), -Errno.EINVAL, "unaligned offset");
  map.unmap();
});

test("the partial tail page of a buffer whose size is not a page multiple cannot be mapped (800x600)", () => {
  const { dev, guest } = bochsFixture({ type: "mbochs-small" });
  guest.setMode({ width: 800, height: 600 });
  const { info } = query(dev, DMABUF, PRIMARY);
  assert.equal(info.size, 1_920_000);
  const buf = asDmaBuf(dev, getDmabuf(dev, info.id));
  assert.equal(buf.mmap(469 * 4096, PROT_READ, MAP_SHARED), -Errno.EINVAL);
  assert.ok(isMapping(buf.mmap(468 * 4096, PROT_READ, MAP_SHARED)));
});

test("DMA_BUF_IOCTL_SYNC checks its flags like the dma-buf core", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  const buf = asDmaBuf(dev, getDmabuf(dev, query(dev, DMABUF, PRIMARY).info.id));
  assert.equal(buf.sync(1), 0, "START|READ");
  assert.equal(buf.sync(5), 0, "END|READ");
  assert.equal(buf.sync(3), 0, "START|RW");
  assert.equal(buf.sync(0), -Errno.EINVAL, "neither READ nor WRITE");
  assert.equal(buf.sync(4), -Errno.EINVAL, "END alone");
  assert.equal(buf.sync(8), -Errno.EINVAL, "outside the mask");
  assert.equal(buf.ioctl(VFIO_DEVICE_RESET, 0), -Errno.ENOTTY, "a VFIO ioctl on a dma-buf");
  assert.equal(buf.ioctl(0x40086200, new Uint8Array(7)), -Errno.EFAULT, "short sync argument");
});

test("seed 004 race: a GET after the guest changed mode gives exactly the framebuffer QUERY described", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 1024, height: 768 });
  guest.fill(0, 0, 1024, 768, 0x00aa0000, 0);
  guest.fill(0, 0, 1024, 768, 0x0000bb00, 1);
  guest.flip(1);
  const { info } = query(dev, DMABUF, PRIMARY); // describes buffer 1: 1024x768 at 3 MiB
  // Between QUERY and GET the compositor flips back and switches to another mode.
  guest.flip(0);
  guest.setMode({ width: 800, height: 600 });
  const buf = asDmaBuf(dev, getDmabuf(dev, info.id));
  assert.equal(buf.size(), info.size, "the size QUERY reported, not the new mode's");
  const map = mapRead(buf, buf.size());
  // Pixel (1000, 700) of buffer 1 in the 1024-wide layout QUERY described:
  const at = 700 * info.stride + 1000 * 4;
  assert.deepEqual([...map.bytes.subarray(at, at + 4)], [0x00, 0xbb, 0x00, 0x00]);
  assert.equal(map.bytes[0 + 1], 0xbb, "the first byte is buffer 1's, not buffer 0's");
  const next = query(dev, DMABUF, PRIMARY).info;
  assert.notEqual(next.id, info.id);
  assert.equal(next.width, 800);
});

test("every GET hands out its own reference: two fds for one id close independently", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  const id = query(dev, DMABUF, PRIMARY).info.id;
  const before = liveDmaBufCount();
  const a = asDmaBuf(dev, getDmabuf(dev, id));
  const b = asDmaBuf(dev, getDmabuf(dev, id));
  assert.notEqual(a.fd, b.fd);
  assert.equal(liveDmaBufCount(), before + 1, "one buffer, two fds");
  assert.equal(a.close(), 0);
  assert.equal(b.size(), 640 * 480 * 4, "the other fd still works");
  assert.equal(b.close(), 0);
  assert.equal(liveDmaBufCount(), before, "released once, when the last fd closed");
  const c = getDmabuf(dev, id);
  assert.ok(c >= 0, "the entry exports again after its buffer was released");
});

test("GET of an entry whose framebuffer is not page aligned is -EINVAL although QUERY gave its id", () => {
  const { dev, guest } = bochsFixture({ type: "mbochs-small" });
  guest.setMode({ width: 800, height: 600, virtHeight: 1200 });
  guest.pan(0, 600); // a guest that pans by whole frames: offset 1,920,000 is not a page multiple
  const { ret, info } = query(dev, DMABUF, PRIMARY);
  assert.equal(ret, 0);
  assert.ok(info.id >= 1);
  assert.equal(getDmabuf(dev, info.id), -Errno.EINVAL);
});

test("closing the device leaves exported dma-bufs readable with the old contents; ids continue", () => {
  const { kernel, uuid, dev, guestDev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  guest.fill(0, 0, 640, 480, 0x00112233);
  const { info } = query(dev, DMABUF, PRIMARY);
  const fd = getDmabuf(dev, info.id);
  const buf = asDmaBuf(dev, fd);
  const map = mapRead(buf, info.size);
  guest.detach();
  assert.equal(guestDev.close(), 0);
  assert.equal(dev.close(), 0);
  // reopen: VRAM starts from zero pages, the old dma-buf still shows the old pages
  const dev2 = kernel.openDevice(uuid);
  assert.ok(typeof dev2 !== "number");
  assert.deepEqual([...map.bytes.subarray(0, 4)], [0x33, 0x22, 0x11, 0x00]);
  const g2 = BochsGuest.attach(dev2);
  g2.setMode({ width: 640, height: 480 });
  assert.equal(g2.getPixel(0, 0), 0, "VRAM content is lost on close");
  const again = query(dev2, DMABUF, PRIMARY).info;
  assert.equal(again.id, info.id + 1, "next_id is not reset by close");
  assert.equal(map.bytes[0], 0x33);
});

test("VFIO_DEVICE_RESET disables the plane and resets DISPI; dma-bufs stay alive", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  const { info } = query(dev, DMABUF, PRIMARY);
  const buf = asDmaBuf(dev, getDmabuf(dev, info.id));
  assert.equal(dev.ioctl(VFIO_DEVICE_RESET, 0), 0);
  const after = query(dev, DMABUF, PRIMARY);
  assert.equal(after.ret, 0);
  assert.equal(after.info.drmFormat, 0);
  assert.equal(guest.readReg(0), 0xb0c5);
  assert.equal(guest.readReg(10), (16 * 1024 * 1024) / 65536);
  assert.equal(buf.size(), info.size);
  assert.ok(isMapping(buf.mmap(4096, PROT_READ, MAP_SHARED)));
});

test("hostile guest registers give 'disabled', never a throw and never memory outside VRAM", () => {
  const { dev, guest } = bochsFixture({ type: "mbochs-small" });
  const program = (regs: Record<number, number>) => {
    for (const index of [4, 1, 2, 3, 5, 6, 7, 8, 9]) guest.writeReg(index, 0);
    for (const [index, value] of Object.entries(regs)) guest.writeReg(Number(index), value);
    guest.writeReg(4, 0x41);
    return query(dev, DMABUF, PRIMARY);
  };
  const cases: Record<number, number>[] = [
    { 1: 0xffff, 2: 0xffff, 3: 32 }, // xres=yres=0xFFFF: far larger than VRAM
    { 1: 640, 2: 480, 3: 32, 9: 0xffff }, // Y_OFFSET past VRAM
    { 1: 1024, 2: 1024, 3: 32, 8: 1 }, // a full-VRAM frame moved one pixel right ends past VRAM
    { 1: 640, 2: 480, 3: 16 }, // a depth mbochs does not show
    { 1: 63, 2: 480, 3: 32 }, // under 64 pixels
    { 1: 640, 2: 0, 3: 32 },
    { 1: 640, 2: 480, 3: 32, 6: 0xffff }, // virt_width so wide the frame leaves VRAM
  ];
  for (const regs of cases) {
    const { ret, info } = program(regs);
    assert.equal(ret, 0, JSON.stringify(regs));
    assert.equal(info.drmFormat, 0, JSON.stringify(regs));
    assert.equal(info.size, 0);
  }
  // virt_width below xres: the stride follows xres
  const ok = program({ 1: 640, 2: 480, 3: 32, 6: 100 }).info;
  assert.equal(ok.stride, 640 * 4);
  // the largest frame that still fits is accepted: 1024 x 1024 x 4 = 4 MiB exactly
  const full = program({ 1: 1024, 2: 1024, 3: 32 }).info;
  assert.equal(full.size, 4 * 1024 * 1024);
});

test("quirks: the first QUERY of a new mode is -ENOMEM and the retry gets the id", () => {
  const { dev, guest } = bochsFixture({ quirks: true });
  guest.setMode({ width: 800, height: 600 });
  const b = planeArg(DMABUF, PRIMARY, 64, 0x77);
  const before = b.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, b), -Errno.ENOMEM);
  assert.deepEqual(b, before, "nothing copied back on failure");
  const second = query(dev, DMABUF, PRIMARY);
  assert.equal(second.ret, 0);
  assert.equal(second.info.id, 1);
  assert.equal(query(dev, DMABUF, PRIMARY).info.id, 1, "a known mode is found directly");
  guest.setMode({ width: 640, height: 480 });
  assert.equal(query(dev, DMABUF, PRIMARY).ret, -Errno.ENOMEM);
  assert.equal(query(dev, DMABUF, PRIMARY).info.id, 2);
});

test("quirks off: a new mode is described on the first query", () => {
  const { dev, guest } = bochsFixture({ quirks: false });
  guest.setMode({ width: 800, height: 600 });
  assert.equal(query(dev, DMABUF, PRIMARY).ret, 0);
});
