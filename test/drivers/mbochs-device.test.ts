/** mbochs device info, regions, EDID, config space, register accesses and the mdev lifecycle (KERNEL-ABI.md §3.1, §6 19–22). */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Errno,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  REGION_INFO_SIZE,
  VFIO_DEVICE_FEATURE,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_SET_IRQS,
  VfioRegionCapId,
  VfioRegionFlags,
  decodeDeviceInfo,
  decodeRegionCaps,
  decodeRegionInfo,
  findTypeCap,
  getU16,
  getU32,
  isMapping,
  setU32,
} from "../../src/abi/index.ts";
import { misalignment } from "../../src/abi/aligned-memory.ts";
import { createMbochsParent } from "../../src/drivers/bochs/mbochs-parent.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { getDeviceInfo, getIrqInfo, getRegionInfo, nextUuid, regionInfoArg } from "../helpers/ioctl-args.ts";

const RW = VfioRegionFlags.READ | VfioRegionFlags.WRITE;

test("GET_INFO: PCI without the RESET flag, 10 regions, 5 irqs; argsz below 16 is -EINVAL; 16 bytes written", () => {
  const { dev } = bochsFixture();
  const { ret, bytes } = getDeviceInfo(dev);
  assert.equal(ret, 0);
  const info = decodeDeviceInfo(bytes);
  assert.deepEqual([info.flags, info.numRegions, info.numIrqs], [2, 10, 5]);
  assert.equal(getDeviceInfo(dev, 15).ret, -Errno.EINVAL);
  const b = new Uint8Array(20).fill(0xcc);
  setU32(b, 0, 16);
  assert.equal(dev.ioctl(0x3b6b, b), 0);
  assert.equal(getU32(b, 16), 0xcccccccc, "cap_offset is not written");
  assert.equal(dev.ioctl(0x3b6b, new Uint8Array(15)), -Errno.EFAULT);
});

test("GET_IRQ_INFO: count 0 for indexes 0..4 with the caller's flags echoed; index 5 and argsz 15 are -EINVAL", () => {
  const { dev } = bochsFixture();
  for (let i = 0; i < 5; i++) {
    const { ret, bytes } = getIrqInfo(dev, i, 16, 0x5a);
    assert.equal(ret, 0);
    assert.equal(getU32(bytes, 12), 0);
    assert.equal(getU32(bytes, 4), 0x5a);
  }
  assert.equal(getIrqInfo(dev, 5).ret, -Errno.EINVAL);
  assert.equal(getIrqInfo(dev, 0xffffffff).ret, -Errno.EINVAL);
  assert.equal(getIrqInfo(dev, 0, 15).ret, -Errno.EINVAL);
  assert.equal(dev.ioctl(VFIO_DEVICE_SET_IRQS, new Uint8Array(20)), -Errno.EINVAL);
  assert.equal(dev.ioctl(VFIO_DEVICE_FEATURE, new Uint8Array(16)), -Errno.ENOTTY);
  assert.equal(dev.ioctl(0x3b99, 0), -Errno.ENOTTY);
});

test("the region table: offsets, sizes and flags of all ten regions; index 10 and up is -EINVAL", () => {
  const { dev } = bochsFixture();
  const expected: [number, number, number, number][] = [
    [0, 0x3000, 16 * 1024 * 1024, RW | VfioRegionFlags.MMAP],
    [1, 0, 0, 0],
    [2, 0x1000, 0x1000, RW],
    [3, 0, 0, 0],
    [6, 0, 0, 0],
    [7, 0, 0xff, RW],
    [8, 0, 0, 0],
    [9, 0x2000, 0x1000, RW | VfioRegionFlags.CAPS],
  ];
  for (const [index, offset, size, flags] of expected) {
    const { ret, bytes } = getRegionInfo(dev, index, 48);
    assert.equal(ret, 0, `index ${index}`);
    const info = decodeRegionInfo(bytes);
    assert.deepEqual([info.offset, info.size, info.flags], [offset, size, flags], `index ${index}`);
  }
  for (const index of [10, 16, 0xffffffff]) assert.equal(getRegionInfo(dev, index).ret, -Errno.EINVAL, `index ${index}`);
  assert.equal(getRegionInfo(dev, 0, 31).ret, -Errno.EINVAL, "argsz below 32");
});

test("EDID region discovery finds exactly index 9 with the GFX/EDID TYPE cap", () => {
  const { dev } = bochsFixture();
  const found: number[] = [];
  for (let index = 0; index < 10; index++) {
    let { bytes } = getRegionInfo(dev, index);
    const needed = getU32(bytes, 0);
    if (needed > REGION_INFO_SIZE) bytes = getRegionInfo(dev, index, needed).bytes;
    const cap = findTypeCap(decodeRegionCaps(bytes));
    if (cap) {
      assert.deepEqual(cap, { id: VfioRegionCapId.TYPE, version: 1, type: 1, subtype: 1 });
      found.push(index);
    }
  }
  assert.deepEqual(found, [9]);
});

