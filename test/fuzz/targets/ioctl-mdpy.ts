/** ioctl arguments on mdpy (region planes, no dma-buf, no interrupts) while the guest writes config space and framebuffer bytes. */
import fc from "fast-check";
import { Errno, VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_RESET, VFIO_DEVICE_SET_IRQS } from "../../../src/abi/index.ts";
import { createMdpyParent } from "../../../src/drivers/mdpy/index.ts";
import { HostKernel } from "../../../src/kernel/host-kernel.ts";
import { nextUuid } from "../../helpers/ioctl-args.ts";
import { SuccessCounter, checkIoctl, deviceCounts, ioctlCall, type DriverProfile } from "../ioctl-oracle.ts";
import type { FuzzTarget } from "../fuzz-target.ts";

export const ioctlMdpy: FuzzTarget = {
  name: "ioctl-mdpy",
  summary: "every VFIO request with random arguments on mdpy (region planes) while the guest writes config space and framebuffer → exact errno where the ABI fixes it, never a byte outside the reply",
  setup() {
    const devices = [false, true].map((quirks) => {
      const kernel = new HostKernel().registerParent(createMdpyParent({ quirks }));
      const uuid = nextUuid();
      if (kernel.bus.create("mdpy", "mdpy-vga", uuid) !== 0) throw new Error("mdpy create failed");
      const dev = kernel.openDevice(uuid);
      if (typeof dev === "number") throw new Error(`open failed: ${dev}`);
      const profile: DriverProfile = {
        handles: new Set([VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_SET_IRQS, VFIO_DEVICE_RESET]),
        ...deviceCounts(dev),
        extraRegions: [16],
        planes: "region",
        setIrqs: "einval",
        unknownId: -Errno.ENOTTY,
      };
      return { dev, profile };
    });
    const writes = fc.array(fc.tuple(fc.oneof(fc.nat({ max: 0x100 }), fc.integer({ min: 0x1000, max: 0x1000 + 2 * 1024 * 1024 })), fc.uint8Array({ maxLength: 8 })), { maxLength: 3 });
    const successes = new SuccessCounter();
    return {
      property: fc.property(fc.nat({ max: 1 }), writes, ioctlCall, (which, guestWrites, [request, arg]) => {
        const d = devices[which]!;
        for (const [pos, bytes] of guestWrites) d.dev.pwrite(bytes, pos);
        successes.add(request, checkIoctl(d.dev, d.profile, request, arg));
        return true;
      }),
      finish: () => successes.assertEach([VFIO_DEVICE_GET_INFO, VFIO_DEVICE_GET_REGION_INFO, VFIO_DEVICE_GET_IRQ_INFO, VFIO_DEVICE_QUERY_GFX_PLANE, VFIO_DEVICE_RESET]),
    };
  },
};
