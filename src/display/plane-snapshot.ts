/**
 * A plain, copyable record of one plane query result, with the DRM format and modifier by name: what an
 * inspector (web console, `vfio-display query`) shows. The consumer's GfxPlaneInfoView is reused on every
 * poll, so callers get a copy, never the view.
 */
import { GFX_HOTSPOT_UNKNOWN, formatName, modifierName, type GfxPlaneInfoView } from "../abi/index.ts";

export interface PlaneSnapshot {
  /** false when the plane is off (format 0 or size 0) */
  visible: boolean;
  drmFormat: string;
  modifier: string;
  width: number;
  height: number;
  stride: number;
  size: number;
  x: number;
  y: number;
  /** the hotspot, or null when the driver does not know it (GFX_HOTSPOT_UNKNOWN) */
  hotspot: { x: number; y: number } | null;
  /** dmabuf_id for dma-buf planes; the region index for region planes */
  id: number;
}

export function snapshotPlane(p: GfxPlaneInfoView): PlaneSnapshot {
  const known = p.xHot !== GFX_HOTSPOT_UNKNOWN && p.yHot !== GFX_HOTSPOT_UNKNOWN;
  return {
    visible: p.drmFormat !== 0 && p.size !== 0,
    drmFormat: p.drmFormat === 0 ? "none" : formatName(p.drmFormat),
    modifier: modifierName(p.drmFormatMod),
    width: p.width,
    height: p.height,
    stride: p.stride,
    size: p.size,
    x: p.xPos,
    y: p.yPos,
    hotspot: known ? { x: p.xHot, y: p.yHot } : null,
    id: p.id,
  };
}
