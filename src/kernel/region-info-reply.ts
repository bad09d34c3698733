/**
 * VFIO_DEVICE_GET_REGION_INFO as the VFIO core has answered it since v6.19 ("vfio: Provide a
 * get_region_info op"): the driver only describes the region; the core applies the argsz / capability-chain
 * protocol the uAPI header documents.
 *
 * - argsz < 32 → -EINVAL.
 * - caps present and argsz too small → 0, CAPS set, argsz = the size needed, cap_offset = 0, no caps copied.
 * - caps present and argsz big enough → caps copied right after the 32-byte struct, cap_offset = 32.
 * Only the first 32 bytes of the struct plus the caps are written back.
 */
import {
  Errno,
  REGION_INFO_SIZE,
  VfioRegionFlags,
  chainCaps,
  getU32,
  setU32,
  setU64Number,
  type IoctlArg,
} from "../abi/index.ts";
import { userBytes } from "./open-file.ts";

export interface RegionDescription {
  flags: number;
  size: number;
  offset: number;
  /** encoded capabilities (each with its own header; `next` is filled in here) */
  caps?: readonly Uint8Array[];
}

/** `describe(index)` answers a region, or a negative errno for an index the device does not have. */
export function coreGetRegionInfo(arg: IoctlArg, describe: (index: number) => RegionDescription | number): number {
  const bytes = userBytes(arg, REGION_INFO_SIZE);
  if (typeof bytes === "number") return bytes;
  const argsz = getU32(bytes, 0);
  if (argsz < REGION_INFO_SIZE) return -Errno.EINVAL;
  const region = describe(getU32(bytes, 8));
  if (typeof region === "number") return region;

  let flags = region.flags;
  let replyArgsz = argsz;
  let capOffset = getU32(bytes, 12);
  let chain: Uint8Array | undefined;
  if (region.caps && region.caps.length > 0) {
    chain = chainCaps(region.caps, REGION_INFO_SIZE);
    flags |= VfioRegionFlags.CAPS;
    const needed = REGION_INFO_SIZE + chain.length;
    if (argsz < needed) {
      replyArgsz = needed;
      capOffset = 0;
      chain = undefined;
    } else {
      if (bytes.length < needed) return -Errno.EFAULT;
      capOffset = REGION_INFO_SIZE;
    }
  }
  setU32(bytes, 0, replyArgsz);
  setU32(bytes, 4, flags);
  setU32(bytes, 12, capOffset);
  setU64Number(bytes, 16, region.size);
  setU64Number(bytes, 24, region.offset);
  if (chain) bytes.set(chain, REGION_INFO_SIZE);
  return 0;
}
