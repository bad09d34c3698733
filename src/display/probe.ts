/**
 * Display probing as QEMU's hw/vfio/display.c does it: PROBE|DMABUF first, then PROBE|REGION; whichever
 * the device accepts decides how its planes are fetched. Talks to the device only through DeviceFile.
 */
import {
  GfxPlaneInfoView,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  VFIO_GFX_PLANE_TYPE_PROBE,
  VFIO_GFX_PLANE_TYPE_REGION,
  type DeviceFile,
} from "../abi/index.ts";

export type DisplayKind = "dmabuf" | "region" | "none";

export function probeDisplay(dev: DeviceFile, scratch = new GfxPlaneInfoView()): DisplayKind {
  scratch.prepare(VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF, 0);
  if (dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, scratch.bytes) === 0) return "dmabuf";
  scratch.prepare(VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION, 0);
  if (dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, scratch.bytes) === 0) return "region";
  return "none";
}

/**
 * One plane query in the device's mode. The struct is zeroed first: GVT echoes the caller's bytes for a
 * disabled plane, so stale values must never look like a plane. Returns the ioctl result.
 */
export function queryPlane(dev: DeviceFile, kind: Exclude<DisplayKind, "none">, planeType: number, into: GfxPlaneInfoView): number {
  into.prepare(kind === "dmabuf" ? VFIO_GFX_PLANE_TYPE_DMABUF : VFIO_GFX_PLANE_TYPE_REGION, planeType);
  return dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, into.bytes);
}
