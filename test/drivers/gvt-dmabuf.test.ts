/**
 * GVT dma-buf objects (KERNEL-ABI.md §3.3, §6 facts 11–13, 21): ids (lowest free, reused), kref + initref
 * lifetime, a new dma-buf per GET, sizes, the CPU view (live for contiguous guest pages, a shadow that
 * SYNC refreshes for scattered ones), pinning, the QUERY/flip/GET race, reset and close/reopen.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DrmPlaneType,
  Errno,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  SEEK_END,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_RESET,
  VFIO_GFX_PLANE_TYPE_DMABUF as DMABUF,
  getU32,
  isMapping,
  type DeviceFile,
  type DmaBufFile,
  type Mapping,
} from "../../src/abi/index.ts";
import { GuestRam } from "../../src/kernel/guest-ram.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { liveDmaBufCount } from "../../src/kernel/dma-buf.ts";
import { createGvtParent, encodePte, type GvtDevice } from "../../src/drivers/gvt/index.ts";
import { GvtGuest, type GvtSurface } from "../../src/guest/gvt-guest.ts";
import { getDmabuf, nextUuid, query } from "../helpers/ioctl-args.ts";

const PRIMARY = DrmPlaneType.PRIMARY;
const CURSOR = DrmPlaneType.CURSOR;
const MiB = 1024 * 1024;

interface Fixture {
  kernel: HostKernel;
  uuid: string;
  dev: DeviceFile;
  guestDev: DeviceFile;
  guest: GvtGuest;
  ram: GuestRam;
  device: GvtDevice;
}

function gvtFixture(options: { shuffleSeed?: number } = {}): Fixture {
  const ram = new GuestRam(32 * MiB);
  const kernel = new HostKernel().registerParent(createGvtParent({ guestRam: ram }));
  const uuid = nextUuid();
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_8", uuid), 0);
  const dev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof dev === "number" || typeof guestDev === "number") throw new Error("open failed");
  const guest = GvtGuest.attach(guestDev, ram, options.shuffleSeed === undefined ? {} : { shuffleSeed: options.shuffleSeed });
  const device = kernel.bus.get(uuid)!.device.ops as GvtDevice;
  return { kernel, uuid, dev, guestDev, guest, ram, device };
}

function asDmaBuf(dev: DeviceFile, fd: number): DmaBufFile {
  const d = dev.dmaBuf(fd);
  if (typeof d === "number") throw new Error(`not a dma-buf: ${d}`);
  return d;
}

function mapRead(buf: DmaBufFile, length = buf.size()): Mapping {
  const m = buf.mmap(length, PROT_READ, MAP_SHARED);
  if (!isMapping(m)) throw new Error(`mmap failed: ${m}`);
  return m;
}

function primaryId(dev: DeviceFile): number {
  const q = query(dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.ok(q.info.id >= 1, "a plane is shown");
  return q.info.id;
}

/** XRGB8888 value at (x, y) of a mapped linear buffer. */
function px(m: Mapping, stride: number, x: number, y: number): number {
  return getU32(m.bytes, y * stride + x * 4);
}

test("GET gives a new O_RDWR dma-buf fd every time; size = plane size rounded up to pages (fact 12)", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 800, height: 600 });
  f.guest.show(s);
  const q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.info.size, 3200 * 600);
  const a = getDmabuf(f.dev, q.info.id);
  const b = getDmabuf(f.dev, q.info.id);
  assert.ok(a >= 3 && b >= 3 && a !== b);
  const bufA = asDmaBuf(f.dev, a);
  assert.equal(bufA.size(), 1921024, "1,920,000 rounded up to 469 pages");
  assert.equal(bufA.lseek(0, SEEK_END), 1921024);
  // each fd is its own dma-buf: closing one leaves the other usable
  assert.equal(bufA.close(), 0);
  const bufB = asDmaBuf(f.dev, b);
  assert.equal(bufB.sync(1), 0);
  const m = mapRead(bufB);
  assert.equal(m.bytes.length, 1921024, "the whole rounded size maps");
  m.unmap();
  assert.equal(bufB.close(), 0);
});

