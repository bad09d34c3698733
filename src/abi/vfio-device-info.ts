/** struct vfio_device_info — VFIO_DEVICE_GET_INFO (linux/vfio.h). */
import { copyWithinArgsz, getU32, requireLength, setU32 } from "./bytes.ts";

/** offsetofend(num_irqs): drivers reject a smaller argsz and copy back only these bytes. */
export const DEVICE_INFO_MINSZ = 16;
/** sizeof with the Linux 6.1 header (up to cap_offset); mainline adds a 4-byte pad (24). */
export const DEVICE_INFO_SIZE = 20;

export const DeviceInfoOffset = { argsz: 0, flags: 4, numRegions: 8, numIrqs: 12, capOffset: 16 } as const;

export const VfioDeviceFlags = {
  RESET: 1 << 0,
  PCI: 1 << 1,
  PLATFORM: 1 << 2,
  AMBA: 1 << 3,
  CCW: 1 << 4,
  AP: 1 << 5,
  FSL_MC: 1 << 6,
  CAPS: 1 << 7,
  CDX: 1 << 8,
} as const;

/** vfio-pci region and IRQ indexes. Indexes ≥ VFIO_PCI_NUM_REGIONS are device specific. */
export const VfioPciRegion = {
  BAR0: 0,
  BAR1: 1,
  BAR2: 2,
  BAR3: 3,
  BAR4: 4,
  BAR5: 5,
  ROM: 6,
  CONFIG: 7,
  VGA: 8,
} as const;
export const VFIO_PCI_NUM_REGIONS = 9;
export const VfioPciIrq = { INTX: 0, MSI: 1, MSIX: 2, ERR: 3, REQ: 4 } as const;
export const VFIO_PCI_NUM_IRQS = 5;

export interface DeviceInfo {
  argsz: number;
  flags: number;
  numRegions: number;
  numIrqs: number;
  capOffset: number;
}

export function decodeDeviceInfo(bytes: Uint8Array): DeviceInfo {
  requireLength("vfio_device_info", bytes, DEVICE_INFO_MINSZ);
  return {
    argsz: getU32(bytes, 0),
    flags: getU32(bytes, 4),
    numRegions: getU32(bytes, 8),
    numIrqs: getU32(bytes, 12),
    capOffset: bytes.length >= DEVICE_INFO_SIZE ? getU32(bytes, 16) : 0,
  };
}

export function encodeDeviceInfo(info: DeviceInfo, target: Uint8Array): number {
  const b = new Uint8Array(DEVICE_INFO_SIZE);
  setU32(b, 0, info.argsz);
  setU32(b, 4, info.flags);
  setU32(b, 8, info.numRegions);
  setU32(b, 12, info.numIrqs);
  setU32(b, 16, info.capOffset);
  return copyWithinArgsz(b, target, info.argsz);
}