test("region info cap protocol (quirks off, the documented one): argsz 32 learns 48, cap_offset 0; a big argsz is fine", () => {
  const { dev } = bochsFixture();
  const small = getRegionInfo(dev, 9, 32);
  assert.equal(small.ret, 0);
  assert.equal(getU32(small.bytes, 0), 48);
  assert.equal(getU32(small.bytes, 12), 0, "cap_offset 0 when the caps did not fit");
  assert.ok((getU32(small.bytes, 4) & VfioRegionFlags.CAPS) !== 0);
  const b = regionInfoArg(9, 64, 64).fill(0xee, 32);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, b), 0);
  assert.equal(getU32(b, 12), 32);
  assert.deepEqual([...b.subarray(48)], new Array(16).fill(0xee), "nothing written after the caps");
  assert.equal(getU32(b, 0), 64, "argsz stays the caller's when it was big enough");
});

test("quirks: pre-6.19 mbochs refuses argsz above 48 and writes cap_offset 32 even when argsz is 32", () => {
  const { dev } = bochsFixture({ quirks: true });
  assert.equal(getRegionInfo(dev, 9, 64).ret, -Errno.EINVAL);
  assert.equal(getRegionInfo(dev, 0, 49).ret, -Errno.EINVAL);
  const small = getRegionInfo(dev, 9, 32);
  assert.equal(small.ret, 0);
  assert.deepEqual([getU32(small.bytes, 0), getU32(small.bytes, 12)], [48, 32]);
  const full = getRegionInfo(dev, 9, 48);
  assert.deepEqual(findTypeCap(decodeRegionCaps(full.bytes)), { id: 2, version: 1, type: 1, subtype: 1 });
});

function edidReg(dev: ReturnType<typeof bochsFixture>["dev"], offset: number): number {
  const b = new Uint8Array(4);
  assert.equal(dev.pread(b, 0x2000 + offset), 4);
  return getU32(b, 0);
}

function edidWrite(dev: ReturnType<typeof bochsFixture>["dev"], offset: number, value: number): number {
  const b = new Uint8Array(4);
  setU32(b, 0, value);
  return dev.pwrite(b, 0x2000 + offset);
}

test("EDID registers: offset 0x800, max 1024, type limits, link state 0; read-only writes silently ignored", () => {
  const small = bochsFixture({ type: "mbochs-small" }).dev;
  assert.deepEqual([0, 4, 8, 12, 16, 20].map((o) => edidReg(small, o)), [0x800, 1024, 0, 800, 600, 0]);
  assert.equal(edidReg(bochsFixture({ type: "mbochs-medium" }).dev, 12), 1920);
  assert.equal(edidReg(bochsFixture({ type: "mbochs-large" }).dev, 12), 0, "large: no limit");
  assert.equal(edidWrite(small, 4, 4096), 4, "the write 'succeeds'");
  assert.equal(edidReg(small, 4), 1024, "…but edid_max_size is unchanged");
  assert.equal(edidWrite(small, 8, 0xffffffff), 4);
  assert.equal(edidReg(small, 8), 0xffffffff, "edid_size is stored without validation");
  const two = new Uint8Array([1, 0]);
  assert.equal(small.pwrite(two, 0x2000 + 20), 2, "a 2-byte write is accepted and dropped");
  assert.equal(edidReg(small, 20), 0);
});

test("the guest sees the EDID blob in the MMIO window only while the link is up (no validation)", () => {
  const { dev, guest } = bochsFixture();
  const blob = new Uint8Array(128).map((_, i) => (i * 7 + 3) & 0xff); // not a valid EDID: mbochs does not care
  assert.equal(edidWrite(dev, 20, 2), 4);
  assert.equal(dev.pwrite(blob, 0x2000 + 0x800), 128);
  assert.equal(edidWrite(dev, 8, 128), 4);
  assert.deepEqual([...guest.readEdid()], new Array(128).fill(0), "link down: zeros");
  assert.equal(edidWrite(dev, 20, 1), 4, "link UP with a garbage blob is accepted");
  assert.deepEqual(guest.readEdid(), blob);
  assert.equal(edidWrite(dev, 8, 64), 4);
  const seen = guest.readEdid();
  assert.deepEqual(seen.subarray(0, 64), blob.subarray(0, 64));
  assert.deepEqual([...seen.subarray(64)], new Array(64).fill(0), "bytes past edid_size read as zero");
  const back = new Uint8Array(128);
  assert.equal(dev.pread(back, 0x2000 + 0x800), 128);
  assert.deepEqual(back, blob);
  const past = new Uint8Array(8).fill(9);
  assert.equal(dev.pwrite(past, 0x2000 + 0x800 + 1020), 8, "split 4 + 4: the piece past edid_max_size is dropped");
  const tail = new Uint8Array(8);
  dev.pread(tail, 0x2000 + 0x800 + 1020);
  assert.deepEqual([...tail], [9, 9, 9, 9, 0, 0, 0, 0]);
});

