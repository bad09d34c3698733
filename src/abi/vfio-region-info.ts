/**
 * struct vfio_region_info (VFIO_DEVICE_GET_REGION_INFO) and its capability chain (linux/vfio.h).
 *
 * Chain protocol: a driver that has capabilities sets CAPS in flags; if the caller's argsz is too small it
 * still returns 0 and reports the needed argsz (cap_offset 0); otherwise it copies the caps right after the
 * 32-byte struct and sets cap_offset. Each cap header's `next` is an offset from the start of the buffer.
 */
import { copyWithinArgsz, getU16, getU32, getU64Number, requireLength, setU16, setU32, setU64Number } from "./bytes.ts";
import type { DeviceFile } from "./device-file.ts";
import { VFIO_DEVICE_GET_REGION_INFO } from "./ioctl.ts";

export const REGION_INFO_SIZE = 32;
export const RegionInfoOffset = { argsz: 0, flags: 4, index: 8, capOffset: 12, size: 16, offset: 24 } as const;
export const VfioRegionFlags = { READ: 1 << 0, WRITE: 1 << 1, MMAP: 1 << 2, CAPS: 1 << 3 } as const;

export const CAP_HEADER_SIZE = 8;
export const VfioRegionCapId = { SPARSE_MMAP: 1, TYPE: 2, MSIX_MAPPABLE: 3 } as const;

export const REGION_CAP_TYPE_SIZE = 16;
export const VFIO_REGION_TYPE_PCI_VENDOR_TYPE = 0x80000000;
export const VFIO_REGION_TYPE_PCI_VENDOR_MASK = 0xffff;
export const VFIO_REGION_TYPE_GFX = 1;
export const VFIO_REGION_TYPE_CCW = 2;
export const VFIO_REGION_SUBTYPE_GFX_EDID = 1;
export const VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION = 1;
export const VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG = 2;
export const VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG = 3;

/** struct vfio_region_info_cap_sparse_mmap: header, nr_areas @8, reserved @12, areas (16 bytes each) @16. */
export const SPARSE_MMAP_HEADER_SIZE = 16;
export const SPARSE_MMAP_AREA_SIZE = 16;

export interface RegionInfo {
  argsz: number;
  flags: number;
  index: number;
  capOffset: number;
  size: number;
  offset: number;
}

export interface RegionTypeCap {
  id: typeof VfioRegionCapId.TYPE;
  version: number;
  type: number;
  subtype: number;
}

export interface SparseMmapCap {
  id: typeof VfioRegionCapId.SPARSE_MMAP;
  version: number;
  areas: { offset: number; size: number }[];
}

export interface UnknownCap {
  id: number;
  version: number;
  /** the cap's bytes from its header up to the next cap (or the end of the buffer) */
  raw: Uint8Array;
}

export type RegionCap = RegionTypeCap | SparseMmapCap | UnknownCap;

export function decodeRegionInfo(bytes: Uint8Array): RegionInfo {
  requireLength("vfio_region_info", bytes, REGION_INFO_SIZE);
  return {
    argsz: getU32(bytes, 0),
    flags: getU32(bytes, 4),
    index: getU32(bytes, 8),
    capOffset: getU32(bytes, 12),
    size: getU64Number(bytes, 16),
    offset: getU64Number(bytes, 24),
  };
}

export function encodeRegionInfo(info: RegionInfo, target: Uint8Array): number {
  const b = new Uint8Array(REGION_INFO_SIZE);
  setU32(b, 0, info.argsz);
  setU32(b, 4, info.flags);
  setU32(b, 8, info.index);
  setU32(b, 12, info.capOffset);
  setU64Number(b, 16, info.size);
  setU64Number(b, 24, info.offset);
  return copyWithinArgsz(b, target, info.argsz);
}

/** Encode a TYPE cap (16 bytes) with `next` = 0; chainCaps links several. */
export function encodeRegionTypeCap(type: number, subtype: number, version = 1): Uint8Array {
  const b = new Uint8Array(REGION_CAP_TYPE_SIZE);
  setU16(b, 0, VfioRegionCapId.TYPE);
  setU16(b, 2, version);
  setU32(b, 8, type);
  setU32(b, 12, subtype);
  return b;
}

