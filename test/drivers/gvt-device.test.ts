/**
 * The GVT vGPU as a VFIO device (KERNEL-ABI.md §3.3 glue, §6 facts 19–20): GET_INFO, regions and their
 * caps, IRQs, unknown ioctls, the device-fd access rules of kvmgt, PCI config, PVINFO, the EDID region
 * (validation, hotplug), the OpRegion, reset, and the parent's types and budget.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Errno,
  MAP_SHARED,
  PROT_READ,
  REGION_INFO_SIZE,
  VFIO_DEVICE_FEATURE,
  VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
  VFIO_DEVICE_IOEVENTFD,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  VfioRegionFlags,
  decodeRegionCaps,
  decodeRegionInfo,
  findTypeCap,
  getU16,
  getU32,
  setU32,
  type DeviceFile,
} from "../../src/abi/index.ts";
import { GuestRam } from "../../src/kernel/guest-ram.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { buildEdid, createGvtParent, edidBlockValid, type GvtDevice } from "../../src/drivers/gvt/index.ts";
import { GvtGuest } from "../../src/guest/gvt-guest.ts";
import { getDeviceInfo, getIrqInfo, getRegionInfo, nextUuid } from "../helpers/ioctl-args.ts";

const MiB = 1024 * 1024;
const T = 2 ** 40; // region offset unit: index << 40
const EDID = 10 * T;
const OPREGION = 9 * T;
const BAR0 = 0;
const CONFIG = 7 * T;
const SDEISR = 0xc4000;
const SDEIIR = 0xc4008;
const SFUSE_STRAP = 0xc2014;
const PCH_PORT_HOTPLUG = 0xc4030;
const PORTD = 1 << 23;

function open(options: { ram?: GuestRam | null; type?: string } = {}): { kernel: HostKernel; uuid: string; dev: DeviceFile; ram: GuestRam; device: GvtDevice } {
  const ram = options.ram ?? new GuestRam(16 * MiB);
  const kernel = new HostKernel().registerParent(createGvtParent({ guestRam: ram }));
  const uuid = nextUuid();
  assert.equal(kernel.bus.create("i915-gvt", options.type ?? "GVTg_V5_4", uuid), 0);
  const dev = kernel.openDevice(uuid);
  if (typeof dev === "number") throw new Error(`open: ${dev}`);
  return { kernel, uuid, dev, ram, device: kernel.bus.get(uuid)!.device.ops as GvtDevice };
}

function rd32(dev: DeviceFile, pos: number): number {
  const b = new Uint8Array(4);
  assert.equal(dev.pread(b, pos), 4, `read 0x${pos.toString(16)}`);
  return getU32(b, 0);
}

function wr32(dev: DeviceFile, pos: number, v: number): number {
  const b = new Uint8Array(4);
  setU32(b, 0, v >>> 0);
  return dev.pwrite(b, pos);
}

test("GET_INFO: flags PCI|RESET, 9 + 2 regions, 5 IRQs; argsz < 16 → -EINVAL; only 16 bytes written", () => {
  const { dev } = open();
  const { ret, bytes } = getDeviceInfo(dev);
  assert.equal(ret, 0);
  assert.deepEqual([getU32(bytes, 0), getU32(bytes, 4), getU32(bytes, 8), getU32(bytes, 12)], [20, 0b11, 11, 5]);
  const b = new Uint8Array(24).fill(0xee);
  setU32(b, 0, 24);
  assert.equal(dev.ioctl(0x3b6b, b), 0);
  assert.deepEqual([...b.subarray(16)], Array(8).fill(0xee));
  assert.equal(getDeviceInfo(dev, 15).ret, -Errno.EINVAL);
  assert.equal(dev.ioctl(0x3b6b, new Uint8Array(15)), -Errno.EFAULT);
});

test("regions: index << 40 offsets, BAR0 16 MiB R/W, config 4 KiB, OpRegion and EDID with TYPE caps, ≥ 11 → -EINVAL", () => {
  const { dev } = open();
  const expect: Record<number, [number, number]> = { 0: [16 * MiB, 3], 1: [0, 0], 2: [0, 0], 3: [0, 0], 4: [0, 0], 5: [0, 0], 6: [0, 0], 7: [4096, 3], 8: [0, 0] };
  for (let i = 0; i < 9; i++) {
    const { ret, bytes } = getRegionInfo(dev, i);
    assert.equal(ret, 0);
    const r = decodeRegionInfo(bytes);
    assert.deepEqual([r.size, r.flags, r.offset], [...expect[i]!, i * T], `region ${i}`);
  }
  const typed: [number, number, number, number, number][] = [
    // index, size, flags, type, subtype
    [9, 8192, VfioRegionFlags.READ | VfioRegionFlags.CAPS, 0x80008086, 1],
    [10, 128, VfioRegionFlags.READ | VfioRegionFlags.WRITE | VfioRegionFlags.CAPS, 1, 1],
  ];
  for (const [index, size, flags, type, subtype] of typed) {
    const small = getRegionInfo(dev, index);
    assert.equal(small.ret, 0);
    assert.deepEqual([getU32(small.bytes, 0), getU32(small.bytes, 4), getU32(small.bytes, 12)], [48, flags, 0], "argsz 32: needed size, no caps");
    const { ret, bytes } = getRegionInfo(dev, index, 48);
    assert.equal(ret, 0);
    const r = decodeRegionInfo(bytes);
    assert.deepEqual([r.size, r.flags, r.offset, r.capOffset], [size, flags, index * T, 32]);
    const cap = findTypeCap(decodeRegionCaps(bytes));
    assert.deepEqual(cap, { id: 2, version: 1, type, subtype });
  }
  for (const index of [11, 16, 0xffffffff]) assert.equal(getRegionInfo(dev, index).ret, -Errno.EINVAL);
  assert.equal(getRegionInfo(dev, 0, 31).ret, -Errno.EINVAL);
});

test("exactly one region carries the GFX/EDID TYPE cap (fact 19)", () => {
  const { dev } = open();
  const found: number[] = [];
  for (let i = 0; i < 11; i++) {
    const { bytes } = getRegionInfo(dev, i, 64);
    const cap = findTypeCap(decodeRegionCaps(bytes));
    if (cap && cap.type === 1 && cap.subtype === 1) found.push(i);
  }
  assert.deepEqual(found, [10]);
});

test("IRQ info: INTX and MSI count 1 with kvmgt's flags; other indexes -EINVAL; SET_IRQS -EINVAL; unknown ioctls -ENOTTY", () => {
  const { dev } = open();
  let r = getIrqInfo(dev, 0);
  assert.equal(r.ret, 0);
  assert.deepEqual([getU32(r.bytes, 4), getU32(r.bytes, 12)], [0b111, 1]);
  r = getIrqInfo(dev, 1);
  assert.equal(r.ret, 0);
  assert.deepEqual([getU32(r.bytes, 4), getU32(r.bytes, 12)], [0b1001, 1]);
  for (const index of [2, 3, 4, 5]) assert.equal(getIrqInfo(dev, index).ret, -Errno.EINVAL);
  assert.equal(getIrqInfo(dev, 0, 15).ret, -Errno.EINVAL);
  assert.equal(dev.ioctl(VFIO_DEVICE_SET_IRQS, new Uint8Array(20)), -Errno.EINVAL);
  for (const req of [VFIO_DEVICE_FEATURE, VFIO_DEVICE_IOEVENTFD, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, 0x12345678]) {
    assert.equal(dev.ioctl(req, new Uint8Array(64)), -Errno.ENOTTY);
  }
});

test("PCI config: Intel 0x8086, Skylake GT2 0x1912, class 0x0300; 64-bit BARs answer sizing; 4 KiB bounds", () => {
  const { dev } = open();
  const id = rd32(dev, CONFIG);
  assert.equal(id & 0xffff, 0x8086);
  assert.equal(id >>> 16, 0x1912);
  const b = new Uint8Array(2);
  assert.equal(dev.pread(b, CONFIG + 0x0a), 2);
  assert.equal(getU16(b, 0), 0x0300);
  assert.equal(rd32(dev, CONFIG + 0x10) & 0xf, 0x4, "BAR0: 64-bit memory");
  assert.equal(rd32(dev, CONFIG + 0x18) & 0xf, 0xc, "BAR2: 64-bit prefetchable memory");
  assert.equal(wr32(dev, CONFIG + 0x10, 0xffffffff), 4);
  assert.equal(rd32(dev, CONFIG + 0x10), (0xff000000 | 0x4) >>> 0, "16 MiB");
  assert.equal(wr32(dev, CONFIG + 0x14, 0xffffffff), 4);
  assert.equal(rd32(dev, CONFIG + 0x14), 0xffffffff);
  assert.equal(wr32(dev, CONFIG + 0x18, 0xffffffff), 4);
  assert.equal(rd32(dev, CONFIG + 0x18), (0xe0000000 | 0xc) >>> 0, "512 MiB aperture");
  assert.equal(wr32(dev, CONFIG, 0x12345678), 4);
  assert.equal(rd32(dev, CONFIG), 0x19128086, "ids are read-only");
  assert.equal(rd32(dev, CONFIG + 0xffc), 0);
  assert.equal(dev.pread(new Uint8Array(8), CONFIG + 0xffc), -Errno.EFAULT, "past 4 KiB");
});

test("device-fd access: any failed piece is -EFAULT (kvmgt read_err); BAR0 gaps, empty BARs and unknown regions", () => {
  const { dev } = open();
  assert.equal(dev.pread(new Uint8Array(4), BAR0 + 2 * MiB), -Errno.EFAULT, "between MMIO and the GGTT");
  assert.equal(dev.pread(new Uint8Array(4), BAR0 + 16 * MiB), -Errno.EFAULT, "past BAR0");
  assert.equal(dev.pread(new Uint8Array(2), BAR0 + 8 * MiB), -Errno.EFAULT, "GGTT takes 4-byte halves only");
  assert.equal(dev.pread(new Uint8Array(8), BAR0 + 8 * MiB), 8);
  for (const index of [1, 2, 3, 4, 5, 6, 8, 11, 200]) assert.equal(dev.pread(new Uint8Array(4), index * T), -Errno.EFAULT, `region ${index}`);
  assert.equal(dev.pwrite(new Uint8Array(4), OPREGION), -Errno.EFAULT, "OpRegion is read-only");
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 0), -Errno.EINVAL);
  assert.equal(dev.mmap(4096, PROT_READ, MAP_SHARED, 2 * T), -Errno.EINVAL);
  // MMIO: plain registers read back; 1- and 2-byte accesses work on them
  assert.equal(wr32(dev, BAR0 + 0x1000, 0xcafebabe), 4);
  assert.equal(rd32(dev, BAR0 + 0x1000), 0xcafebabe);
  const h = new Uint8Array([0x34, 0x12]);
  assert.equal(dev.pwrite(h, BAR0 + 0x1002), 2);
  assert.equal(rd32(dev, BAR0 + 0x1000), 0x1234babe);
  // a read straddling the end of MMIO fails as a whole
  assert.equal(dev.pread(new Uint8Array(8), BAR0 + 2 * MiB - 4), -Errno.EFAULT);
});

test("GGTT through BAR0 + 8 MiB: entries of the vGPU's GM read back; others are dropped and read 0", () => {
  const { dev, device } = open();
  const gm = device.gm;
  const pteAt = (gma: number): number => BAR0 + 8 * MiB + (gma / 4096) * 8;
  const b = new Uint8Array([0x01, 0x30, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
  for (const gma of [gm.apertureBase, gm.hiddenBase + 4096]) {
    assert.equal(dev.pwrite(b, pteAt(gma)), 8);
    const r = new Uint8Array(8);
    assert.equal(dev.pread(r, pteAt(gma)), 8);
    assert.deepEqual(r, b);
  }
  for (const gma of [0, gm.apertureBase - 4096, gm.hiddenBase + gm.hiddenSize]) {
    assert.equal(dev.pwrite(b, pteAt(gma)), 8, "accepted");
    const r = new Uint8Array(8).fill(9);
    assert.equal(dev.pread(r, pteAt(gma)), 8);
    assert.deepEqual([...r], Array(8).fill(0), "but not stored");
  }
});

test("PVINFO: magic 'vGTvGTvG', version 1.0, caps, ballooned GM = the vGPU's slices, 4 fences; only the guest fields are writable", () => {
  const { dev, device } = open();
  const P = BAR0 + 0x78000;
  assert.deepEqual([rd32(dev, P), rd32(dev, P + 4)], [0x76544776, 0x47765447]);
  assert.equal(rd32(dev, P + 8), 1);
  assert.equal(rd32(dev, P + 0x0c), device.vgpuId);
  assert.equal(rd32(dev, P + 0x10), 0b11100);
  assert.deepEqual(
    [rd32(dev, P + 0x40), rd32(dev, P + 0x44), rd32(dev, P + 0x48), rd32(dev, P + 0x4c), rd32(dev, P + 0x50)],
    [device.gm.apertureBase, 128 * MiB, device.gm.hiddenBase, 512 * MiB, 4],
  );
  wr32(dev, P + 0x40, 0);
  wr32(dev, P + 0x44, 0xffffffff);
  assert.equal(rd32(dev, P + 0x40), device.gm.apertureBase, "ballooning info is read-only");
  assert.equal(rd32(dev, P + 0x44), 128 * MiB);
  wr32(dev, P + 0x804, 1);
  assert.equal(rd32(dev, P + 0x804), 1, "display_ready is the guest's");
  wr32(dev, P + 0x830, 7);
  assert.equal(rd32(dev, P + 0x830), 7);
});

test("EDID region registers (fact 20): offset 0x800, max 128, size 128, max res from the type, link 0", () => {
  for (const [type, x, y] of [["GVTg_V5_8", 1024, 768], ["GVTg_V5_4", 1920, 1200], ["GVTg_V5_2", 1920, 1200]] as const) {
    const { dev } = open({ type });
    assert.deepEqual([0, 4, 8, 12, 16, 20].map((o) => rd32(dev, EDID + o)), [0x800, 128, 128, x, y, 0], type);
  }
});

test("EDID region errors: handler errno from the region, -EFAULT through the fd; nothing changes", () => {
  const { dev, device } = open();
  const region = device.edid;
  const errno = (pos: number, bytes: Uint8Array, write: boolean): number => region.access(bytes, pos, write);
  const four = (v: number): Uint8Array => {
    const b = new Uint8Array(4);
    setU32(b, 0, v);
    return b;
  };
  // not 4 bytes → -EINVAL
  assert.equal(errno(8, new Uint8Array(2), false), -Errno.EINVAL);
  assert.equal(errno(8, new Uint8Array(8), false), -Errno.EINVAL);
  assert.equal(errno(22, new Uint8Array(4), false), -Errno.EINVAL, "past the 24 bytes");
  // read-only registers → -EPERM
  for (const off of [0, 4, 12, 16]) assert.equal(errno(off, four(1), true), -Errno.EPERM, `offset ${off}`);
  // edid_size above the maximum → -EINVAL
  assert.equal(errno(8, four(129), true), -Errno.EINVAL);
  // link state other than UP/DOWN → -EINVAL
  for (const v of [0, 3, 0xffffffff]) assert.equal(errno(20, four(v), true), -Errno.EINVAL);
  // through the device fd the syscall says -EFAULT for all of them
  assert.equal(dev.pread(new Uint8Array(2), EDID + 8), -Errno.EFAULT);
  assert.equal(wr32(dev, EDID + 4, 4096), -Errno.EFAULT);
  assert.equal(wr32(dev, EDID + 8, 129), -Errno.EFAULT);
  assert.equal(wr32(dev, EDID + 20, 7), -Errno.EFAULT);
  assert.deepEqual([0, 4, 8, 12, 16, 20].map((o) => rd32(dev, EDID + o)), [0x800, 128, 128, 1920, 1200, 0]);
});

test("EDID blob: accesses past edid_size (not the maximum) fail; edid_size must be written first", () => {
  const { dev, device } = open();
  assert.equal(wr32(dev, EDID + 8, 64), 4);
  assert.equal(dev.pread(new Uint8Array(64), EDID + 0x800), 64);
  assert.equal(dev.pread(new Uint8Array(4), EDID + 0x800 + 64), -Errno.EFAULT);
  assert.equal(device.edid.access(new Uint8Array(4), 0x800 + 62, false), -Errno.EINVAL);
  assert.equal(dev.pwrite(new Uint8Array(68), EDID + 0x800), -Errno.EFAULT);
  assert.equal(wr32(dev, EDID + 8, 0), 4);
  assert.equal(dev.pread(new Uint8Array(1), EDID + 0x800), -Errno.EFAULT);
  assert.equal(wr32(dev, EDID + 8, 128), 4);
  const blob = new Uint8Array(128);
  assert.equal(dev.pread(blob, EDID + 0x800), 128);
  // the failed 68-byte write still did its first sixteen 4-byte pieces, as kvmgt's loop does
  assert.deepEqual([...blob.subarray(0, 64)], Array(64).fill(0));
  assert.deepEqual(blob.subarray(64), buildEdid(1920, 1200).subarray(64));
  assert.ok(edidBlockValid(buildEdid(1920, 1200)), "the built-in EDID is valid");
  assert.ok(!edidBlockValid(blob));
});

test("link UP validates the blob (header, checksum, version, no extensions); DOWN/UP emulate a hotplug the guest polls", () => {
  const { dev, ram, kernel, uuid } = open({ type: "GVTg_V5_8" });
  const guestDev = kernel.openDevice(uuid);
  assert.ok(typeof guestDev !== "number");
  const guest = GvtGuest.attach(guestDev, ram);
  assert.deepEqual(guest.hotplugState(), { connected: true, event: false }, "the monitor is there from the start");
  assert.equal(rd32(guestDev, SFUSE_STRAP) & 1, 1);

  assert.equal(wr32(dev, EDID + 20, 2), 4, "DOWN");
  assert.deepEqual(guest.hotplugState(), { connected: false, event: true });
  assert.equal(rd32(guestDev, SFUSE_STRAP) & 1, 0);
  assert.equal(rd32(guestDev, PCH_PORT_HOTPLUG) & 0x30000, 0x30000);
  assert.equal(guest.preferredMode(), undefined);
  guest.ackHotplug();
  assert.deepEqual(guest.hotplugState(), { connected: false, event: false }, "SDEIIR is write-1-to-clear");
  assert.equal(wr32(guestDev, SDEISR, 0xffffffff), 4);
  assert.equal(rd32(guestDev, SDEISR) & PORTD, 0, "SDEISR is read-only status");
  wr32(guestDev, PCH_PORT_HOTPLUG, 0x30000);
  assert.equal(rd32(guestDev, PCH_PORT_HOTPLUG) & 0x30000, 0, "hotplug status: write 1 to clear");

  const good = buildEdid(1280, 720);
  const variants: [string, (e: Uint8Array) => void][] = [
    ["header", (e) => (e[0] = 0x01)],
    ["header byte 7", (e) => (e[7] = 0xff)],
    ["checksum", (e) => (e[127] = (e[127]! + 1) & 0xff)],
    ["version 2", (e) => { e[18] = 2; e[127] = (e[127]! - 1) & 0xff; }],
    ["an extension block", (e) => { e[126] = 1; e[127] = (e[127]! - 1) & 0xff; }],
    ["all zeros", (e) => e.fill(0)],
  ];
  for (const [label, spoil] of variants) {
    const bad = good.slice();
    spoil(bad);
    assert.equal(dev.pwrite(bad, EDID + 0x800), 128);
    assert.equal(wr32(dev, EDID + 20, 1), -Errno.EFAULT, label);
    assert.equal(rd32(dev, EDID + 20), 2, `${label}: link stays down`);
    assert.deepEqual(guest.hotplugState(), { connected: false, event: false }, `${label}: no hotplug`);
  }
  assert.equal(dev.pwrite(good, EDID + 0x800), 128);
  assert.equal(wr32(dev, EDID + 20, 1), 4, "UP with a valid blob");
  assert.equal(rd32(dev, EDID + 20), 1);
  assert.deepEqual(guest.hotplugState(), { connected: true, event: true });
  assert.deepEqual(guest.readEdid(), good, "the guest reads the new EDID over DP AUX");
  assert.deepEqual(guest.preferredMode(), { width: 1280, height: 720 });
});

test("OpRegion region: read-only, 'IntelGraphicsMem', 8 KiB, reads past the end fail", () => {
  const { dev } = open();
  const sig = new Uint8Array(16);
  assert.equal(dev.pread(sig, OPREGION), 16);
  assert.equal(new TextDecoder().decode(sig), "IntelGraphicsMem");
  assert.equal(rd32(dev, OPREGION + 0x10), 8);
  assert.equal(dev.pread(new Uint8Array(4), OPREGION + 8188), 4);
  assert.equal(dev.pread(new Uint8Array(4), OPREGION + 8192), -Errno.EFAULT);
});

test("VFIO_DEVICE_RESET: registers back to reset values (pipe A on, planes and cursor off, PVINFO hotspot unknown)", () => {
  const { dev } = open();
  wr32(dev, BAR0 + 0x70180, 0x84000000);
  wr32(dev, BAR0 + 0x70080, 0x27);
  wr32(dev, BAR0 + 0x71008, 0x80000000);
  wr32(dev, BAR0 + 0x78830, 3);
  wr32(dev, BAR0 + 0x1000, 0x55);
  assert.equal(dev.ioctl(VFIO_DEVICE_RESET), 0);
  assert.equal(rd32(dev, BAR0 + 0x70008), 0x80000000);
  assert.equal(rd32(dev, BAR0 + 0x71008), 0);
  assert.equal(rd32(dev, BAR0 + 0x70180), 0);
  assert.equal(rd32(dev, BAR0 + 0x70080), 0);
  assert.equal(rd32(dev, BAR0 + 0x78830), 0xffffffff);
  assert.equal(rd32(dev, BAR0 + 0x1000), 0);
  assert.equal(rd32(dev, BAR0 + 0x78000), 0x76544776);
  assert.equal(rd32(dev, BAR0 + SDEIIR), 0);
});

test("opening needs the VM's RAM: no GuestRam → -ENODEV; a provider is asked per UUID", () => {
  const asked: string[] = [];
  const ram = new GuestRam(4 * MiB);
  const kernel = new HostKernel().registerParent(
    createGvtParent({
      guestRam: (uuid) => {
        asked.push(uuid);
        return uuid.endsWith("1") ? ram : undefined;
      },
    }),
  );
  const withRam = "00000000-0000-4000-8000-0000000000a1";
  const without = "00000000-0000-4000-8000-0000000000a2";
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_8", withRam), 0);
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_8", without), 0);
  assert.ok(typeof kernel.openDevice(withRam) !== "number");
  assert.equal(kernel.openDevice(without), -Errno.ENODEV);
  assert.deepEqual(asked, [withRam, without]);
});

test("parent: GVTg_V5_8/_4/_2 with GVT's low/high GM, available instances from the shared budget, -ENOSPC when full", () => {
  const kernel = new HostKernel().registerParent(createGvtParent({ guestRam: new GuestRam(4096) }));
  const avail = (): number[] => kernel.bus.types("i915-gvt").map((t) => t.availableInstances());
  assert.deepEqual(kernel.bus.types("i915-gvt").map((t) => t.id), ["GVTg_V5_8", "GVTg_V5_4", "GVTg_V5_2"]);
  // 384 MiB of aperture and 3200 MiB of hidden GM for guests; 28 fences
  assert.deepEqual(avail(), [6, 3, 1]);
  assert.match(kernel.bus.types("i915-gvt")[0]!.description(), /low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2/);
  const uuids = Array.from({ length: 7 }, () => nextUuid());
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_2", uuids[0]!), 0);
  assert.deepEqual(avail(), [2, 1, 0]);
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_2", uuids[1]!), -Errno.ENOSPC);
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_8", uuids[2]!), 0);
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_8", uuids[3]!), 0);
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_8", uuids[4]!), -Errno.ENOSPC);
  // instances do not overlap
  const gms = kernel.bus.list().map((i) => (i.device.ops as GvtDevice).gm);
  for (const a of gms) for (const b of gms) {
    if (a === b) continue;
    assert.ok(a.apertureBase + a.apertureSize <= b.apertureBase || b.apertureBase + b.apertureSize <= a.apertureBase);
    assert.ok(a.hiddenBase + a.hiddenSize <= b.hiddenBase || b.hiddenBase + b.hiddenSize <= a.hiddenBase);
  }
  assert.equal(kernel.bus.remove(uuids[0]!), 0);
  assert.deepEqual(avail(), [4, 2, 1]);
  assert.equal(kernel.bus.create("i915-gvt", "GVTg_V5_2", uuids[5]!), 0);
});