test("GET of an unknown id, id 0 or a dead id is -EINVAL; a short argument is -EFAULT (fact 13)", () => {
  const f = gvtFixture();
  assert.equal(getDmabuf(f.dev, 0), -Errno.EINVAL);
  assert.equal(getDmabuf(f.dev, 1), -Errno.EINVAL);
  assert.equal(getDmabuf(f.dev, 0xffffffff), -Errno.EINVAL);
  assert.equal(f.dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, new Uint8Array(3)), -Errno.EFAULT);
  assert.equal(f.dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, 1), -Errno.EFAULT);
});

test("ids: first 1, a new framebuffer a new id (fact 11), the lowest free id reused once an object dies", () => {
  const f = gvtFixture();
  const [s1, s2, s3] = [0, 1, 2].map(() => f.guest.allocSurface({ width: 256, height: 256 }));
  f.guest.show(s1!);
  assert.equal(primaryId(f.dev), 1);
  f.guest.flip(s2!);
  assert.equal(primaryId(f.dev), 2);
  f.guest.flip(s3!);
  assert.equal(primaryId(f.dev), 3);
  assert.deepEqual(f.device.dmabufs.ids(), [1, 2, 3]);
  // export and release 2: its initref went with the GET, so closing the fd kills it
  f.guest.flip(s2!);
  assert.equal(primaryId(f.dev), 2);
  const fd = getDmabuf(f.dev, 2);
  assert.equal(f.dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, new Uint8Array([2, 0, 0, 0])) >= 3, true, "a second GET");
  asDmaBuf(f.dev, fd).close();
  assert.deepEqual(f.device.dmabufs.ids(), [1, 2, 3], "still one dma-buf alive");
  for (let fdn = 3; fdn < 20; fdn++) {
    const d = f.dev.dmaBuf(fdn);
    if (typeof d !== "number") d.close();
  }
  assert.deepEqual(f.device.dmabufs.ids(), [1, 3]);
  assert.equal(getDmabuf(f.dev, 2), -Errno.EINVAL, "a dead id");
  // a new framebuffer takes the lowest free id, 2
  const s4 = f.guest.allocSurface({ width: 256, height: 256 });
  f.guest.flip(s4);
  assert.equal(primaryId(f.dev), 2);
  // the old framebuffer 2 is a different object now: it gets 4
  f.guest.flip(s2!);
  assert.equal(primaryId(f.dev), 4);
});

test("kref + initref: a queried object survives until GET; QUERY after GET takes the initref again", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 128, height: 128 });
  f.guest.show(s);
  const id = primaryId(f.dev);
  const obj = f.device.dmabufs.findById(id)!;
  assert.deepEqual([obj.kref, obj.initref], [1, true]);
  assert.equal(primaryId(f.dev), id);
  assert.deepEqual([obj.kref, obj.initref], [1, true], "a repeated QUERY takes nothing more");
  const fd = getDmabuf(f.dev, id);
  assert.deepEqual([obj.kref, obj.initref], [1, false], "the dma-buf's reference replaced the initref");
  assert.equal(primaryId(f.dev), id);
  assert.deepEqual([obj.kref, obj.initref], [2, true]);
  asDmaBuf(f.dev, fd).close();
  assert.deepEqual([obj.kref, obj.initref], [1, true], "kept alive by the initref");
  assert.equal(f.device.dmabufs.findById(id), obj);
});