test("PCI config: ids, class, BAR flags and BAR sizing; other writes ignored", () => {
  const { dev } = bochsFixture({ type: "mbochs-small" });
  const cfg = new Uint8Array(0x40);
  assert.equal(dev.pread(cfg, 0), 0x40);
  assert.deepEqual([getU16(cfg, 0), getU16(cfg, 2), getU16(cfg, 0x2c), getU16(cfg, 0x2e)], [0x1234, 0x1111, 0x1af4, 0x1100]);
  assert.equal(getU16(cfg, 0x0a), 0x0380);
  assert.equal(cfg[8], 1, "revision");
  assert.equal(getU32(cfg, 0x10), 0x8, "BAR0: 32-bit prefetchable memory");
  assert.equal(getU32(cfg, 0x18), 0x0, "BAR2: 32-bit memory");
  const ones = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
  dev.pwrite(ones, 0x10);
  dev.pwrite(ones, 0x18);
  const bars = new Uint8Array(12);
  dev.pread(bars, 0x10);
  assert.equal(getU32(bars, 0), (~(4 * 1024 * 1024 - 1) | 0x8) >>> 0, "BAR0 size mask");
  assert.equal(getU32(bars, 8), 0xfffff000, "BAR2 size mask");
  const addr = new Uint8Array(4);
  setU32(addr, 0, 0xfe000007);
  dev.pwrite(addr, 0x10);
  dev.pread(bars, 0x10);
  assert.equal(getU32(bars, 0), 0xfe000008, "address bits kept, flag bits fixed");
  dev.pwrite(new Uint8Array([0, 0]), 0x04);
  dev.pread(cfg, 0);
  assert.equal(getU16(cfg, 4), 0x3, "COMMAND writes are ignored");
});

test("DISPI registers answer only 16-bit accesses; odd widths split like the kernel's access loop", () => {
  const { dev, guest } = bochsFixture();
  const four = new Uint8Array(4).fill(0xff);
  assert.equal(dev.pread(four, 0x1500), 4);
  assert.deepEqual([...four], [0, 0, 0, 0], "a 4-byte read of ID is unhandled: zeros");
  const three = new Uint8Array(3);
  assert.equal(dev.pread(three, 0x1500), 3);
  assert.deepEqual([...three], [0xc5, 0xb0, 0], "split into 2 + 1: the 1-byte part reads 0");
  const odd = new Uint8Array(2);
  assert.equal(dev.pread(odd, 0x1501), 2);
  assert.deepEqual([...odd], [0, 0], "unaligned: two 1-byte accesses");
  dev.pwrite(new Uint8Array([0x20, 0x03, 0x20, 0]), 0x1504); // one aligned 4-byte write to YRES+BPP: ignored
  assert.deepEqual([guest.readReg(2), guest.readReg(3)], [0, 0]);
  dev.pwrite(new Uint8Array([0x20, 0x03, 0x58, 0x02]), 0x1502); // unaligned 4 bytes: split 2 + 2, both land
  assert.deepEqual([guest.readReg(1), guest.readReg(2)], [800, 600]);
  assert.equal(dev.pread(new Uint8Array(2), 0x1516), 2, "past the DISPI block: unhandled, still succeeds");
});

test("accesses outside every region are -EFAULT; VRAM reads through the fd land where mmap shows them", () => {
  const { dev, guest } = bochsFixture({ type: "mbochs-small" });
  const memsize = 4 * 1024 * 1024;
  assert.equal(dev.pread(new Uint8Array(4), 0x100), -Errno.EFAULT, "between config and MMIO");
  assert.equal(dev.pread(new Uint8Array(4), 0x3000 + memsize), -Errno.EFAULT, "past VRAM");
  assert.equal(dev.pread(new Uint8Array(8), 0x3000 + memsize - 4), -Errno.EFAULT, "straddling the end of VRAM");
  assert.equal(dev.pwrite(new Uint8Array(4), 0x7fff_ffff_0000), -Errno.EFAULT);
  assert.equal(dev.pread(new Uint8Array(4), -1), -Errno.EINVAL);
  guest.setMode({ width: 640, height: 480 });
  guest.setPixel(1, 0, 0x00abcdef);
  const px = new Uint8Array(4);
  assert.equal(dev.pread(px, 0x3000 + 4), 4);
  assert.deepEqual([...px], [0xef, 0xcd, 0xab, 0]);
  assert.equal(dev.pwrite(new Uint8Array([1, 2, 3, 4]), 0x3000 + 8), 4);
  assert.equal(guest.getPixel(2, 0), 0x04030201);
});

