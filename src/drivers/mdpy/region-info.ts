/**
 * What VFIO_DEVICE_GET_REGION_INFO says about each index (the sample's mdpy_get_region_info).
 *
 * | index          | flags          | size        | fd offset |
 * |----------------|----------------|-------------|-----------|
 * | 7 (config)     | READ\|WRITE     | 0xFF        | 0         |
 * | 0 (BAR0), 16   | READ\|WRITE\|MMAP | fb size   | 0x1000    |
 * | 1–6, 8         | 0              | 0           | 0         |
 * | 9–15, ≥ 17     | -EINVAL        |             |           |
 *
 * Region 16 lies beyond num_regions (9) and has no TYPE capability: only QUERY_GFX_PLANE names it.
 */
import { Errno, VfioPciRegion, VfioRegionFlags, VFIO_PCI_NUM_REGIONS } from "../../abi/index.ts";
import { MDPY_CONFIG_OFFSET, MDPY_CONFIG_SPACE_SIZE, MDPY_DISPLAY_REGION, MDPY_MEMORY_BAR_OFFSET } from "./mdpy-defs.ts";

export interface MdpyRegion {
  flags: number;
  size: number;
  offset: number;
}

const EMPTY: MdpyRegion = { flags: 0, size: 0, offset: 0 };
const CONFIG: MdpyRegion = {
  flags: VfioRegionFlags.READ | VfioRegionFlags.WRITE,
  size: MDPY_CONFIG_SPACE_SIZE,
  offset: MDPY_CONFIG_OFFSET,
};

/** The region at `index` (a u32 from user space), or -EINVAL for an index the device does not have. */
export function describeRegion(index: number, framebufferSize: number): MdpyRegion | number {
  if (index >= VFIO_PCI_NUM_REGIONS && index !== MDPY_DISPLAY_REGION) return -Errno.EINVAL;
  switch (index) {
    case VfioPciRegion.CONFIG:
      return CONFIG;
    case VfioPciRegion.BAR0:
    case MDPY_DISPLAY_REGION:
      return {
        flags: VfioRegionFlags.READ | VfioRegionFlags.WRITE | VfioRegionFlags.MMAP,
        size: framebufferSize,
        offset: MDPY_MEMORY_BAR_OFFSET,
      };
    default:
      return EMPTY;
  }
}
