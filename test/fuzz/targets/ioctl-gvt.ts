/**
 * ioctl arguments on GVT while the guest shows, flips and moves framebuffers and a cursor, writes random
 * plane/pipe/cursor registers and random GGTT entries (the consumer-side QUERY after each step keeps
 * dma-buf ids alive, so GET_GFX_DMABUF succeeds as well as fails).
 */
import fc from "fast-check";
import { Errno, VFIO_DEVICE_GET_GFX_DMABUF, VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_RESET, VFIO_DEVICE_SET_IRQS } from "../../../src/abi/index.ts";
import { GvtGuest } from "../../../src/guest/gvt-guest.ts";
import { gvtDevice } from "../../helpers/gvt-fixture.ts";
import { SuccessCounter, checkIoctl, deviceCounts, ioctlCall, type DriverProfile } from "../ioctl-oracle.ts";
import type { FuzzTarget } from "../fuzz-target.ts";
import { gvtGuestOps } from "./gvt-guest-program.ts";

export const ioctlGvt: FuzzTarget = {
  name: "ioctl-gvt",
  summary: "every VFIO request with random arguments on GVT while the guest flips surfaces and writes random plane registers and GGTT entries → exact errno where the ABI fixes it, never a byte outside the reply",
  setup() {
    const { dev, guestDev, ram } = gvtDevice({ ramMiB: 8, type: "GVTg_V5_8" });
    const guest = GvtGuest.attach(guestDev, ram);
    const ops = gvtGuestOps(guest, ram);
    const profile: DriverProfile = {
      handles: new Set([VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_GET_GFX_DMABUF, VFIO_DEVICE_SET_IRQS, VFIO_DEVICE_RESET]),
      ...deviceCounts(dev),
      irqRefused: (index) => index !== 0 && index !== 1,
      planes: "dmabuf",
      setIrqs: "einval",
      unknownId: -Errno.EINVAL,
      planeTypeRefused: (type) => type !== 1 && type !== 2,
    };
    const successes = new SuccessCounter();
    return {
      property: fc.property(fc.array(ops.step, { maxLength: 4 }), ioctlCall, (steps, [request, arg]) => {
        for (const s of steps) s();
        ops.remapSurfaces();
        ops.pollPlanes(guestDev);
        successes.add(request, checkIoctl(dev, profile, request, arg));
        return true;
      }),
      finish: () => successes.assertEach([VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_GET_GFX_DMABUF, VFIO_DEVICE_RESET]),
    };
  },
};
