/**
 * ioctl arguments on mbochs, three ways (6.19 core region info, the pre-6.19 quirks, the plane-notify
 * extension with its SET_IRQS and device-info capability), while the guest switches modes, flips and
 * writes random DISPI registers, so QUERY and GET_GFX_DMABUF succeed as well as fail.
 */
import fc from "fast-check";
import { Errno, VFIO_DEVICE_GET_GFX_DMABUF, VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_RESET, VFIO_DEVICE_SET_IRQS } from "../../../src/abi/index.ts";
import { bochsFixture } from "../../helpers/bochs-fixture.ts";
import { SuccessCounter, checkIoctl, deviceCounts, ioctlCall, type DriverProfile } from "../ioctl-oracle.ts";
import type { FuzzTarget } from "../fuzz-target.ts";

const HANDLED = new Set([VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_GET_GFX_DMABUF, VFIO_DEVICE_SET_IRQS, VFIO_DEVICE_RESET]);

/** A guest step: a valid mode, a flip, or a random DISPI register write (index, value). */
const guestStep = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(64, 320, 640), fc.constantFrom(48, 200, 480)).map(([width, height]) => ({ mode: { width, height } })) },
  { weight: 2, arbitrary: fc.nat({ max: 3 }).map((flip) => ({ flip })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 10 }), fc.oneof(fc.constantFrom(0, 0x41, 32, 640, 480), fc.nat({ max: 0xffff }))).map(([index, value]) => ({ index, value })) },
);

export const ioctlMbochs: FuzzTarget = {
  name: "ioctl-mbochs",
  summary: "every VFIO request with random argsz/flags/index/id, short and long buffers, on mbochs (6.19, quirks, plane-notify) while the guest changes mode → exact errno where the ABI fixes it, never a byte outside the reply",
  setup() {
    const devices = [{ quirks: false, planeNotify: false }, { quirks: true, planeNotify: false }, { quirks: false, planeNotify: true }].map((o) => {
      const f = bochsFixture({ ...o, type: "mbochs-small" });
      const counts = deviceCounts(f.dev);
      const profile: DriverProfile = {
        handles: HANDLED,
        ...counts,
        planes: "dmabuf",
        setIrqs: o.planeNotify ? "struct" : "einval",
        unknownId: -Errno.ENOENT,
        ...(o.quirks ? { regionArgszMax: 48 } : {}),
        ...(o.planeNotify ? { infoCapsSize: 40 } : {}),
      };
      return { ...f, profile };
    });
    const successes = new SuccessCounter();
    return {
      property: fc.property(fc.nat({ max: 2 }), fc.array(guestStep, { maxLength: 3 }), ioctlCall, (which, steps, [request, arg]) => {
        const d = devices[which]!;
        for (const s of steps) {
          if ("mode" in s) d.guest.setMode(s.mode);
          else if ("flip" in s) {
            if (d.guest.bufferCount > s.flip && d.guest.readReg(4) & 1) d.guest.flip(s.flip);
          } else d.guest.writeReg(s.index, s.value);
        }
        successes.add(request, checkIoctl(d.dev, d.profile, request, arg));
        return true;
      }),
      finish() {
        successes.assertEach([VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_GET_GFX_DMABUF, VFIO_DEVICE_RESET]);
        // SET_IRQS succeeds only on the plane-notify device with a narrow argument: a lower floor
        successes.assertEach([VFIO_DEVICE_SET_IRQS], 1);
      },
    };
  },
};
