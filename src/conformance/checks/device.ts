/** Device-level behaviour: GET_INFO, the region table, IRQ info, reset. */
import {
  VFIO_DEVICE_RESET,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  DrmPlaneType,
  getU32,
  type DeviceFile,
} from "../../abi/index.ts";
import { VbeIndex } from "../../drivers/bochs/vbe.ts";
import type { Check, Observation } from "../check.ts";
import { getDeviceInfo, getIrqInfo, getRegionInfo, query } from "../ioctl-args.ts";
import { hex, isZeroPlane, ret } from "../observe.ts";

function regionRow(dev: DeviceFile, index: number): Observation {
  const r = getRegionInfo(dev, index);
  if (r.ret !== 0) return ret(r.ret);
  const b = r.bytes;
  const size = getU32(b, 16) + getU32(b, 20) * 0x1_0000_0000;
  const offset = getU32(b, 24) + getU32(b, 28) * 0x1_0000_0000;
  return { flags: getU32(b, 4), size: hex(size), offset: hex(offset) };
}

export const deviceChecks: Check[] = [
  {
    id: "device.info",
    title: "GET_INFO: flags, regions, irqs; argsz below 16 is -EINVAL",
    ref: "KERNEL-ABI §1.4, §3.1, §3.2",
    run: ({ dev }) => {
      const r = getDeviceInfo(dev);
      return {
        ret: ret(r.ret),
        flags: getU32(r.bytes, 4),
        num_regions: getU32(r.bytes, 8),
        num_irqs: getU32(r.bytes, 12),
        argsz15: ret(getDeviceInfo(dev, 15).ret),
      };
    },
  },
  {
    id: "device.regions",
    title: "GET_REGION_INFO for every PCI index, the display region and the first index past them",
    ref: "KERNEL-ABI §3.1 device-fd layout, §3.2 regions",
    run: ({ dev }) => {
      const rows: Record<string, Observation> = {};
      for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17]) rows[String(i)] = regionRow(dev, i);
      return rows;
    },
  },
  {
    id: "device.irqs",
    title: "GET_IRQ_INFO: count 0 for indexes 0..4 (after GET_INFO), index 5 is -EINVAL",
    ref: "KERNEL-ABI §3.1, §3.2",
    run: ({ dev }) => {
      getDeviceInfo(dev);
      const counts: Observation[] = [];
      for (let i = 0; i < 5; i++) {
        const r = getIrqInfo(dev, i);
        counts.push(r.ret === 0 ? getU32(r.bytes, 12) : ret(r.ret));
      }
      return { counts, index5: ret(getIrqInfo(dev, 5).ret) };
    },
  },
  {
    id: "device.reset",
    title: "VFIO_DEVICE_RESET → 0; the primary is disabled after it; DISPI ID 0xB0C5 and the VRAM size in 64 KiB",
    ref: "KERNEL-ABI §6.22",
    run: ({ dev, guest, newMode }) => {
      const m = newMode();
      guest.show(m.width, m.height);
      const r = dev.ioctl(VFIO_DEVICE_RESET, 0);
      const q = query(dev, VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.PRIMARY);
      return {
        ret: ret(r),
        query: ret(q.ret),
        disabled: isZeroPlane(q.info),
        vbe_id: guest.readVbe ? hex(guest.readVbe(VbeIndex.ID)) : null,
        vbe_video_memory_64k: guest.readVbe ? guest.readVbe(VbeIndex.VIDEO_MEMORY_64K) : null,
      };
    },
  },
];
