/**
 * Resizing the guest through its EDID, as QEMU's vfio display does, plus a debounce QEMU's VNC path lacks:
 * a size request waits until requests stop for `debounceMs` (a window being dragged sends dozens), is
 * clamped to the device's max_xres/max_yres, and is then published: link DOWN, edid_size, the blob,
 * and `linkUpDelayMs` later link UP, "so the guest has a chance to notice the link down first".
 * The guest decides whether to follow the new preferred mode; the Console announces it when it does.
 */
import {
  GFX_EDID_SIZE,
  GfxEdidOffset,
  REGION_INFO_SIZE,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GFX_LINK_STATE_DOWN,
  VFIO_DEVICE_GFX_LINK_STATE_UP,
  VFIO_REGION_SUBTYPE_GFX_EDID,
  VFIO_REGION_TYPE_GFX,
  VFIO_DEVICE_GET_REGION_INFO,
  decodeGfxEdid,
  decodeRegionCaps,
  decodeRegionInfo,
  describeResult,
  findTypeCap,
  getU32,
  setU32,
  type DeviceFile,
  type GfxEdid,
} from "../abi/index.ts";
import { EDID_BLOCK_SIZE, EDID_MAX_DIMENSION, generateEdid } from "./edid-generate.ts";

export interface EdidResizerOptions {
  debounceMs?: number;
  linkUpDelayMs?: number;
  /** smallest size ever published (guest drivers refuse tiny modes; mbochs needs 64) */
  minDimension?: number;
  log?: (message: string) => void;
}

/** Where the EDID region is and what it says about itself. */
export interface EdidRegion {
  index: number;
  offset: number;
  regs: GfxEdid;
}

/** Walk every region index for a GFX/EDID TYPE cap (growing argsz as the cap protocol asks). */
export function findEdidRegion(dev: DeviceFile): EdidRegion | undefined {
  const info = new Uint8Array(20);
  setU32(info, 0, 20);
  if (dev.ioctl(VFIO_DEVICE_GET_INFO, info) !== 0) return undefined;
  const numRegions = Math.min(getU32(info, 8), 64);
  for (let index = 0; index < numRegions; index++) {
    let argsz = REGION_INFO_SIZE;
    for (let attempt = 0; attempt < 3; attempt++) {
      const arg = new Uint8Array(argsz);
      setU32(arg, 0, argsz);
      setU32(arg, 8, index);
      if (dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, arg) !== 0) break;
      const needed = getU32(arg, 0);
      if (needed > argsz && needed <= 4096) {
        argsz = needed;
        continue;
      }
      const cap = findTypeCap(decodeRegionCaps(arg));
      if (cap && cap.type === VFIO_REGION_TYPE_GFX && cap.subtype === VFIO_REGION_SUBTYPE_GFX_EDID) {
        const offset = decodeRegionInfo(arg).offset;
        const regs = new Uint8Array(GFX_EDID_SIZE);
        for (let f = 0; f < GFX_EDID_SIZE; f += 4) {
          if (dev.pread(regs.subarray(f, f + 4), offset + f) !== 4) return undefined;
        }
        return { index, offset, regs: decodeGfxEdid(regs) };
      }
      break;
    }
  }
  return undefined;
}

export class EdidResizer {
  private pending: { width: number; height: number } | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private linkUp: NodeJS.Timeout | undefined;
  private published: { width: number; height: number } | undefined;
  private readonly opts: Required<EdidResizerOptions>;

  constructor(
    private readonly dev: DeviceFile,
    readonly region: EdidRegion,
    options: EdidResizerOptions = {},
  ) {
    this.opts = {
      debounceMs: options.debounceMs ?? 500,
      linkUpDelayMs: options.linkUpDelayMs ?? 100,
      minDimension: options.minDimension ?? 64,
      log: options.log ?? (() => {}),
    };
  }

  /** The size the last published EDID prefers. */
  get preferred(): { width: number; height: number } | undefined {
    return this.published;
  }

  /** Clamp a size to what the device and a detailed timing allow. */
  clamp(width: number, height: number): { width: number; height: number } {
    const { maxXres, maxYres } = this.region.regs;
    const min = this.opts.minDimension;
    const w = Math.max(min, Math.min(width, maxXres > 0 ? maxXres : EDID_MAX_DIMENSION, EDID_MAX_DIMENSION));
    const h = Math.max(min, Math.min(height, maxYres > 0 ? maxYres : EDID_MAX_DIMENSION, EDID_MAX_DIMENSION));
    return { width: w, height: h };
  }

  /** A front-end wants this size: publish it once requests have settled. */
  request(width: number, height: number): void {
    this.pending = this.clamp(width, height);
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      const p = this.pending!;
      this.pending = undefined;
      this.publish(p.width, p.height);
    }, this.opts.debounceMs);
    this.debounce.unref();
  }

  /** Publish at once (device start-up, tests): link DOWN, size, blob; link UP after the delay. */
  publish(width: number, height: number): boolean {
    const size = this.clamp(width, height);
    if (this.linkUp) clearTimeout(this.linkUp);
    const blob = generateEdid(size);
    if (blob.length > this.region.regs.edidMaxSize) {
      this.opts.log(`EDID of ${blob.length} bytes does not fit the device's ${this.region.regs.edidMaxSize}`);
      return false;
    }
    const ok =
      this.writeReg(GfxEdidOffset.linkState, VFIO_DEVICE_GFX_LINK_STATE_DOWN) &&
      this.writeReg(GfxEdidOffset.edidSize, EDID_BLOCK_SIZE) &&
      this.writeBlob(blob);
    if (!ok) return false;
    this.published = size;
    this.linkUp = setTimeout(() => {
      this.linkUp = undefined;
      this.writeReg(GfxEdidOffset.linkState, VFIO_DEVICE_GFX_LINK_STATE_UP);
    }, this.opts.linkUpDelayMs);
    this.linkUp.unref();
    return true;
  }

  close(): void {
    if (this.debounce) clearTimeout(this.debounce);
    if (this.linkUp) clearTimeout(this.linkUp);
    this.debounce = this.linkUp = undefined;
  }

  private writeReg(field: number, value: number): boolean {
    const b = new Uint8Array(4);
    setU32(b, 0, value);
    const ret = this.dev.pwrite(b, this.region.offset + field);
    if (ret !== 4) this.opts.log(`EDID register write at +${field} failed: ${describeResult(ret)}`);
    return ret === 4;
  }

  /** The blob in 4-byte writes: GVT accepts only 4-byte accesses in its EDID region. */
  private writeBlob(blob: Uint8Array): boolean {
    const base = this.region.offset + this.region.regs.edidOffset;
    for (let i = 0; i < blob.length; i += 4) {
      const ret = this.dev.pwrite(blob.subarray(i, i + 4), base + i);
      if (ret !== 4) {
        this.opts.log(`EDID blob write at +${i} failed: ${describeResult(ret)}`);
        return false;
      }
    }
    return true;
  }
}
