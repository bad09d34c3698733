/** GET_REGION_INFO for one index, as the consumer needs it: the decoded info, or the negative errno. */
import { REGION_INFO_SIZE, VFIO_DEVICE_GET_REGION_INFO, decodeRegionInfo, setU32, type DeviceFile, type RegionInfo } from "../abi/index.ts";

export function regionInfoOf(dev: DeviceFile, index: number): RegionInfo | number {
  const arg = new Uint8Array(REGION_INFO_SIZE);
  setU32(arg, 0, REGION_INFO_SIZE);
  setU32(arg, 8, index);
  const ret = dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, arg);
  return ret < 0 ? ret : decodeRegionInfo(arg);
}
