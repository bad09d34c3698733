/**
 * What the host sees of a vGPU's primary plane, read the way a VFIO display consumer reads it: QUERY_GFX_PLANE,
 * then GET_GFX_DMABUF + mmap (mbochs) or a pread of the plane's region (mdpy). Pixels are copied out, so the
 * picture stays as it was at the query.
 */
import {
  DrmPlaneType,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  VFIO_GFX_PLANE_TYPE_REGION,
  type DeviceFile,
  type GfxPlaneInfo,
} from "../../../src/abi/index.ts";
import type { LinearImage } from "../../../src/guest/guest-display.ts";
import { regionInfo } from "../../../src/guest/region-lookup.ts";
import { hashImage } from "../../../src/guest/workloads/frame-hash.ts";
import { asDmaBuf, mapRead } from "../../helpers/bochs-fixture.ts";
import { getDmabuf, query } from "../../helpers/ioctl-args.ts";

export interface HostFrame {
  info: GfxPlaneInfo;
  image: LinearImage;
  hash: string;
  pixel(x: number, y: number): number;
}

/** The primary plane's dmabuf id (mbochs), or undefined when the display is off. */
export function primaryDmabufId(dev: DeviceFile): number | undefined {
  const q = query(dev, VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.PRIMARY);
  if (q.ret !== 0) throw new Error(`QUERY_GFX_PLANE: ${q.ret}`);
  return q.info.drmFormat === 0 ? undefined : q.info.id;
}

/** The primary plane as the host sees it now (dma-buf planes for mbochs, region planes for mdpy). */
export function hostFrame(dev: DeviceFile, kind: "dmabuf" | "region" = "dmabuf"): HostFrame {
  const q = query(dev, kind === "dmabuf" ? VFIO_GFX_PLANE_TYPE_DMABUF : VFIO_GFX_PLANE_TYPE_REGION, DrmPlaneType.PRIMARY);
  if (q.ret !== 0 || q.info.drmFormat === 0) throw new Error(`no primary plane (ret ${q.ret})`);
  const info = q.info;
  const bytes = new Uint8Array(info.size);
  if (kind === "dmabuf") {
    const fd = getDmabuf(dev, info.id);
    if (fd < 0) throw new Error(`GET_GFX_DMABUF(${info.id}): ${fd}`);
    const buf = asDmaBuf(dev, fd);
    const m = mapRead(buf, info.size);
    bytes.set(m.bytes.subarray(0, info.size));
    m.unmap();
    buf.close();
  } else {
    const region = regionInfo(dev, info.id);
    if (dev.pread(bytes, region.offset) !== info.size) throw new Error("short read of the plane region");
  }
  const image: LinearImage = {
    width: info.width,
    height: info.height,
    stridePixels: info.stride / 4,
    pixels: new Uint32Array(bytes.buffer, 0, info.size >>> 2),
  };
  return {
    info,
    image,
    hash: hashImage(image),
    pixel: (x, y) => image.pixels[y * image.stridePixels + x]!,
  };
}
