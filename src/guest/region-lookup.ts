/** GET_REGION_INFO for one index, as a guest or a consumer needs it before touching a region. */
import { describeResult, getRegionInfo, type DeviceFile, type RegionInfo } from "../abi/index.ts";

/** The region's info, or an Error naming the ioctl result. */
export function regionInfo(dev: DeviceFile, index: number): RegionInfo {
  const info = getRegionInfo(dev, index);
  if (typeof info === "number") throw new Error(`VFIO_DEVICE_GET_REGION_INFO(${index}) failed: ${describeResult(info)}`);
  return info;
}
