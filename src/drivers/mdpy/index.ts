/** The mdpy vendor driver: a region-only virtual display (kernel samples/vfio-mdev/mdpy.c). */
export * from "./mdpy-defs.ts";
export * from "./types.ts";
export { MdpyDevice, type MdpyDeviceOptions } from "./mdpy-device.ts";
export { createMdpyParent, MDPY_CREATE_FULL_ERRNO, MDPY_PARENT_NAME, type MdpyParentOptions } from "./mdpy-parent.ts";
