/**
 * Decoding the guest's display registers into a framebuffer description, as GVT's fb_decoder.c
 * (intel_vgpu_decode_primary_plane / _cursor_plane, gen9 branch) and dmabuf.c's vgpu_get_plane_info do.
 *
 * The result codes are GVT's: 0; -ENODEV for "no plane" (no enabled pipe, plane off, cursor off), which
 * QUERY_GFX_PLANE turns into success with the caller's struct untouched; -EINVAL for an unsupported
 * format or cursor mode, a surface address outside the vGPU's graphics memory or one the GGTT does not
 * map to guest RAM, a zero size, a stride too small for a line, or a plane type other than primary and
 * cursor; -EFAULT for a surface that runs past the end of the vGPU's graphics-memory slice.
 *
 * Everything is plain u32 arithmetic on register values, exact in doubles: no value a guest can program
 * makes a range check wrap. Allocation-free: results go into a caller-owned FbInfo.
 */
import {
  DrmFormat,
  DrmPlaneType,
  Errno,
  I915_FORMAT_MOD_X_TILED,
  I915_FORMAT_MOD_Y_TILED,
  I915_FORMAT_MOD_Yf_TILED,
  PAGE_SIZE,
} from "../../abi/index.ts";
import type { GuestRam } from "../../kernel/guest-ram.ts";
import { NO_PAGE, type Ggtt } from "./ggtt.ts";
import type { GvtMmio } from "./mmio.ts";
import {
  CURBASE_A,
  CURCNTR_A,
  CURPOS_A,
  CURPOS_X_MASK,
  CURPOS_Y_MASK,
  CURPOS_Y_SHIFT,
  MCURSOR_MODE,
  MCURSOR_MODE_MASK,
  NUM_PIPES,
  PIPECONF_A,
  PIPECONF_ENABLE,
  PIPESRC_A,
  PLANE_CTL_1_A,
  PLANE_CTL_ALPHA_MASK,
  PLANE_CTL_ENABLE,
  PLANE_CTL_FORMAT_MASK,
  PLANE_CTL_FORMAT_SHIFT,
  PLANE_CTL_ORDER_RGBX,
  PLANE_CTL_TILED_MASK,
  PLANE_CTL_TILED_SHIFT,
  PLANE_CTL_YUV422_ORDER_MASK,
  PLANE_CTL_YUV422_ORDER_SHIFT,
  PLANE_STRIDE_1_A,
  PLANE_STRIDE_MASK,
  PLANE_SURF_1_A,
  PlaneFormat,
  PlaneTiling,
  Pvinfo,
  VGT_PVINFO_PAGE,
  pipeReg,
} from "./regs.ts";

/** intel_vgpu_fb_info: what a dma-buf object records, plus the reply-only position and hotspot. */
export interface FbInfo {
  /** graphics-memory address of the surface (page aligned) */
  start: number;
  /** guest-physical address its first page maps to */
  startGpa: number;
  size: number;
  drmFormat: number;
  /** modifier as u32 halves (no bigint on the hot path) */
  modLo: number;
  modHi: number;
  width: number;
  height: number;
  stride: number;
  xPos: number;
  yPos: number;
  xHot: number;
  yHot: number;
}

export function emptyFbInfo(): FbInfo {
  return { start: 0, startGpa: 0, size: 0, drmFormat: 0, modLo: 0, modHi: 0, width: 0, height: 0, stride: 0, xPos: 0, yPos: 0, xHot: 0, yHot: 0 };
}

export function copyFbInfo(from: Readonly<FbInfo>, to: FbInfo): void {
  Object.assign(to, from);
}

/** pick_dmabuf_by_info: the fields that identify a framebuffer (not stride, position or hotspot). */
export function sameFramebuffer(a: Readonly<FbInfo>, b: Readonly<FbInfo>): boolean {
  return (
    a.start === b.start &&
    a.startGpa === b.startGpa &&
    a.size === b.size &&
    a.modLo === b.modLo &&
    a.modHi === b.modHi &&
    a.drmFormat === b.drmFormat &&
    a.width === b.width &&
    a.height === b.height
  );
}

const GTT_PAGE_MASK = 0xfffff000;

const MOD_X = { lo: Number(I915_FORMAT_MOD_X_TILED & 0xffffffffn), hi: Number(I915_FORMAT_MOD_X_TILED >> 32n) };
const MOD_Y = { lo: Number(I915_FORMAT_MOD_Y_TILED & 0xffffffffn), hi: Number(I915_FORMAT_MOD_Y_TILED >> 32n) };
const MOD_YF = { lo: Number(I915_FORMAT_MOD_Yf_TILED & 0xffffffffn), hi: Number(I915_FORMAT_MOD_Yf_TILED >> 32n) };

