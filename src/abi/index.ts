/** The ABI seam: constants, request numbers and struct codecs, byte-exact with the kernel's uAPI headers. */
export * from "./bytes.ts";
export * from "./errno.ts";
export * from "./ioctl.ts";
export * from "./mman.ts";
export * from "./vfio-device-info.ts";
export * from "./vfio-region-info.ts";
export * from "./vfio-irq-info.ts";
export * from "./vfio-gfx-plane-info.ts";
export * from "./vfio-gfx-edid.ts";
export * from "./vfio-group-status.ts";
export * from "./dma-buf.ts";
export * from "./drm-fourcc.ts";
export * from "./drm-modifiers.ts";
export * from "./intel-tiling.ts";
export * from "./drm-plane-type.ts";
export * from "./device-file.ts";
export * from "./pci-regs.ts";
