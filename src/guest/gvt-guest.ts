/**
 * The guest side of a GVT-g vGPU, doing what i915 running inside a VM does — through the DeviceFile and
 * the VM's own RAM only:
 * - finds BAR0 with GET_REGION_INFO and checks the PCI ids and the PVINFO magic, then reads its share of
 *   graphics memory from the PVINFO ballooning registers;
 * - allocates framebuffer pages in guest RAM (optionally shuffled, so they are not contiguous), maps them
 *   into graphics memory by writing GGTT entries through the GTT half of BAR0 (8-byte PTEs at BAR0 + 8 MiB);
 * - programs pipe and primary plane (PIPESRC, PLANE_CTL format/tiling, PLANE_STRIDE, PLANE_SURF), flips by
 *   rewriting PLANE_SURF, drives the cursor (CURCNTR, CURBASE, CURPOS with sign bits, hotspot through
 *   PVINFO), and reads the hotplug state (SDEISR/SDEIIR) and the monitor's EDID over DP AUX channel D.
 *
 * Pixels are written straight into guest RAM: each surface exposes its pages in surface order
 * (`page(i)`, live 4 KiB views), which is what a tiled-surface writer consumes.
 */
import {
  DrmFormat,
  FORMAT_DESCRIPTORS,
  I915_FORMAT_MOD_X_TILED,
  I915_FORMAT_MOD_Y_TILED,
  I915_FORMAT_MOD_Yf_TILED,
  DRM_FORMAT_MOD_LINEAR,
  PAGE_SIZE,
  PCI_DEVICE_ID,
  PCI_VENDOR_ID,
  VfioPciRegion,
  describeResult,
  getU16,
  getU32,
  setU32,
  type DeviceFile,
} from "../abi/index.ts";
import type { GuestRam } from "../kernel/guest-ram.ts";
import { GVT_PCI_DEVICE_ID, PCI_VENDOR_ID_INTEL } from "../drivers/gvt/config-space.ts";
import { edidPreferredMode, EDID_SIZE } from "../drivers/gvt/edid.ts";
import { encodePte } from "../drivers/gvt/ggtt.ts";
import {
  AuxOp,
  CURBASE_A,
  CURCNTR_A,
  CURPOS_A,
  CURPOS_X_SIGN,
  CURPOS_Y_SIGN,
  DP_AUX_CH_CTL_D,
  DP_AUX_CH_CTL_DONE,
  DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT,
  DP_AUX_CH_CTL_SEND_BUSY,
  DP_AUX_CH_DATA1_D,
  EDID_I2C_ADDR,
  GTT_ENTRY_SIZE,
  GTT_OFFSET,
  MCURSOR_MODE,
  NUM_PIPES,
  PIPECONF_A,
  PIPECONF_ENABLE,
  PIPESRC_A,
  PLANE_CTL_1_A,
  PLANE_CTL_ALPHA_SHIFT,
  PLANE_CTL_ENABLE,
  PLANE_CTL_FORMAT_SHIFT,
  PLANE_CTL_ORDER_RGBX,
  PLANE_CTL_TILED_SHIFT,
  PLANE_CTL_YUV422_ORDER_SHIFT,
  PLANE_STRIDE_1_A,
  PLANE_SURF_1_A,
  PlaneFormat,
  PlaneTiling,
  Pvinfo,
  SDEIIR,
  SDEISR,
  SDE_PORTD_HOTPLUG_CPT,
  VGT_MAGIC_HI,
  VGT_MAGIC_LO,
  VGT_PVINFO_PAGE,
  Yuv422Order,
  pipeReg,
} from "../drivers/gvt/regs.ts";
import { regionInfo } from "./region-lookup.ts";

/** A framebuffer in guest memory: what a surface writer (linear or tiled) needs. */
export interface GvtSurface {
  readonly width: number;
  readonly height: number;
  readonly strideBytes: number;
  readonly drmFormat: number;
  readonly modifier: bigint;
  /** graphics-memory address (what PLANE_SURF / CURBASE get) */
  readonly gma: number;
  readonly pageCount: number;
  /** guest page numbers backing the surface, in surface order */
  readonly pfns: readonly number[];
  /** A live view of the surface's i-th 4 KiB page; undefined past its last page. */
  page(i: number): Uint8Array | undefined;
}