test("a cursor that moves keeps its id and the reply carries the latest position; a new image gets a new id", () => {
  const f = gvtFixture();
  const c1 = f.guest.allocCursor(64);
  const c2 = f.guest.allocCursor(64);
  f.guest.setCursor(c1);
  const ids = new Set<number>();
  for (let i = 0; i < 50; i++) {
    f.guest.moveCursor(i * 7 - 20, 300 - i * 3);
    f.guest.setHotspot(i % 10, i % 5);
    const q = query(f.dev, DMABUF, CURSOR);
    assert.equal(q.ret, 0);
    ids.add(q.info.id);
    assert.equal(q.info.xPos, Math.abs(i * 7 - 20));
    assert.equal(q.info.yPos, Math.abs(300 - i * 3));
    assert.deepEqual([q.info.xHot, q.info.yHot], [i % 10, i % 5]);
  }
  assert.equal(ids.size, 1);
  assert.equal(f.device.dmabufs.length, 1);
  f.guest.setCursor(c2);
  const q = query(f.dev, DMABUF, CURSOR);
  assert.notEqual(q.info.id, [...ids][0]);
});

test("the seed-004 race: QUERY, the guest flips, GET → the dma-buf shows the queried framebuffer", () => {
  const f = gvtFixture();
  const a = f.guest.allocSurface({ width: 320, height: 240 });
  const b = f.guest.allocSurface({ width: 320, height: 240 });
  f.guest.fill(a, 0, 0, 320, 240, 0x00aa0000);
  f.guest.fill(b, 0, 0, 320, 240, 0x0000bb00);
  f.guest.show(a);
  const q = query(f.dev, DMABUF, PRIMARY);
  f.guest.flip(b);
  const fd = getDmabuf(f.dev, q.info.id);
  const buf = asDmaBuf(f.dev, fd);
  const m = mapRead(buf);
  assert.equal(buf.sync(1), 0);
  assert.equal(px(m, q.info.stride, 10, 10), 0x00aa0000);
  assert.equal(px(m, q.info.stride, 319, 239), 0x00aa0000);
  assert.notEqual(primaryId(f.dev), q.info.id, "the flipped-to buffer is another object");
});

test("contiguous guest pages: mmap is a LIVE view of guest RAM (no SYNC needed to see new pixels)", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 640, height: 480 });
  assert.ok(s.pfns.every((p, i) => i === 0 || p === s.pfns[i - 1]! + 1), "the fixture hands out contiguous pages");
  f.guest.fill(s, 0, 0, 640, 480, 0x00102030);
  f.guest.show(s);
  const q = query(f.dev, DMABUF, PRIMARY);
  const buf = asDmaBuf(f.dev, getDmabuf(f.dev, q.info.id));
  const m = mapRead(buf);
  assert.equal(px(m, 2560, 5, 5), 0x00102030);
  f.guest.setPixel(s, 5, 5, 0x00ffeedd);
  assert.equal(px(m, 2560, 5, 5), 0x00ffeedd, "seen at once");
  assert.equal(m.bytes.buffer, f.ram.buffer, "the very guest memory");
  assert.equal(m.bytes.byteOffset, s.pfns[0]! * 4096);
});

test("scattered guest pages: mmap is a SHADOW filled at mmap time and refreshed by SYNC START|READ only", () => {
  const f = gvtFixture({ shuffleSeed: 7 });
  const s = f.guest.allocSurface({ width: 640, height: 480 });
  assert.ok(s.pfns.some((p, i) => i > 0 && p !== s.pfns[i - 1]! + 1), "pages are scattered");
  f.guest.fill(s, 0, 0, 640, 480, 0x00010203);
  f.guest.fill(s, 600, 470, 40, 10, 0x00abcdef); // spans the last pages
  f.guest.show(s);
  const q = query(f.dev, DMABUF, PRIMARY);
  const buf = asDmaBuf(f.dev, getDmabuf(f.dev, q.info.id));
  const m = mapRead(buf);
  assert.notEqual(m.bytes.buffer, f.ram.buffer);
  for (let y = 0; y < 480; y += 37) for (let x = 0; x < 640; x += 53) assert.equal(px(m, 2560, x, y), f.guest.getPixel(s, x, y), `${x},${y}`);
  assert.equal(px(m, 2560, 639, 479), 0x00abcdef);
  f.guest.fill(s, 0, 0, 640, 480, 0x00777777);
  assert.equal(px(m, 2560, 100, 100), 0x00010203, "stale until SYNC");
  assert.equal(buf.sync(5), 0, "END|READ refreshes nothing");
  assert.equal(px(m, 2560, 100, 100), 0x00010203);
  assert.equal(buf.sync(2), 0, "START|WRITE refreshes nothing");
  assert.equal(px(m, 2560, 100, 100), 0x00010203);
  assert.equal(buf.sync(1), 0);
  assert.equal(px(m, 2560, 100, 100), 0x00777777);
  assert.equal(px(m, 2560, 639, 479), 0x00777777);
  assert.equal(buf.sync(0), -Errno.EINVAL);
  assert.equal(buf.sync(8), -Errno.EINVAL);
});

