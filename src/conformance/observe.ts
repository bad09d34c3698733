/** Small helpers checks share to turn ioctl results into observations. */
import {
  DrmFormat,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  VFIO_GFX_PLANE_TYPE_REGION,
  describeResult,
  formatName,
  type DeviceFile,
  type GfxPlaneInfo,
} from "../abi/index.ts";
import { query } from "./ioctl-args.ts";
import type { Observation } from "./check.ts";

/** 0 stays 0, a negative errno becomes "-EINVAL", a positive result "fd" (fd numbers differ per process). */
export function ret(r: number): Observation {
  return r >= 0 ? (r === 0 ? 0 : "fd") : describeResult(r);
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** The plane fields a consumer acts on; ids are reported by relation elsewhere (they differ per run). */
export function planeFields(p: GfxPlaneInfo): Observation {
  return {
    format: formatName(p.drmFormat),
    modifier: `0x${p.drmFormatMod.toString(16)}`,
    width: p.width,
    height: p.height,
    stride: p.stride,
    size: p.size,
    x_pos: p.xPos,
    y_pos: p.yPos,
    x_hot: hex(p.xHot),
    y_hot: hex(p.yHot),
  };
}

export function isZeroPlane(p: GfxPlaneInfo): boolean {
  return p.drmFormat === 0 && p.width === 0 && p.height === 0 && p.stride === 0 && p.size === 0 && p.id === 0;
}

/** The flags a non-probe query of this device's kind carries. */
export function kindFlags(kind: "dmabuf" | "region"): number {
  return kind === "dmabuf" ? VFIO_GFX_PLANE_TYPE_DMABUF : VFIO_GFX_PLANE_TYPE_REGION;
}

/**
 * Query a plane until it answers 0 (at most `tries` times): the return codes seen on the way and the
 * final reply. mbochs answers the first query of a new mode with -ENOMEM (a kernel bug), so this is how a
 * consumer must ask.
 */
export function queryUntilOk(dev: DeviceFile, flags: number, planeType: number, tries = 3): { rets: Observation[]; info: GfxPlaneInfo; ok: boolean } {
  const rets: Observation[] = [];
  for (let i = 0; i < tries; i++) {
    const q = query(dev, flags, planeType);
    rets.push(ret(q.ret));
    if (q.ret === 0) return { rets, info: q.info, ok: true };
  }
  return { rets, info: query(dev, flags, planeType).info, ok: false };
}

export { VFIO_DEVICE_QUERY_GFX_PLANE, DrmFormat };