export interface SurfaceRequest {
  width: number;
  height: number;
  /** DRM fourcc (default XRGB8888) */
  drmFormat?: number;
  /** DRM modifier (default LINEAR) */
  modifier?: bigint;
  /** bytes per line; default: width × cpp rounded up to what the tiling needs */
  strideBytes?: number;
}

export interface GvtGuestOptions {
  /** Hand out RAM pages in a shuffled order (seeded), so surfaces are not contiguous in guest RAM. */
  shuffleSeed?: number;
  /** Guest pages below this are not used for framebuffers (default 0). */
  firstPage?: number;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** PLANE_CTL format bits for a DRM format, as i915's skl_plane_ctl_format does. */
function planeCtlFormat(drmFormat: number): number {
  const f = (fmt: number, extra = 0): number => ((fmt << PLANE_CTL_FORMAT_SHIFT) | extra) >>> 0;
  const alpha = 2 << PLANE_CTL_ALPHA_SHIFT; // PLANE_CTL_ALPHA_SW_PREMULTIPLY
  const yuv = (order: number): number => f(PlaneFormat.YUV422, order << PLANE_CTL_YUV422_ORDER_SHIFT);
  switch (drmFormat) {
    case DrmFormat.C8: return f(PlaneFormat.INDEXED);
    case DrmFormat.RGB565: return f(PlaneFormat.RGB_565);
    case DrmFormat.XRGB8888: return f(PlaneFormat.XRGB_8888);
    case DrmFormat.ARGB8888: return f(PlaneFormat.XRGB_8888, alpha);
    case DrmFormat.XBGR8888: return f(PlaneFormat.XRGB_8888, PLANE_CTL_ORDER_RGBX);
    case DrmFormat.ABGR8888: return f(PlaneFormat.XRGB_8888, PLANE_CTL_ORDER_RGBX | alpha);
    case DrmFormat.XRGB2101010: return f(PlaneFormat.XRGB_2101010);
    case DrmFormat.XBGR2101010: return f(PlaneFormat.XRGB_2101010, PLANE_CTL_ORDER_RGBX);
    case DrmFormat.YUYV: return yuv(Yuv422Order.YUYV);
    case DrmFormat.UYVY: return yuv(Yuv422Order.UYVY);
    case DrmFormat.YVYU: return yuv(Yuv422Order.YVYU);
    case DrmFormat.VYUY: return yuv(Yuv422Order.VYUY);
    default: throw new RangeError(`format 0x${drmFormat.toString(16)} cannot be scanned out by a gen9 primary plane`);
  }
}

interface TilingInfo {
  bits: number;
  /** stride alignment in bytes (the tile width) */
  align: number;
  /** rows per tile */
  rows: number;
}

function tilingInfo(modifier: bigint, cpp: number): TilingInfo {
  if (modifier === DRM_FORMAT_MOD_LINEAR) return { bits: PlaneTiling.LINEAR, align: 64, rows: 1 };
  if (modifier === I915_FORMAT_MOD_X_TILED) return { bits: PlaneTiling.X, align: 512, rows: 8 };
  if (modifier === I915_FORMAT_MOD_Y_TILED) return { bits: PlaneTiling.Y, align: 128, rows: 32 };
  if (modifier === I915_FORMAT_MOD_Yf_TILED) {
    // Yf tile: 64 B × 64 rows at 1 byte per pixel, 128 B × 32 rows at 2 or 4
    return cpp === 1 ? { bits: PlaneTiling.YF, align: 64, rows: 64 } : { bits: PlaneTiling.YF, align: 128, rows: 32 };
  }
  throw new RangeError(`modifier 0x${modifier.toString(16)} is not one gen9 scans out`);
}

/** The PLANE_STRIDE unit GVT (and the hardware) uses for a tiling. */
function strideUnit(tiling: number, cpp: number): number {
  switch (tiling) {
    case PlaneTiling.X: return 512;
    case PlaneTiling.Y: return 128;
    case PlaneTiling.YF: return cpp === 1 ? 64 : 128;
    default: return 64;
  }
}

/** mulberry32: a small seeded PRNG for shuffling pages reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class GvtGuestError extends Error {
  override readonly name = "GvtGuestError";
}

export class GvtGuest {
  /** the vGPU's graphics memory, from PVINFO */
  readonly aperture: { base: number; size: number };
  readonly hidden: { base: number; size: number };
  private freePages: number[];
  private gmNext: number;
  private readonly scratch4 = new Uint8Array(4);