test("mmap needs MAP_SHARED (-EINVAL), refuses PROT_WRITE (-EACCES) and lengths past the buffer (-EINVAL)", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 800, height: 600 });
  f.guest.show(s);
  const buf = asDmaBuf(f.dev, getDmabuf(f.dev, primaryId(f.dev)));
  assert.equal(buf.mmap(4096, PROT_READ, MAP_PRIVATE), -Errno.EINVAL);
  assert.equal(buf.mmap(4096, PROT_READ | PROT_WRITE, MAP_SHARED), -Errno.EACCES);
  assert.equal(buf.mmap(buf.size() + 4096, PROT_READ, MAP_SHARED), -Errno.EINVAL);
  const tail = buf.mmap(4096, PROT_READ, MAP_SHARED, buf.size() - 4096);
  assert.ok(isMapping(tail));
});

test("pages are pinned at first use: a later GGTT change does not move the buffer", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 256, height: 16 });
  f.guest.fill(s, 0, 0, 256, 16, 0x00121212);
  f.guest.show(s);
  const buf = asDmaBuf(f.dev, getDmabuf(f.dev, primaryId(f.dev)));
  assert.equal(buf.sync(1), 0); // pins
  const other = f.guest.allocPages(s.pageCount);
  f.guest.mapPages(s.gma, other);
  f.guest.fill(s, 0, 0, 1, 1, 0x00343434); // s.page() still writes the old pages
  const m = mapRead(buf);
  assert.equal(px(m, 1024, 0, 0), 0x00343434);
});

test("a GGTT entry that is not present or points outside RAM: QUERY/GET succeed, mmap and SYNC say -EINVAL", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 1024, height: 64 });
  f.guest.show(s);
  const bad = encodePte(f.ram.pageCount + 100);
  f.guest.writePteRaw(s.gma + 8 * 4096, bad.lo, bad.hi);
  const id = primaryId(f.dev);
  const buf = asDmaBuf(f.dev, getDmabuf(f.dev, id));
  assert.equal(buf.mmap(4096, PROT_READ, MAP_SHARED), -Errno.EINVAL);
  assert.equal(buf.sync(1), -Errno.EINVAL);
  const notPresent = encodePte(s.pfns[8]!);
  f.guest.writePteRaw(s.gma + 8 * 4096, notPresent.lo & ~1, notPresent.hi);
  assert.equal(buf.sync(1), -Errno.EINVAL);
  f.guest.writePteRaw(s.gma + 8 * 4096, notPresent.lo, notPresent.hi);
  assert.equal(buf.sync(1), 0, "mapped again: pins");
  assert.ok(isMapping(buf.mmap(4096, PROT_READ, MAP_SHARED)));
});

test("VFIO_DEVICE_RESET disables the planes and leaves objects and dma-bufs alive and readable", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 320, height: 200 });
  f.guest.fill(s, 0, 0, 320, 200, 0x00445566);
  f.guest.show(s);
  const id = primaryId(f.dev);
  const buf = asDmaBuf(f.dev, getDmabuf(f.dev, id));
  const m = mapRead(buf);
  assert.equal(f.dev.ioctl(VFIO_DEVICE_RESET), 0);
  const q = query(f.dev, DMABUF, PRIMARY);
  assert.equal(q.ret, 0);
  assert.equal(q.info.drmFormat, 0, "plane off after reset");
  assert.equal(f.device.dmabufs.findById(id)?.id, id, "the object is still listed");
  assert.equal(buf.sync(1), 0);
  assert.equal(px(m, 1280, 3, 3), 0x00445566);
  // the GGTT was cleared by the reset: showing the same registers again needs new entries
  f.guest.show(s);
  assert.equal(query(f.dev, DMABUF, PRIMARY).ret, -Errno.EINVAL);
  f.guest.mapPages(s.gma, s.pfns);
  assert.equal(primaryId(f.dev), id, "same framebuffer → same object");
});

