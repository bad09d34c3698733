/** The Intel GVT-g vendor driver model (drivers/gpu/drm/i915/gvt, gen9): dma-buf planes over a GGTT. */
export * from "./types.ts";
export * from "./regs.ts";
export { Ggtt, encodePte, GEN8_PAGE_PRESENT, NO_PAGE, type GmRanges } from "./ggtt.ts";
export { EdidRegion, EDID_BLOB_OFFSET, EDID_SIZE, buildEdid, edidBlockValid, edidPreferredMode } from "./edid.ts";
export { GvtDevice, GVT_EDID_INDEX, GVT_NUM_REGIONS, GVT_OPREGION_INDEX, regionOffset, type GuestRamProvider } from "./gvt-device.ts";
export { createGvtParent, GVT_PARENT_NAME, type GvtParentOptions } from "./gvt-parent.ts";
export { GVT_PCI_DEVICE_ID, PCI_VENDOR_ID_INTEL, GVT_CONFIG_SPACE_SIZE } from "./config-space.ts";
export { OPREGION_SIZE, OPREGION_SIGNATURE } from "./opregion.ts";