  private constructor(
    private readonly dev: DeviceFile,
    readonly ram: GuestRam,
    private readonly bar0: number,
    options: GvtGuestOptions,
  ) {
    this.aperture = { base: this.readReg(VGT_PVINFO_PAGE + Pvinfo.mappableBase), size: this.readReg(VGT_PVINFO_PAGE + Pvinfo.mappableSize) };
    this.hidden = { base: this.readReg(VGT_PVINFO_PAGE + Pvinfo.nonmappableBase), size: this.readReg(VGT_PVINFO_PAGE + Pvinfo.nonmappableSize) };
    this.gmNext = this.hidden.base;
    const first = options.firstPage ?? 0;
    this.freePages = Array.from({ length: Math.max(0, ram.pageCount - first) }, (_, i) => first + i);
    if (options.shuffleSeed !== undefined) {
      const rnd = prng(options.shuffleSeed);
      for (let i = this.freePages.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [this.freePages[i], this.freePages[j]] = [this.freePages[j]!, this.freePages[i]!];
      }
    }
  }

  /** Probe like i915 does on a vGPU: PCI ids, then the PVINFO magic (i915_detect_vgpu). */
  static attach(dev: DeviceFile, ram: GuestRam, options: GvtGuestOptions = {}): GvtGuest {
    const config = regionInfo(dev, VfioPciRegion.CONFIG);
    const ids = new Uint8Array(4);
    const got = dev.pread(ids, config.offset + PCI_VENDOR_ID);
    if (got !== 4) throw new GvtGuestError(`reading PCI config failed: ${describeResult(got)}`);
    if (getU16(ids, 0) !== PCI_VENDOR_ID_INTEL || getU16(ids, PCI_DEVICE_ID) !== GVT_PCI_DEVICE_ID) {
      throw new GvtGuestError(`not an Intel gen9 GPU: PCI ${getU16(ids, 0).toString(16)}:${getU16(ids, 2).toString(16)}`);
    }
    const bar0 = regionInfo(dev, VfioPciRegion.BAR0);
    const guest = new GvtGuest(dev, ram, bar0.offset, options);
    const magicLo = guest.readReg(VGT_PVINFO_PAGE + Pvinfo.magic);
    const magicHi = guest.readReg(VGT_PVINFO_PAGE + Pvinfo.magic + 4);
    if (magicLo !== VGT_MAGIC_LO || magicHi !== VGT_MAGIC_HI) throw new GvtGuestError("no PVINFO magic: not a GVT-g vGPU");
    return guest;
  }

  // ---- registers -------------------------------------------------------------------------------------

  readReg(offset: number): number {
    const ret = this.dev.pread(this.scratch4, this.bar0 + offset);
    if (ret !== 4) throw new GvtGuestError(`MMIO read 0x${offset.toString(16)} failed: ${describeResult(ret)}`);
    return getU32(this.scratch4, 0);
  }

  /** Raw register write: no validation, as a buggy or hostile guest could do. */
  writeReg(offset: number, value: number): void {
    setU32(this.scratch4, 0, value >>> 0);
    const ret = this.dev.pwrite(this.scratch4, this.bar0 + offset);
    if (ret !== 4) throw new GvtGuestError(`MMIO write 0x${offset.toString(16)} failed: ${describeResult(ret)}`);
  }

  /** Write one GGTT entry (an 8-byte PTE; the device takes it as two 4-byte halves). Raw: any value. */
  writePteRaw(gma: number, lo: number, hi: number): void {
    const b = new Uint8Array(8);
    setU32(b, 0, lo >>> 0);
    setU32(b, 4, hi >>> 0);
    const ret = this.dev.pwrite(b, this.bar0 + GTT_OFFSET + Math.floor(gma / PAGE_SIZE) * GTT_ENTRY_SIZE);
    if (ret !== 8) throw new GvtGuestError(`GGTT write for 0x${gma.toString(16)} failed: ${describeResult(ret)}`);
  }

  readPte(gma: number): { lo: number; hi: number } {
    const b = new Uint8Array(8);
    const ret = this.dev.pread(b, this.bar0 + GTT_OFFSET + Math.floor(gma / PAGE_SIZE) * GTT_ENTRY_SIZE);
    if (ret !== 8) throw new GvtGuestError(`GGTT read for 0x${gma.toString(16)} failed: ${describeResult(ret)}`);
    return { lo: getU32(b, 0), hi: getU32(b, 4) };
  }