export function encodeSparseMmapCap(areas: readonly { offset: number; size: number }[], version = 1): Uint8Array {
  const b = new Uint8Array(SPARSE_MMAP_HEADER_SIZE + areas.length * SPARSE_MMAP_AREA_SIZE);
  setU16(b, 0, VfioRegionCapId.SPARSE_MMAP);
  setU16(b, 2, version);
  setU32(b, 8, areas.length);
  areas.forEach((a, i) => {
    setU64Number(b, SPARSE_MMAP_HEADER_SIZE + i * SPARSE_MMAP_AREA_SIZE, a.offset);
    setU64Number(b, SPARSE_MMAP_HEADER_SIZE + i * SPARSE_MMAP_AREA_SIZE + 8, a.size);
  });
  return b;
}

/**
 * Lay caps out one after another as they would sit at `base` bytes into the info buffer, filling in each
 * header's `next` (absolute offset in that buffer; 0 ends the chain).
 */
export function chainCaps(caps: readonly Uint8Array[], base: number = REGION_INFO_SIZE): Uint8Array {
  const total = caps.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  caps.forEach((c, i) => {
    out.set(c, at);
    const next = i + 1 < caps.length ? base + at + c.length : 0;
    setU32(out, at + 4, next);
    at += c.length;
  });
  return out;
}

/**
 * Walk the capability chain of a GET_REGION_INFO reply. Every header must lie wholly inside the buffer and
 * offsets must increase (a loop or an out-of-range `next` ends the walk with what was read so far, as a
 * careful user-space reader such as QEMU's does).
 */
export function decodeRegionCaps(bytes: Uint8Array): RegionCap[] {
  const info = decodeRegionInfo(bytes);
  const caps: RegionCap[] = [];
  if ((info.flags & VfioRegionFlags.CAPS) === 0 || info.capOffset === 0) return caps;
  let at = info.capOffset;
  let last = 0;
  while (at !== 0 && at > last && at + CAP_HEADER_SIZE <= bytes.length) {
    const id = getU16(bytes, at);
    const version = getU16(bytes, at + 2);
    const next = getU32(bytes, at + 4);
    if (id === VfioRegionCapId.TYPE && at + REGION_CAP_TYPE_SIZE <= bytes.length) {
      caps.push({ id, version, type: getU32(bytes, at + 8), subtype: getU32(bytes, at + 12) });
    } else if (id === VfioRegionCapId.SPARSE_MMAP && at + SPARSE_MMAP_HEADER_SIZE <= bytes.length) {
      const nr = getU32(bytes, at + 8);
      const areas: { offset: number; size: number }[] = [];
      for (let i = 0; i < nr; i++) {
        const p = at + SPARSE_MMAP_HEADER_SIZE + i * SPARSE_MMAP_AREA_SIZE;
        if (p + SPARSE_MMAP_AREA_SIZE > bytes.length) break;
        areas.push({ offset: getU64Number(bytes, p), size: getU64Number(bytes, p + 8) });
      }
      caps.push({ id, version, areas });
    } else {
      const end = next > at && next <= bytes.length ? next : bytes.length;
      caps.push({ id, version, raw: bytes.slice(at, end) });
    }
    last = at;
    at = next;
  }
  return caps;
}

/**
 * VFIO_DEVICE_GET_REGION_INFO for one index with a 32-byte argument (no capabilities read): the decoded
 * info, or the negative errno the device answered.
 */
export function getRegionInfo(dev: DeviceFile, index: number): RegionInfo | number {
  const arg = new Uint8Array(REGION_INFO_SIZE);
  setU32(arg, 0, REGION_INFO_SIZE);
  setU32(arg, 8, index);
  const ret = dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, arg);
  return ret < 0 ? ret : decodeRegionInfo(arg);
}

export function findTypeCap(caps: readonly RegionCap[]): RegionTypeCap | undefined {
  return caps.find((c): c is RegionTypeCap => c.id === VfioRegionCapId.TYPE && "type" in c);
}
