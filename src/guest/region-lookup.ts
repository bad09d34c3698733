/** GET_REGION_INFO for one index, as a guest or a consumer needs it before touching a region. */
import {
  REGION_INFO_SIZE,
  VFIO_DEVICE_GET_REGION_INFO,
  decodeRegionInfo,
  describeResult,
  setU32,
  type DeviceFile,
  type RegionInfo,
} from "../abi/index.ts";

/** The region's info, or an Error naming the ioctl result. */
export function regionInfo(dev: DeviceFile, index: number): RegionInfo {
  const arg = new Uint8Array(REGION_INFO_SIZE);
  setU32(arg, 0, REGION_INFO_SIZE);
  setU32(arg, 8, index);
  const ret = dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, arg);
  if (ret !== 0) throw new Error(`VFIO_DEVICE_GET_REGION_INFO(${index}) failed: ${describeResult(ret)}`);
  return decodeRegionInfo(arg);
}
