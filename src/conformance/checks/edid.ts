/** The GFX/EDID region: discovery through the TYPE capability, the argsz protocol, its registers. */
import {
  GfxEdidOffset,
  VFIO_DEVICE_GET_REGION_INFO,
  VfioRegionFlags,
  decodeRegionCaps,
  findTypeCap,
  getU32,
  setU32,
  type DeviceFile,
} from "../../abi/index.ts";
import type { Check, Observation } from "../check.ts";
import { getDeviceInfo, regionInfoArg } from "../ioctl-args.ts";
import { hex, ret } from "../observe.ts";

const EDID_TYPE = 1;
const EDID_SUBTYPE = 1;

/** Every region index below num_regions whose reply carries CAPS with a GFX/EDID TYPE cap. */
function findEdid(dev: DeviceFile): { index: number; offset: number }[] {
  const found: { index: number; offset: number }[] = [];
  const n = getU32(getDeviceInfo(dev).bytes, 8);
  for (let i = 0; i < n; i++) {
    const arg = regionInfoArg(i, 48, 48);
    if (dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, arg) !== 0) continue;
    if ((getU32(arg, 4) & VfioRegionFlags.CAPS) === 0) continue;
    const cap = findTypeCap(decodeRegionCaps(arg));
    if (cap && cap.type === EDID_TYPE && cap.subtype === EDID_SUBTYPE) found.push({ index: i, offset: getU32(arg, 24) });
  }
  return found;
}

function readU32(dev: DeviceFile, at: number): Observation {
  const b = new Uint8Array(4);
  const r = dev.pread(b, at);
  return r === 4 ? getU32(b, 0) : ret(r);
}

export const edidChecks: Check[] = [
  {
    id: "edid.discovery",
    title: "exactly one region carries the GFX/EDID TYPE cap; the reply to argsz 32 and to a large argsz",
    ref: "KERNEL-ABI §6.19, §1.5",
    run: ({ dev }): Observation => {
      const found = findEdid(dev);
      if (found.length !== 1) return { found: found.length };
      const { index } = found[0]!;
      const small = regionInfoArg(index, 32, 32);
      const smallRet = dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, small);
      const big = regionInfoArg(index, 256, 256);
      const bigRet = dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, big);
      return {
        found: 1,
        index,
        offset: hex(found[0]!.offset),
        argsz32: { ret: ret(smallRet), argsz: getU32(small, 0), flags: getU32(small, 4), cap_offset: getU32(small, 12) },
        argsz256: bigRet === 0 ? { ret: 0, argsz: getU32(big, 0), cap_offset: getU32(big, 12) } : { ret: ret(bigRet) },
      };
    },
  },
  {
    id: "edid.registers",
    title: "EDID registers: edid_offset, edid_max_size, max_xres/yres; a write to edid_max_size",
    ref: "KERNEL-ABI §6.20",
    run: ({ dev }): Observation => {
      const found = findEdid(dev);
      if (found.length !== 1) return { found: found.length };
      const base = found[0]!.offset;
      const before = readU32(dev, base + GfxEdidOffset.edidMaxSize);
      const w = new Uint8Array(4);
      setU32(w, 0, 16);
      const write = dev.pwrite(w, base + GfxEdidOffset.edidMaxSize);
      return {
        edid_offset: readU32(dev, base + GfxEdidOffset.edidOffset),
        edid_max_size: before,
        max_xres: readU32(dev, base + GfxEdidOffset.maxXres),
        max_yres: readU32(dev, base + GfxEdidOffset.maxYres),
        write_edid_max_size: write === 4 ? "accepted" : ret(write),
        edid_max_size_after: readU32(dev, base + GfxEdidOffset.edidMaxSize),
      };
    },
  },
];
