/**
 * VFIO_DEVICE_QUERY_GFX_PLANE for mdpy (the sample's mdpy_query_gfx_plane): a region-only device whose
 * one plane never changes.
 *
 * - any PROBE: 0 only for exactly PROBE|REGION, else -EINVAL; nothing is written back;
 * - otherwise flags must be exactly REGION, else -EINVAL;
 * - drm_plane_type is not looked at: PRIMARY, CURSOR, OVERLAY or garbage all get the primary description;
 * - the plane is never reported disabled.
 *
 * The caller has already done the 60-byte copy-in and the argsz check. Works in place on those 60 bytes and
 * allocates nothing, since a consumer polls this at frame rate.
 */
import {
  Errno,
  GfxPlaneInfoOffset as O,
  VFIO_GFX_PLANE_TYPE_PROBE,
  VFIO_GFX_PLANE_TYPE_REGION,
  getU32,
  setU32,
  setU64Parts,
} from "../../abi/index.ts";
import { MDPY_DISPLAY_REGION } from "./mdpy-defs.ts";
import { typeStride, type MdpyTypeSpec } from "./types.ts";

export function queryMdpyPlane(plane: Uint8Array, type: MdpyTypeSpec, framebufferSize: number): number {
  const flags = getU32(plane, O.flags);
  if ((flags & VFIO_GFX_PLANE_TYPE_PROBE) !== 0) {
    return flags === (VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION) ? 0 : -Errno.EINVAL;
  }
  if (flags !== VFIO_GFX_PLANE_TYPE_REGION) return -Errno.EINVAL;

  setU32(plane, O.drmFormat, type.format);
  setU64Parts(plane, O.drmFormatMod, 0, 0);
  setU32(plane, O.width, type.width);
  setU32(plane, O.height, type.height);
  setU32(plane, O.stride, typeStride(type));
  // The whole power-of-two buffer, not stride×height: what the sample reports.
  setU32(plane, O.size, framebufferSize);
  setU32(plane, O.xPos, 0);
  setU32(plane, O.yPos, 0);
  // 0, not 0xFFFFFFFF: the sample has no cursor and never says "hotspot unknown".
  setU32(plane, O.xHot, 0);
  setU32(plane, O.yHot, 0);
  setU32(plane, O.regionIndex, MDPY_DISPLAY_REGION);
  return 0;
}
