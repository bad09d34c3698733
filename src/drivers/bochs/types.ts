/**
 * mbochs vGPU types and the module-wide video-memory budget they draw from (module parameter `count`,
 * in MiB, default 256).
 */
export interface BochsTypeSpec {
  /** sysfs type directory name */
  id: string;
  mbytes: number;
  /** EDID max_xres / max_yres; 0 means no limit */
  maxX: number;
  maxY: number;
}

export const BOCHS_TYPES: readonly BochsTypeSpec[] = [
  { id: "mbochs-small", mbytes: 4, maxX: 800, maxY: 600 },
  { id: "mbochs-medium", mbytes: 16, maxX: 1920, maxY: 1440 },
  { id: "mbochs-large", mbytes: 64, maxX: 0, maxY: 0 },
];

export const DEFAULT_MAX_MBYTES = 256;

export function typeDescription(t: BochsTypeSpec): string {
  return `virtual display, ${t.mbytes} MB video memory`;
}
