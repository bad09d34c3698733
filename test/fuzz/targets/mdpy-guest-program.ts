/**
 * Guest programs on mdpy, with checked memory: random writes to PCI config space (BARs, command, the
 * vendor capability with format/width/height) and to the framebuffer, random resets, on every mdpy type.
 * After each program the display consumer polls (QUERY with REGION, region info, mmap of the region, frame
 * read) and the region is mapped and read directly. Invariant: nothing throws, no GuestMemoryFault, the
 * plane always fits its region.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAP_SHARED, PROT_READ, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_RESET, getU32, isMapping, setU32, type DeviceFile } from "../../../src/abi/index.ts";
import { DisplayConsumer } from "../../../src/display/display-consumer.ts";
import { createMdpyParent } from "../../../src/drivers/mdpy/index.ts";
import { HostKernel } from "../../../src/kernel/host-kernel.ts";
import { nextUuid } from "../../helpers/ioctl-args.ts";
import type { FuzzTarget } from "../fuzz-target.ts";

const TYPES = ["mdpy-vga", "mdpy-xga", "mdpy-hd"];
/** mostly the small type: a 1080p frame read per case costs milliseconds */
const whichType = fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) });

function openMdpy(type: string): DeviceFile {
  const kernel = new HostKernel().registerParent(createMdpyParent({}));
  const uuid = nextUuid();
  if (kernel.bus.create("mdpy", type, uuid) !== 0) throw new Error(`mdpy ${type}: create failed`);
  const dev = kernel.openDevice(uuid);
  if (typeof dev === "number") throw new Error(`mdpy ${type}: open failed ${dev}`);
  return dev;
}

/** QUERY (REGION, primary), then the region it names mapped and read at the plane's last byte. */
function readRegionPlane(dev: DeviceFile): void {
  const q = new Uint8Array(64);
  setU32(q, 0, 64);
  setU32(q, 4, 4);
  setU32(q, 8, 1);
  assert.equal(dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, q), 0);
  const size = getU32(q, 36);
  const r = new Uint8Array(32);
  setU32(r, 0, 32);
  setU32(r, 8, getU32(q, 56));
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, r), 0);
  const regionSize = getU32(r, 16);
  assert.ok(size > 0 && size <= regionSize, `plane of ${size} bytes in a region of ${regionSize}`);
  const m = dev.mmap(regionSize, PROT_READ, MAP_SHARED, getU32(r, 24));
  assert.ok(isMapping(m), `mmap of the region: ${String(m)}`);
  const sum = m.bytes[0]! + m.bytes[size - 1]! + m.bytes[getU32(q, 32) * (getU32(q, 28) - 1)]!;
  m.unmap();
  assert.ok(Number.isFinite(sum));
}

const write = fc.tuple(
  fc.oneof(fc.nat({ max: 0xff }), fc.constantFrom(0x04, 0x10, 0x14, 0x30, 0x40, 0x44, 0x48, 0x4c), fc.integer({ min: 0x1000, max: 0x1000 + 8 * 1024 * 1024 })),
  fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.constantFrom(Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(0, 0, 0, 0))),
);
const step = fc.oneof({ weight: 8, arbitrary: write.map(([pos, bytes]) => ({ pos, bytes })) }, { weight: 1, arbitrary: fc.constant({ reset: true as const }) });

export const mdpyGuestProgram: FuzzTarget = {
  name: "mdpy-guest-program",
  summary: "mdpy guest (every type): random config-space and framebuffer writes, resets → consumer poll (region path) and direct region read, checked memory: no exception, plane within its region",
  checkedMemory: true,
  setup() {
    const devices = TYPES.map((type) => {
      const dev = openMdpy(type);
      const consumer = new DisplayConsumer(dev, { edid: false });
      assert.equal(consumer.start(), "region");
      return { dev, consumer };
    });
    return {
      property: fc.property(whichType, fc.array(step, { maxLength: 5 }), (which, steps) => {
        const { dev, consumer } = devices[which]!;
        for (const s of steps) {
          if ("reset" in s) assert.equal(dev.ioctl(VFIO_DEVICE_RESET, 0), 0);
          else dev.pwrite(s.bytes, s.pos);
        }
        consumer.refresh();
        readRegionPlane(dev);
        return true;
      }),
      finish() {
        for (const d of devices) d.consumer.stop();
      },
    };
  },
};