test("close with a dma-buf open: it stays readable; a never-mapped orphan is -ENODEV; ids restart at 1 after reopen (fact 21)", () => {
  const f = gvtFixture();
  const a = f.guest.allocSurface({ width: 320, height: 200 });
  const b = f.guest.allocSurface({ width: 320, height: 200 });
  f.guest.fill(a, 0, 0, 320, 200, 0x00abcdef);
  f.guest.show(a);
  const idA = primaryId(f.dev);
  const bufA = asDmaBuf(f.dev, getDmabuf(f.dev, idA));
  const mA = mapRead(bufA);
  f.guest.flip(b);
  const idB = primaryId(f.dev);
  const bufB = asDmaBuf(f.dev, getDmabuf(f.dev, idB));
  assert.deepEqual([idA, idB], [1, 2]);
  const live = liveDmaBufCount();
  assert.equal(f.dev.close(), 0);
  assert.equal(f.guestDev.close(), 0);
  assert.equal(f.device.dmabufs.length, 0, "intel_vgpu_dmabuf_cleanup unlinked everything");
  assert.equal(liveDmaBufCount(), live, "exported buffers live on");
  assert.equal(bufA.sync(1), 0);
  assert.equal(px(mA, 1280, 7, 7), 0x00abcdef);
  assert.equal(bufB.mmap(4096, PROT_READ, MAP_SHARED), -Errno.ENODEV, "an orphan cannot pin pages");
  assert.equal(bufB.sync(1), -Errno.ENODEV);
  // reopen: registers survive (no reset), ids restart at the lowest free
  const dev2 = f.kernel.openDevice(f.uuid);
  assert.ok(typeof dev2 !== "number");
  assert.equal(primaryId(dev2), 1);
  mA.unmap();
  bufA.close();
  bufB.close();
  assert.equal(liveDmaBufCount(), live - 2);
  dev2.close();
});

test("objects die with their last reference and nothing leaks: QUERY+GET+close many times keeps the list small", () => {
  const f = gvtFixture();
  const surfaces = [0, 1, 2].map(() => f.guest.allocSurface({ width: 64, height: 64 }));
  f.guest.show(surfaces[0]!);
  const before = liveDmaBufCount();
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) {
    f.guest.flip(surfaces[i % 3]!);
    const id = primaryId(f.dev);
    seen.add(id);
    const fd = getDmabuf(f.dev, id);
    asDmaBuf(f.dev, fd).close();
  }
  assert.equal(liveDmaBufCount(), before);
  assert.deepEqual(f.device.dmabufs.ids(), [], "every object died with its only dma-buf");
  assert.deepEqual([...seen], [1], "and id 1 was free again every time");
});

test("steady-state QUERY allocates no new objects (same framebuffer → same object, no list growth)", () => {
  const f = gvtFixture();
  const s = f.guest.allocSurface({ width: 640, height: 480 });
  f.guest.show(s);
  const c = f.guest.allocCursor(64);
  f.guest.setCursor(c);
  const b = new Uint8Array(64);
  for (let i = 0; i < 1000; i++) {
    b.fill(0);
    b[0] = 64;
    b[4] = DMABUF;
    b[8] = i % 2 ? CURSOR : PRIMARY;
    f.guest.moveCursor(i % 300, i % 200);
    assert.equal(f.dev.ioctl(0x3b72, b), 0);
  }
  assert.equal(f.device.dmabufs.length, 2);
});