test("quirks: VRAM through the fd lands 8 KiB further than the mmap view; the last two pages are refused", () => {
  const { dev, guest } = bochsFixture({ type: "mbochs-small", quirks: true });
  const memsize = 4 * 1024 * 1024;
  guest.setMode({ width: 1024, height: 1024 });
  guest.setPixel(0, 2, 0x00010203); // VRAM byte 8192 (row 2 of a 4096-byte stride)
  const px = new Uint8Array(4);
  assert.equal(dev.pread(px, 0x3000), 4);
  assert.deepEqual([...px], [0x03, 0x02, 0x01, 0]);
  assert.equal(dev.pread(px, 0x3000 + memsize - 8192), -Errno.EFAULT);
  assert.equal(dev.pread(px, 0x3000 + memsize - 8192 - 4), 4);
});

test("mmap of the device fd: only VRAM at 0x3000, shared, no longer than VRAM", () => {
  const { dev } = bochsFixture({ type: "mbochs-small" });
  const memsize = 4 * 1024 * 1024;
  const m = dev.mmap(memsize, PROT_READ | PROT_WRITE, MAP_SHARED, 0x3000);
  assert.ok(isMapping(m));
  assert.equal(m.bytes.length, memsize);
  assert.equal(misalignment(m.bytes, PAGE_SIZE), 0, "the mapping starts on a page, as the kernel's does");
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0x1000), -Errno.EINVAL, "MMIO is not mappable");
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0x4000), -Errno.EINVAL, "inside VRAM but not at its start");
  assert.equal(dev.mmap(memsize + 4096, PROT_READ, MAP_SHARED, 0x3000), -Errno.EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_PRIVATE, 0x3000), -Errno.EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0x3001), -Errno.EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED | MAP_PRIVATE, 0x3000), -Errno.EINVAL);
});

test("mdev bus: types, budget, duplicates, bad UUIDs, removal", () => {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const types = kernel.bus.types("mbochs");
  assert.deepEqual(types.map((t) => t.id), ["mbochs-small", "mbochs-medium", "mbochs-large"]);
  assert.deepEqual(types.map((t) => t.availableInstances()), [64, 16, 4]);
  assert.equal(types[2]!.description(), "virtual display, 64 MB video memory");
  assert.equal(types[0]!.deviceApi, "vfio-pci");
  const uuids = [nextUuid(), nextUuid(), nextUuid(), nextUuid(), nextUuid()];
  for (const u of uuids.slice(0, 4)) assert.equal(kernel.bus.create("mbochs", "mbochs-large", u), 0);
  assert.equal(kernel.bus.create("mbochs", "mbochs-large", uuids[4]!), -Errno.ENOSPC);
  assert.equal(types[0]!.availableInstances(), 0);
  assert.equal(kernel.bus.create("mbochs", "mbochs-large", uuids[0]!.toUpperCase()), -Errno.EEXIST);
  assert.equal(kernel.bus.create("mbochs", "mbochs-small", "not-a-uuid"), -Errno.EINVAL);
  assert.equal(kernel.bus.create("mbochs", "mbochs-huge", uuids[4]!), -Errno.ENODEV);
  assert.equal(kernel.openDevice(nextUuid()), -Errno.ENODEV);

  const dev = kernel.openDevice(uuids[0]!);
  assert.ok(typeof dev !== "number");
  assert.equal(kernel.bus.remove(uuids[0]!), 0);
  assert.equal(getDeviceInfo(dev).ret, -Errno.ENODEV, "a removed device answers -ENODEV");
  assert.equal(kernel.openDevice(uuids[0]!), -Errno.ENODEV);
  assert.equal(types[2]!.availableInstances(), 0, "memory returns only once the last fd closed");
  assert.equal(dev.close(), 0);
  assert.equal(types[2]!.availableInstances(), 1);
  assert.equal(kernel.bus.remove(uuids[0]!), -Errno.ENODEV);
  assert.equal(kernel.bus.remove(uuids[1]!), 0);
  assert.equal(types[2]!.availableInstances(), 2, "an unopened device gives its memory back at once");
});
