/** The region plane (mdpy): the display region's info, its mapping and what it shows after reset. */
import {
  DrmPlaneType,
  MAP_SHARED,
  PROT_READ,
  VFIO_DEVICE_RESET,
  VFIO_GFX_PLANE_TYPE_REGION,
  getU32,
  isMapping,
} from "../../abi/index.ts";
import type { Check, Observation } from "../check.ts";
import { getRegionInfo, query } from "../ioctl-args.ts";
import { hex, ret } from "../observe.ts";

export const regionPlaneChecks: Check[] = [
  {
    id: "region.plane",
    title: "the plane's region: GET_REGION_INFO(region_index), mmap, the grey gradient after reset",
    ref: "KERNEL-ABI §6.18, §3.2",
    run: ({ dev }): Observation => {
      const q = query(dev, VFIO_GFX_PLANE_TYPE_REGION, DrmPlaneType.PRIMARY);
      if (q.ret !== 0) return { query: ret(q.ret) };
      const r = getRegionInfo(dev, q.info.id);
      if (r.ret !== 0) return { region_info: ret(r.ret) };
      const flags = getU32(r.bytes, 4);
      const size = getU32(r.bytes, 16) + getU32(r.bytes, 20) * 0x1_0000_0000;
      const offset = getU32(r.bytes, 24) + getU32(r.bytes, 28) * 0x1_0000_0000;
      const reset = dev.ioctl(VFIO_DEVICE_RESET, 0);
      const m = dev.mmap(q.info.size, PROT_READ, MAP_SHARED, offset);
      let gradient: boolean | string = false;
      if (isMapping(m)) {
        const { height, stride } = q.info;
        gradient = true;
        for (const y of [0, 1, height >> 1, height - 1]) {
          const want = Math.floor((y * 255) / height);
          const row = m.bytes.subarray(y * stride, y * stride + stride);
          if (row[0] !== want || row[stride - 1] !== want) gradient = `row ${y}: ${row[0]} (want ${want})`;
        }
        m.unmap();
      }
      return {
        region_index: q.info.id,
        flags,
        size: hex(size),
        offset: hex(offset),
        size_is_plane_size: size === q.info.size,
        reset: ret(reset),
        mmap: isMapping(m) ? "ok" : ret(m),
        gradient_after_reset: gradient,
        mmap_private: ((): unknown => {
          const p = dev.mmap(4096, PROT_READ, 0x02, offset);
          if (isMapping(p)) {
            p.unmap();
            return "ok";
          }
          return ret(p);
        })() as string,
      };
    },
  },
];
