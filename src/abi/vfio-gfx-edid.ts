/**
 * struct vfio_region_gfx_edid — the register block at the start of a VFIO_REGION_TYPE_GFX /
 * VFIO_REGION_SUBTYPE_GFX_EDID region. Six u32 fields accessed with 4-byte pread/pwrite.
 */
import { getU32, requireLength, setU32 } from "./bytes.ts";

export const GFX_EDID_SIZE = 24;
export const GfxEdidOffset = {
  edidOffset: 0,
  edidMaxSize: 4,
  edidSize: 8,
  maxXres: 12,
  maxYres: 16,
  linkState: 20,
} as const;
export const VFIO_DEVICE_GFX_LINK_STATE_UP = 1;
export const VFIO_DEVICE_GFX_LINK_STATE_DOWN = 2;

export interface GfxEdid {
  edidOffset: number;
  edidMaxSize: number;
  edidSize: number;
  maxXres: number;
  maxYres: number;
  linkState: number;
}

export function decodeGfxEdid(bytes: Uint8Array): GfxEdid {
  requireLength("vfio_region_gfx_edid", bytes, GFX_EDID_SIZE);
  return {
    edidOffset: getU32(bytes, 0),
    edidMaxSize: getU32(bytes, 4),
    edidSize: getU32(bytes, 8),
    maxXres: getU32(bytes, 12),
    maxYres: getU32(bytes, 16),
    linkState: getU32(bytes, 20),
  };
}

export function encodeGfxEdid(edid: GfxEdid, target: Uint8Array): void {
  requireLength("vfio_region_gfx_edid", target, GFX_EDID_SIZE);
  setU32(target, 0, edid.edidOffset);
  setU32(target, 4, edid.edidMaxSize);
  setU32(target, 8, edid.edidSize);
  setU32(target, 12, edid.maxXres);
  setU32(target, 16, edid.maxYres);
  setU32(target, 20, edid.linkState);
}