/** The registers and memory a decode reads. */
export interface DecodeContext {
  mmio: GvtMmio;
  ggtt: Ggtt;
  ram: GuestRam;
}

/** get_active_pipe: the first pipe whose PIPECONF enable bit is set, or NUM_PIPES for none. */
export function activePipe(mmio: GvtMmio): number {
  let pipe = 0;
  while (pipe < NUM_PIPES && (mmio.reg(pipeReg(PIPECONF_A, pipe)) & PIPECONF_ENABLE) === 0) pipe++;
  return pipe;
}

/**
 * skl_format_to_drm: DRM fourcc and bits per pixel for a PLANE_CTL value, or 0 bpp if unsupported.
 * Writes into `out` = [fourcc, bpp].
 */
function sklFormat(ctl: number, out: [number, number]): void {
  const format = (ctl & PLANE_CTL_FORMAT_MASK) >>> PLANE_CTL_FORMAT_SHIFT;
  const rgbx = (ctl & PLANE_CTL_ORDER_RGBX) !== 0;
  const alpha = (ctl & PLANE_CTL_ALPHA_MASK) !== 0;
  switch (format) {
    case PlaneFormat.INDEXED:
      out[0] = DrmFormat.C8;
      out[1] = 8;
      return;
    case PlaneFormat.RGB_565:
      out[0] = DrmFormat.RGB565;
      out[1] = 16;
      return;
    case PlaneFormat.XRGB_8888:
      out[0] = rgbx ? (alpha ? DrmFormat.ABGR8888 : DrmFormat.XBGR8888) : alpha ? DrmFormat.ARGB8888 : DrmFormat.XRGB8888;
      out[1] = 32;
      return;
    case PlaneFormat.XRGB_2101010:
      out[0] = rgbx ? DrmFormat.XBGR2101010 : DrmFormat.XRGB2101010;
      out[1] = 32;
      return;
    case PlaneFormat.YUV422: {
      const order = (ctl & PLANE_CTL_YUV422_ORDER_MASK) >>> PLANE_CTL_YUV422_ORDER_SHIFT;
      out[0] = order === 0 ? DrmFormat.YUYV : order === 1 ? DrmFormat.UYVY : order === 2 ? DrmFormat.YVYU : DrmFormat.VYUY;
      out[1] = 16;
      return;
    }
    default:
      out[0] = 0;
      out[1] = 0;
  }
}

const formatScratch: [number, number] = [0, 0];

/** Translate the surface base (already checked to be the vGPU's GM); NO_PAGE → the caller's -EINVAL. */
function basePage(ctx: DecodeContext, base: number): number {
  return ctx.ggtt.translatePage(base, ctx.ram);
}

function decodePrimary(ctx: DecodeContext, info: FbInfo): number {
  const { mmio, ggtt } = ctx;
  const pipe = activePipe(mmio);
  if (pipe >= NUM_PIPES) return -Errno.ENODEV;
  const ctl = mmio.reg(pipeReg(PLANE_CTL_1_A, pipe));
  if ((ctl & PLANE_CTL_ENABLE) === 0) return -Errno.ENODEV;

  const tiled = (ctl & PLANE_CTL_TILED_MASK) >>> PLANE_CTL_TILED_SHIFT;
  sklFormat(ctl, formatScratch);
  const bpp = formatScratch[1];
  if (bpp === 0) return -Errno.EINVAL;

  const base = (mmio.reg(pipeReg(PLANE_SURF_1_A, pipe)) & GTT_PAGE_MASK) >>> 0;
  if (!ggtt.isValid(base)) return -Errno.EINVAL;
  const pfn = basePage(ctx, base);
  if (pfn === NO_PAGE) return -Errno.EINVAL;

  // intel_vgpu_get_stride (gen9): the 10-bit field in units that depend on the tiling
  const strideReg = mmio.reg(pipeReg(PLANE_STRIDE_1_A, pipe)) & PLANE_STRIDE_MASK;
  let stride: number;
  let tileHeight = 1;
  switch (tiled) {
    case PlaneTiling.LINEAR:
      stride = strideReg * 64;
      info.modLo = 0;
      info.modHi = 0;
      break;
    case PlaneTiling.X:
      stride = strideReg * 512;
      info.modLo = MOD_X.lo;
      info.modHi = MOD_X.hi;
      tileHeight = 8;
      break;
    case PlaneTiling.Y:
      stride = strideReg * 128;
      info.modLo = MOD_Y.lo;
      info.modHi = MOD_Y.hi;
      tileHeight = 32;
      break;
    case PlaneTiling.YF:
      stride = strideReg * (bpp === 8 ? 64 : 128);
      info.modLo = MOD_YF.lo;
      info.modHi = MOD_YF.hi;
      tileHeight = 32;
      break;
    default:
      // an unknown tiling value: GVT logs it, leaves the modifier LINEAR and the stride unscaled
      stride = strideReg;
      info.modLo = 0;
      info.modHi = 0;
  }

  const src = mmio.reg(pipeReg(PIPESRC_A, pipe));
  info.width = ((src >>> 16) & 0x1fff) + 1;
  info.height = (src & 0xfff) + 1;
  info.start = base;
  info.startGpa = pfn * PAGE_SIZE;
  info.stride = stride;
  info.drmFormat = formatScratch[0];
  info.xPos = 0;
  info.yPos = 0;
  info.xHot = 0;
  info.yHot = 0;
  info.size = (stride * (Math.ceil(info.height / tileHeight) * tileHeight)) % 0x1_0000_0000;
  if (info.size === 0) return -Errno.EINVAL;
  // Not in GVT (which trusts the guest here): a line must fit in the stride, or the buffer described is
  // smaller than width × height and a consumer reading it would run off its end.
  if (stride < (info.width * bpp) / 8) return -Errno.EINVAL;
  return checkRange(ctx, info);
}