  /** Map consecutive GM pages from `gma` to these guest pages, with one pwrite of all their PTEs. */
  mapPages(gma: number, pfns: readonly number[]): void {
    const b = new Uint8Array(pfns.length * GTT_ENTRY_SIZE);
    pfns.forEach((pfn, i) => {
      const pte = encodePte(pfn);
      setU32(b, i * 8, pte.lo);
      setU32(b, i * 8 + 4, pte.hi);
    });
    const ret = this.dev.pwrite(b, this.bar0 + GTT_OFFSET + Math.floor(gma / PAGE_SIZE) * GTT_ENTRY_SIZE);
    if (ret !== b.length) throw new GvtGuestError(`GGTT write failed: ${describeResult(ret)}`);
  }

  // ---- memory ----------------------------------------------------------------------------------------

  /** Take `n` guest pages from the free list (contiguous if the list is not shuffled). */
  allocPages(n: number): number[] {
    if (n > this.freePages.length) throw new GvtGuestError(`out of guest RAM: ${n} pages wanted, ${this.freePages.length} free`);
    return this.freePages.splice(0, n);
  }

  /** Reserve `bytes` of graphics memory (page aligned) in the hidden range. */
  allocGm(bytes: number): number {
    const size = Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
    if (this.gmNext + size > this.hidden.base + this.hidden.size) throw new GvtGuestError(`out of graphics memory for ${bytes} bytes`);
    const gma = this.gmNext;
    this.gmNext += size;
    return gma;
  }

  /**
   * A framebuffer: pages in guest RAM, a GM range, and GGTT entries mapping one to the other. Sized for
   * whole tile rows so a tiled writer never runs off its end.
   */
  allocSurface(req: SurfaceRequest): GvtSurface {
    const drmFormat = req.drmFormat ?? DrmFormat.XRGB8888;
    const modifier = req.modifier ?? DRM_FORMAT_MOD_LINEAR;
    const desc = FORMAT_DESCRIPTORS.find((d) => d.code === drmFormat);
    if (!desc) throw new RangeError(`unknown format 0x${drmFormat.toString(16)}`);
    const cpp = desc.bytesPerPixel;
    const t = tilingInfo(modifier, cpp);
    const strideBytes = req.strideBytes ?? Math.ceil((req.width * cpp) / t.align) * t.align;
    const rows = Math.ceil(req.height / t.rows) * t.rows;
    const pageCount = Math.ceil((strideBytes * rows) / PAGE_SIZE);
    const pfns = this.allocPages(pageCount);
    const gma = this.allocGm(pageCount * PAGE_SIZE);
    this.mapPages(gma, pfns);
    const ram = this.ram;
    return {
      width: req.width,
      height: req.height,
      strideBytes,
      drmFormat,
      modifier,
      gma,
      pageCount,
      pfns,
      page(i: number): Uint8Array | undefined {
        const pfn = Number.isInteger(i) ? pfns[i] : undefined;
        return pfn === undefined ? undefined : ram.page(pfn);
      },
    };
  }

  /** A 64/128/256-square ARGB8888 cursor image, linear. */
  allocCursor(size: 64 | 128 | 256 = 64): GvtSurface {
    return this.allocSurface({ width: size, height: size, drmFormat: DrmFormat.ARGB8888, strideBytes: size * 4 });
  }

  // ---- pixels (linear 32-bit surfaces) ---------------------------------------------------------------

  /** Write one 32-bit pixel of a linear surface (XRGB8888 value 0x00RRGGBB, or ARGB 0xAARRGGBB). */
  setPixel(s: GvtSurface, x: number, y: number, value: number): void {
    requireLinear32(s);
    if (x < 0 || y < 0 || x >= s.width || y >= s.height) return;
    const off = y * s.strideBytes + x * 4;
    const page = surfacePage(s, Math.floor(off / PAGE_SIZE));
    const at = off % PAGE_SIZE;
    page[at] = value & 0xff;
    page[at + 1] = (value >>> 8) & 0xff;
    page[at + 2] = (value >>> 16) & 0xff;
    page[at + 3] = (value >>> 24) & 0xff;
  }

