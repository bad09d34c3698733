/**
 * Guest register programs and GGTT tables on GVT, with checked memory: random sequences of valid display
 * operations (show, flip, cursor, hotspot, disable), random writes to the plane/pipe/cursor registers of
 * every pipe (PIPECONF, PIPESRC, PLANE_CTL/STRIDE/OFFSET/SURF, CURCNTR/CURBASE/CURPOS, PVINFO hotspot),
 * random GGTT entries (any page number, past the end of RAM, not present) and whole random tables for a
 * surface (scattered, repeated frames). After each program the display
 * consumer polls (QUERY, GET_GFX_DMABUF, mmap, frame read), and the plane is also exported and read byte
 * by byte directly. Invariant: nothing throws — in particular no GuestMemoryFault, i.e. no read outside
 * guest memory or past a mapping — and a plane the driver accepts can be mapped and read whole.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { I915_FORMAT_MOD_X_TILED, VFIO_DEVICE_QUERY_GFX_PLANE, type DeviceFile } from "../../../src/abi/index.ts";
import { DisplayConsumer } from "../../../src/display/display-consumer.ts";
import { encodePte } from "../../../src/drivers/gvt/index.ts";
import { GvtGuest } from "../../../src/guest/gvt-guest.ts";
import type { GuestRam } from "../../../src/kernel/guest-ram.ts";
import { gvtDevice } from "../../helpers/gvt-fixture.ts";
import type { FuzzTarget } from "../fuzz-target.ts";
import { queryArg, readWholePlane } from "../plane-read.ts";

/** Pipe A's registers; pipes B and C are 0x1000 and 0x2000 further. */
const PIPE_REGS = [0x70008, 0x6001c, 0x70180, 0x70188, 0x701a4, 0x7019c, 0x70080, 0x70084, 0x70088];
const PVINFO_HOTSPOT = [0x78830, 0x78834];

/** The guest side of a fuzz case on GVT: surfaces to flip between and the steps to take. */
export function gvtGuestOps(guest: GvtGuest, ram: GuestRam) {
  const a = guest.allocSurface({ width: 64, height: 48 });
  const b = guest.allocSurface({ width: 64, height: 48, modifier: I915_FORMAT_MOD_X_TILED });
  const cur = guest.allocCursor(64);
  const { hidden } = guest;
  const valid = fc.constantFrom<() => void>(
    () => guest.show(a),
    () => guest.show(b),
    () => guest.flip(a),
    () => guest.flip(b),
    () => guest.setCursor(cur),
    () => guest.moveCursor(-3, 7),
    () => guest.setHotspot(5, 70),
    () => guest.disablePlane(),
    () => guest.hideCursor(),
    () => guest.disablePipe(),
  );
  const value = fc.oneof(
    fc.nat({ max: 0xffffffff }),
    fc.constantFrom(0, 1, 0x80000000, 0x84000000, 0x84000400, 0x8e000000, 0x82000000, 0x27, 0x22, 0x23, 0x04, 0x3f002f, 0x1fff0fff, a.gma, b.gma, cur.gma, hidden.base, hidden.base + hidden.size - 4096),
  );
  const regWrite = fc.tuple(fc.constantFrom(...PIPE_REGS), fc.nat({ max: 2 }), value).map(([reg, pipe, v]) => () => guest.writeReg(reg + pipe * 0x1000, v));
  const hotspot = fc.tuple(fc.constantFrom(...PVINFO_HOTSPOT), fc.oneof(fc.nat({ max: 300 }), fc.nat({ max: 0xffffffff }))).map(([reg, v]) => () => guest.writeReg(reg, v));
  const pteWrite = fc
    .tuple(fc.oneof(fc.constantFrom(a.gma, b.gma + 4096, cur.gma, hidden.base + hidden.size - 4096), fc.nat({ max: 0xffffffff }).map((g) => (g & ~0xfff) >>> 0)), fc.oneof(fc.nat({ max: ram.pageCount + 8 }), fc.nat({ max: 0xfffffff })), fc.boolean())
    .map(([gma, pfn, present]) => () => {
      const e = encodePte(pfn);
      guest.writePteRaw(gma, present ? e.lo : e.lo & ~1, e.hi);
    });
  /** a whole table for one surface: its pages to random frames (scattered, repeated, past RAM's end) */
  const tableWrite = fc
    .tuple(fc.constantFrom(a, b, cur), fc.array(fc.oneof({ weight: 4, arbitrary: fc.nat({ max: ram.pageCount - 1 }) }, { weight: 1, arbitrary: fc.nat({ max: 0xfffff }) }), { minLength: 1, maxLength: 16 }))
    .map(([s, pfns]) => () => guest.mapPages(s.gma, Array.from({ length: s.pfns.length }, (_, i) => pfns[i % pfns.length]!)));
  const step = fc.oneof({ weight: 5, arbitrary: valid }, { weight: 4, arbitrary: regWrite }, { weight: 1, arbitrary: hotspot }, { weight: 2, arbitrary: pteWrite }, { weight: 1, arbitrary: tableWrite });
  return {
    step,
    /** Put the surfaces' GGTT entries back (random PTE writes would otherwise leave every plane unmapped). */
    remapSurfaces(): void {
      guest.mapPages(a.gma, a.pfns);
      guest.mapPages(b.gma, b.pfns);
      guest.mapPages(cur.gma, cur.pfns);
    },
    /** A consumer polling both planes keeps their dma-buf objects (and ids) alive. */
    pollPlanes(dev: DeviceFile): void {
      for (const type of [1, 2]) dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, queryArg(type));
    },
  };
}

export const gvtGuestProgram: FuzzTarget = {
  name: "gvt-guest-program",
  summary: "GVT guest: random display ops, plane/pipe/cursor register writes on every pipe, random GGTT entries → consumer poll + direct export and read, checked memory: no exception, no read outside guest memory",
  checkedMemory: true,
  setup() {
    const { dev, guestDev, ram } = gvtDevice({ ramMiB: 8, type: "GVTg_V5_8" });
    const guest = GvtGuest.attach(guestDev, ram);
    const ops = gvtGuestOps(guest, ram);
    const consumer = new DisplayConsumer(dev, { edid: false });
    assert.equal(consumer.start(), "dmabuf");
    let planesRead = 0;
    let cases = 0;
    return {
      property: fc.property(fc.array(ops.step, { maxLength: 6 }), fc.boolean(), (steps, remap) => {
        cases++;
        for (const s of steps) s();
        if (remap) ops.remapSurfaces();
        consumer.refresh();
        for (const type of [1, 2]) {
          const q = queryArg(type);
          if (guestDev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, q) === 0 && readWholePlane(guestDev, q)) planesRead++;
        }
        return true;
      }),
      finish() {
        consumer.stop();
        if (cases >= 5000) assert.ok(planesRead > cases / 10, `only ${planesRead} planes read in ${cases} cases`);
      },
    };
  },
};
