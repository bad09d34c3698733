/**
 * The mdpy device as a guest sees it (the kernel's samples/vfio-mdev/mdpy-defs.h plus the fd layout of
 * mdpy.c): PCI ids, the vendor capability that carries the mode, and where the regions sit in the device
 * fd. Both halves use it — the host driver to build the device, the guest fbdev driver to find the mode —
 * just as mdpy.c and mdpy-fb.c share one header.
 */
import { PAGE_SIZE } from "../../abi/index.ts";
import { PCI_SUBDEVICE_ID_QEMU, PCI_SUBVENDOR_ID_REDHAT_QUMRANET } from "../common/pci-config.ts";

/** PCI_VENDOR_ID_REDHAT */
export const MDPY_PCI_VENDOR_ID = 0x1b36;
export const MDPY_PCI_DEVICE_ID = 0x000f;
export const MDPY_PCI_SUBVENDOR_ID = PCI_SUBVENDOR_ID_REDHAT_QUMRANET;
export const MDPY_PCI_SUBDEVICE_ID = PCI_SUBDEVICE_ID_QEMU;
export const MDPY_PCI_REVISION = 0x01;

/** The vendor capability in config space: header, then three dwords describing the framebuffer. */
export const MDPY_VENDORCAP_OFFSET = 0x40;
export const MDPY_VENDORCAP_SIZE = 0x10;
export const MDPY_FORMAT_OFFSET = MDPY_VENDORCAP_OFFSET + 0x04;
export const MDPY_WIDTH_OFFSET = MDPY_VENDORCAP_OFFSET + 0x08;
export const MDPY_HEIGHT_OFFSET = MDPY_VENDORCAP_OFFSET + 0x0c;

/** Size the driver reports for the config region: one byte short of 256, as the sample does. */
export const MDPY_CONFIG_SPACE_SIZE = 0xff;
/** Config space sits at fd offset 0; BAR0 (the framebuffer) at the next page. */
export const MDPY_CONFIG_OFFSET = 0;
export const MDPY_MEMORY_BAR_OFFSET = PAGE_SIZE;
/** Region index that QUERY_GFX_PLANE hands out: the same memory as BAR0, beyond num_regions. */
export const MDPY_DISPLAY_REGION = 16;

/** What mdpy-fb accepts for width and height (inclusive). */
export const MDPY_MIN_DIMENSION = 100;
export const MDPY_MAX_DIMENSION = 10000;