  getPixel(s: GvtSurface, x: number, y: number): number {
    requireLinear32(s);
    if (x < 0 || y < 0 || x >= s.width || y >= s.height) throw new RangeError(`pixel ${x},${y} is outside the surface`);
    const off = y * s.strideBytes + x * 4;
    const page = surfacePage(s, Math.floor(off / PAGE_SIZE));
    return getU32(page, off % PAGE_SIZE);
  }

  /** Fill a rectangle of a linear 32-bit surface, clipped to it. */
  fill(s: GvtSurface, x: number, y: number, w: number, h: number, value: number): void {
    requireLinear32(s);
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(s.width, x + w);
    const y1 = Math.min(s.height, y + h);
    const word = HOST_LITTLE_ENDIAN ? value >>> 0 : swap32(value);
    for (let row = y0; row < y1; row++) {
      let off = row * s.strideBytes + x0 * 4;
      const end = row * s.strideBytes + x1 * 4;
      while (off < end) {
        const pageIndex = Math.floor(off / PAGE_SIZE);
        const page = surfacePage(s, pageIndex);
        const stop = Math.min(end, (pageIndex + 1) * PAGE_SIZE);
        new Uint32Array(page.buffer, page.byteOffset, PAGE_SIZE / 4).fill(word, (off % PAGE_SIZE) / 4, (stop - pageIndex * PAGE_SIZE) / 4);
        off = stop;
      }
    }
  }

  // ---- display ---------------------------------------------------------------------------------------

  /** Turn the pipe on and scan `s` out of its primary plane (the order i915 commits in). */
  show(s: GvtSurface, pipe = 0): void {
    checkPipe(pipe);
    const desc = FORMAT_DESCRIPTORS.find((d) => d.code === s.drmFormat)!;
    const t = tilingInfo(s.modifier, desc.bytesPerPixel);
    const unit = strideUnit(t.bits, desc.bytesPerPixel);
    if (s.strideBytes % unit !== 0) throw new RangeError(`stride ${s.strideBytes} is not a multiple of ${unit}`);
    this.writeReg(pipeReg(PIPESRC_A, pipe), (((s.width - 1) << 16) | (s.height - 1)) >>> 0);
    this.writeReg(pipeReg(PIPECONF_A, pipe), PIPECONF_ENABLE);
    this.writeReg(pipeReg(PLANE_STRIDE_1_A, pipe), s.strideBytes / unit);
    this.writeReg(pipeReg(PLANE_CTL_1_A, pipe), (PLANE_CTL_ENABLE | planeCtlFormat(s.drmFormat) | (t.bits << PLANE_CTL_TILED_SHIFT)) >>> 0);
    this.writeReg(pipeReg(PLANE_SURF_1_A, pipe), s.gma);
  }

  /** Page flip: only the surface address changes. */
  flip(s: GvtSurface, pipe = 0): void {
    checkPipe(pipe);
    this.writeReg(pipeReg(PLANE_SURF_1_A, pipe), s.gma);
  }

  disablePlane(pipe = 0): void {
    checkPipe(pipe);
    this.writeReg(pipeReg(PLANE_CTL_1_A, pipe), 0);
  }

  disablePipe(pipe = 0): void {
    checkPipe(pipe);
    this.writeReg(pipeReg(PIPECONF_A, pipe), 0);
  }

  /** Show a cursor image (CURCNTR mode ARGB 64/128/256, then CURBASE, which latches it). */
  setCursor(s: GvtSurface, pipe = 0): void {
    checkPipe(pipe);
    const mode = s.width === 64 ? MCURSOR_MODE.M64_ARGB_AX : s.width === 128 ? MCURSOR_MODE.M128_ARGB_AX : s.width === 256 ? MCURSOR_MODE.M256_ARGB_AX : -1;
    if (mode < 0 || s.height !== s.width) throw new RangeError(`a ${s.width}x${s.height} cursor is not one gen9 shows`);
    this.writeReg(pipeReg(CURCNTR_A, pipe), mode);
    this.writeReg(pipeReg(CURBASE_A, pipe), s.gma);
  }

  hideCursor(pipe = 0): void {
    checkPipe(pipe);
    this.writeReg(pipeReg(CURCNTR_A, pipe), MCURSOR_MODE.DISABLE);
    this.writeReg(pipeReg(CURBASE_A, pipe), 0);
  }

