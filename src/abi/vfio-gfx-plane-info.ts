/**
 * struct vfio_device_gfx_plane_info — the argument of VFIO_DEVICE_QUERY_GFX_PLANE (linux/vfio.h).
 *
 * 64 bytes in every header version; drivers read and write exactly the first 60 (up to region_index /
 * dmabuf_id), so bytes 60..63 are never touched by a kernel.
 */
import { getU32, getU64, requireLength, setU32, setU64, copyWithinArgsz } from "./bytes.ts";

export const GFX_PLANE_INFO_SIZE = 64;
/** offsetofend(region_index): the minimum argsz, and the bytes a driver copies in and out. */
export const GFX_PLANE_INFO_MINSZ = 60;

export const GfxPlaneInfoOffset = {
  argsz: 0,
  flags: 4,
  drmPlaneType: 8,
  drmFormat: 12,
  drmFormatMod: 16,
  width: 24,
  height: 28,
  stride: 32,
  size: 36,
  xPos: 40,
  yPos: 44,
  xHot: 48,
  yHot: 52,
  /** union { region_index; dmabuf_id; } */
  regionIndex: 56,
  dmabufId: 56,
  reserved: 60,
} as const;

export const VFIO_GFX_PLANE_TYPE_PROBE = 1 << 0;
export const VFIO_GFX_PLANE_TYPE_DMABUF = 1 << 1;
export const VFIO_GFX_PLANE_TYPE_REGION = 1 << 2;

/** x_hot / y_hot when the driver has no hotspot. */
export const GFX_HOTSPOT_UNKNOWN = 0xffffffff;

export interface GfxPlaneInfo {
  argsz: number;
  flags: number;
  drmPlaneType: number;
  drmFormat: number;
  drmFormatMod: bigint;
  width: number;
  height: number;
  stride: number;
  size: number;
  xPos: number;
  yPos: number;
  xHot: number;
  yHot: number;
  /** region_index when REGION, dmabuf_id when DMABUF (one u32, a union in C). */
  id: number;
}

export function emptyGfxPlaneInfo(flags = 0, drmPlaneType = 0): GfxPlaneInfo {
  return {
    argsz: GFX_PLANE_INFO_SIZE,
    flags,
    drmPlaneType,
    drmFormat: 0,
    drmFormatMod: 0n,
    width: 0,
    height: 0,
    stride: 0,
    size: 0,
    xPos: 0,
    yPos: 0,
    xHot: 0,
    yHot: 0,
    id: 0,
  };
}

export function decodeGfxPlaneInfo(bytes: Uint8Array): GfxPlaneInfo {
  requireLength("vfio_device_gfx_plane_info", bytes, GFX_PLANE_INFO_MINSZ);
  const o = GfxPlaneInfoOffset;
  return {
    argsz: getU32(bytes, o.argsz),
    flags: getU32(bytes, o.flags),
    drmPlaneType: getU32(bytes, o.drmPlaneType),
    drmFormat: getU32(bytes, o.drmFormat),
    drmFormatMod: getU64(bytes, o.drmFormatMod),
    width: getU32(bytes, o.width),
    height: getU32(bytes, o.height),
    stride: getU32(bytes, o.stride),
    size: getU32(bytes, o.size),
    xPos: getU32(bytes, o.xPos),
    yPos: getU32(bytes, o.yPos),
    xHot: getU32(bytes, o.xHot),
    yHot: getU32(bytes, o.yHot),
    id: getU32(bytes, o.regionIndex),
  };
}

/** Encode into `target`, writing no byte at or past min(info.argsz, 64, target.length). */
export function encodeGfxPlaneInfo(info: GfxPlaneInfo, target: Uint8Array): number {
  const b = new Uint8Array(GFX_PLANE_INFO_SIZE);
  const o = GfxPlaneInfoOffset;
  setU32(b, o.argsz, info.argsz);
  setU32(b, o.flags, info.flags);
  setU32(b, o.drmPlaneType, info.drmPlaneType);
  setU32(b, o.drmFormat, info.drmFormat);
  setU64(b, o.drmFormatMod, info.drmFormatMod);
  setU32(b, o.width, info.width);
  setU32(b, o.height, info.height);
  setU32(b, o.stride, info.stride);
  setU32(b, o.size, info.size);
  setU32(b, o.xPos, info.xPos);
  setU32(b, o.yPos, info.yPos);
  setU32(b, o.xHot, info.xHot);
  setU32(b, o.yHot, info.yHot);
  setU32(b, o.regionIndex, info.id);
  return copyWithinArgsz(b, target, info.argsz);
}

/**
 * Field access over a fixed 64-byte buffer without allocating: what a driver or a consumer polling at
 * 60 Hz uses on its hot path. The modifier is written as two u32 halves so no bigint is created.
 */
export class GfxPlaneInfoView {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array = new Uint8Array(GFX_PLANE_INFO_SIZE)) {
    requireLength("vfio_device_gfx_plane_info", bytes, GFX_PLANE_INFO_SIZE);
    this.bytes = bytes;
  }
  get argsz(): number { return getU32(this.bytes, 0); }
  set argsz(v: number) { setU32(this.bytes, 0, v); }
  get flags(): number { return getU32(this.bytes, 4); }
  set flags(v: number) { setU32(this.bytes, 4, v); }
  get drmPlaneType(): number { return getU32(this.bytes, 8); }
  set drmPlaneType(v: number) { setU32(this.bytes, 8, v); }
  get drmFormat(): number { return getU32(this.bytes, 12); }
  set drmFormat(v: number) { setU32(this.bytes, 12, v); }
  get modLo(): number { return getU32(this.bytes, 16); }
  get modHi(): number { return getU32(this.bytes, 20); }
  setModifier(lo: number, hi: number): void { setU32(this.bytes, 16, lo); setU32(this.bytes, 20, hi); }
  get drmFormatMod(): bigint { return getU64(this.bytes, 16); }
  get width(): number { return getU32(this.bytes, 24); }
  set width(v: number) { setU32(this.bytes, 24, v); }
  get height(): number { return getU32(this.bytes, 28); }
  set height(v: number) { setU32(this.bytes, 28, v); }
  get stride(): number { return getU32(this.bytes, 32); }
  set stride(v: number) { setU32(this.bytes, 32, v); }
  get size(): number { return getU32(this.bytes, 36); }
  set size(v: number) { setU32(this.bytes, 36, v); }
  get xPos(): number { return getU32(this.bytes, 40); }
  set xPos(v: number) { setU32(this.bytes, 40, v); }
  get yPos(): number { return getU32(this.bytes, 44); }
  set yPos(v: number) { setU32(this.bytes, 44, v); }
  get xHot(): number { return getU32(this.bytes, 48); }
  set xHot(v: number) { setU32(this.bytes, 48, v); }
  get yHot(): number { return getU32(this.bytes, 52); }
  set yHot(v: number) { setU32(this.bytes, 52, v); }
  /** region_index / dmabuf_id */
  get id(): number { return getU32(this.bytes, 56); }
  set id(v: number) { setU32(this.bytes, 56, v); }

  /** Zero the whole struct and set the request fields: what a careful caller does before every query. */
  prepare(flags: number, drmPlaneType: number, argsz = GFX_PLANE_INFO_SIZE): void {
    this.bytes.fill(0);
    this.argsz = argsz;
    this.flags = flags;
    this.drmPlaneType = drmPlaneType;
  }
}
