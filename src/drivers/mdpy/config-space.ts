/**
 * mdpy's PCI configuration space: Red Hat ids, COMMAND with I/O and memory decoding on, a prefetchable
 * 32-bit BAR0 the size of the framebuffer, and the vendor capability at 0x40 that tells the guest the mode
 * (there are no mode registers — the mode is fixed by the type).
 */
import {
  PCI_CAPABILITY_LIST,
  PCI_CAP_ID_VNDR,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
  setU32,
} from "../../abi/index.ts";
import { PCI_CLASS_DISPLAY_OTHER, PciConfigSpace } from "../common/pci-config.ts";
import {
  MDPY_FORMAT_OFFSET,
  MDPY_HEIGHT_OFFSET,
  MDPY_PCI_DEVICE_ID,
  MDPY_PCI_REVISION,
  MDPY_PCI_SUBDEVICE_ID,
  MDPY_PCI_SUBVENDOR_ID,
  MDPY_PCI_VENDOR_ID,
  MDPY_VENDORCAP_OFFSET,
  MDPY_VENDORCAP_SIZE,
  MDPY_WIDTH_OFFSET,
} from "./mdpy-defs.ts";
import type { MdpyTypeSpec } from "./types.ts";

export function createMdpyConfigSpace(type: MdpyTypeSpec, framebufferSize: number): PciConfigSpace {
  const config = new PciConfigSpace(
    {
      vendor: MDPY_PCI_VENDOR_ID,
      device: MDPY_PCI_DEVICE_ID,
      subsystemVendor: MDPY_PCI_SUBVENDOR_ID,
      subsystem: MDPY_PCI_SUBDEVICE_ID,
      classDevice: PCI_CLASS_DISPLAY_OTHER,
      revision: MDPY_PCI_REVISION,
      command: PCI_COMMAND_IO | PCI_COMMAND_MEMORY,
    },
    [{ index: 0, size: framebufferSize, prefetchable: true }],
  );
  const b = config.bytes;
  // The capability list is what makes 0x40 discoverable: status bit plus the list head pointer.
  b[PCI_STATUS] = b[PCI_STATUS]! | PCI_STATUS_CAP_LIST;
  b[PCI_CAPABILITY_LIST] = MDPY_VENDORCAP_OFFSET;
  b[MDPY_VENDORCAP_OFFSET] = PCI_CAP_ID_VNDR;
  b[MDPY_VENDORCAP_OFFSET + 1] = 0; // next pointer: the only capability
  b[MDPY_VENDORCAP_OFFSET + 2] = MDPY_VENDORCAP_SIZE;
  setU32(b, MDPY_FORMAT_OFFSET, type.format);
  setU32(b, MDPY_WIDTH_OFFSET, type.width);
  setU32(b, MDPY_HEIGHT_OFFSET, type.height);
  return config;
}