  /** CURPOS in sign-magnitude form (i915's intel_cursor_position): negative values set the sign bits. */
  moveCursor(x: number, y: number, pipe = 0): void {
    checkPipe(pipe);
    let pos = 0;
    if (x < 0) pos |= CURPOS_X_SIGN;
    pos |= Math.abs(x) & 0x7fff;
    if (y < 0) pos |= CURPOS_Y_SIGN;
    pos |= (Math.abs(y) & 0x7fff) << 16;
    this.writeReg(pipeReg(CURPOS_A, pipe), pos >>> 0);
  }

  /** The cursor hotspot, through the PVINFO page as a paravirtualised i915 reports it. */
  setHotspot(x: number, y: number): void {
    this.writeReg(VGT_PVINFO_PAGE + Pvinfo.cursorXHot, x);
    this.writeReg(VGT_PVINFO_PAGE + Pvinfo.cursorYHot, y);
  }

  // ---- monitor ---------------------------------------------------------------------------------------

  /** Port D's hotplug state: `connected` from SDEISR, `event` the latched SDEIIR bit. */
  hotplugState(): { connected: boolean; event: boolean } {
    return {
      connected: (this.readReg(SDEISR) & SDE_PORTD_HOTPLUG_CPT) !== 0,
      event: (this.readReg(SDEIIR) & SDE_PORTD_HOTPLUG_CPT) !== 0,
    };
  }

  /** Acknowledge a hotplug event (SDEIIR is write-1-to-clear). */
  ackHotplug(): void {
    this.writeReg(SDEIIR, SDE_PORTD_HOTPLUG_CPT);
  }

  /** One AUX transaction on channel D: header (op, address, length) in DATA1, then SEND_BUSY. */
  private aux(op: number, addr: number, msgLength: number, lenMinus1 = 0): number {
    const header = ((op << 28) | ((addr & 0xffff) << 8) | (msgLength === 4 ? lenMinus1 & 0xff : 0)) >>> 0;
    this.writeReg(DP_AUX_CH_DATA1_D, header);
    this.writeReg(DP_AUX_CH_CTL_D, (DP_AUX_CH_CTL_SEND_BUSY | (msgLength << DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT)) >>> 0);
    const ctl = this.readReg(DP_AUX_CH_CTL_D);
    if ((ctl & DP_AUX_CH_CTL_DONE) === 0) throw new GvtGuestError("AUX transaction did not complete");
    return this.readReg(DP_AUX_CH_DATA1_D);
  }

  /** Read the monitor's EDID with I2C-over-AUX, one byte per transaction, as drm_dp_i2c_xfer does. */
  readEdid(): Uint8Array {
    const out = new Uint8Array(EDID_SIZE);
    this.aux(AuxOp.I2C_WRITE | AuxOp.I2C_MOT, EDID_I2C_ADDR, 3); // start, select the EDID EEPROM
    for (let i = 0; i < EDID_SIZE; i++) out[i] = (this.aux(AuxOp.I2C_READ | AuxOp.I2C_MOT, EDID_I2C_ADDR, 4) >>> 16) & 0xff;
    this.aux(AuxOp.I2C_READ, EDID_I2C_ADDR, 3); // stop
    return out;
  }

  /** The monitor's preferred mode, from its EDID (undefined when the link is down). */
  preferredMode(): { width: number; height: number } | undefined {
    if (!this.hotplugState().connected) return undefined;
    return edidPreferredMode(this.readEdid());
  }
}

function surfacePage(s: GvtSurface, i: number): Uint8Array {
  const page = s.page(i);
  if (!page) throw new RangeError(`page ${i} of a ${s.pageCount}-page surface`);
  return page;
}

function requireLinear32(s: GvtSurface): void {
  if (s.modifier !== DRM_FORMAT_MOD_LINEAR) throw new RangeError("pixel helpers write linear surfaces only");
  const desc = FORMAT_DESCRIPTORS.find((d) => d.code === s.drmFormat);
  if (!desc || desc.bytesPerPixel !== 4) throw new RangeError("pixel helpers write 32-bit formats only");
}

function checkPipe(pipe: number): void {
  if (!Number.isInteger(pipe) || pipe < 0 || pipe >= NUM_PIPES) throw new RangeError(`pipe ${pipe} of ${NUM_PIPES}`);
}

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