function decodeCursor(ctx: DecodeContext, info: FbInfo): number {
  const { mmio, ggtt } = ctx;
  const pipe = activePipe(mmio);
  if (pipe >= NUM_PIPES) return -Errno.ENODEV;
  const mode = mmio.reg(pipeReg(CURCNTR_A, pipe)) & MCURSOR_MODE_MASK;
  if (mode === MCURSOR_MODE.DISABLE) return -Errno.ENODEV;
  let size: number;
  switch (mode) {
    case MCURSOR_MODE.M128_ARGB_AX:
      size = 128;
      break;
    case MCURSOR_MODE.M256_ARGB_AX:
      size = 256;
      break;
    case MCURSOR_MODE.M64_ARGB_AX:
    case MCURSOR_MODE.M64_32B_AX:
      size = 64;
      break;
    default:
      return -Errno.EINVAL;
  }
  const base = (mmio.reg(pipeReg(CURBASE_A, pipe)) & GTT_PAGE_MASK) >>> 0;
  if (!ggtt.isValid(base)) return -Errno.EINVAL;
  const pfn = basePage(ctx, base);
  if (pfn === NO_PAGE) return -Errno.EINVAL;

  const pos = mmio.reg(pipeReg(CURPOS_A, pipe));
  info.start = base;
  info.startGpa = pfn * PAGE_SIZE;
  info.width = size;
  info.height = size;
  info.stride = size * 4;
  info.drmFormat = DrmFormat.ARGB8888;
  info.modLo = 0;
  info.modHi = 0;
  // GVT keeps the magnitudes and drops the sign bits (15 and 31)
  info.xPos = pos & CURPOS_X_MASK;
  info.yPos = (pos >>> CURPOS_Y_SHIFT) & CURPOS_Y_MASK;
  const xHot = mmio.reg(VGT_PVINFO_PAGE + Pvinfo.cursorXHot);
  const yHot = mmio.reg(VGT_PVINFO_PAGE + Pvinfo.cursorYHot);
  // validate_hotspot: both inside the cursor (≤, as GVT compares), else "no hotspot"
  if (xHot <= size && yHot <= size) {
    info.xHot = xHot;
    info.yHot = yHot;
  } else {
    info.xHot = 0xffffffff;
    info.yHot = 0xffffffff;
  }
  info.size = info.stride * size;
  return checkRange(ctx, info);
}

/** The tail of vgpu_get_plane_info: page alignment (always true after masking) and the GM range. */
function checkRange(ctx: DecodeContext, info: FbInfo): number {
  if (info.start % PAGE_SIZE !== 0) return -Errno.EFAULT;
  if (!ctx.ggtt.validateRange(info.start, info.size)) return -Errno.EFAULT;
  return 0;
}

/** vgpu_get_plane_info for `planeType`: 0 with `info` filled, or GVT's errno. */
export function decodePlane(ctx: DecodeContext, planeType: number, info: FbInfo): number {
  if (planeType === DrmPlaneType.PRIMARY) return decodePrimary(ctx, info);
  if (planeType === DrmPlaneType.CURSOR) return decodeCursor(ctx, info);
  return -Errno.EINVAL;
}
