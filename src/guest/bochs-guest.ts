/**
 * The guest side of a Bochs display, doing what Linux's bochs-drm does — but only through the DeviceFile:
 * DISPI registers by 16-bit pwrite into the MMIO BAR (region 2), pixels through the mmap of VRAM (region 0),
 * the EDID through the MMIO window at 0x000. The same code can drive the real kernel's mbochs.
 */
import {
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  VfioPciRegion,
  describeResult,
  getU16,
  isMapping,
  setU16,
  type DeviceFile,
  type Mapping,
} from "../abi/index.ts";
import { MmioLayout, VBE_DISPI_ID5, VbeEnable, VbeIndex } from "../drivers/bochs/vbe.ts";
import { regionInfo } from "./region-lookup.ts";

/** The DISPI register file as the hardware defines it (QEMU's bochs-vbe.h): shared with the device model. */
export const VbeRegister = VbeIndex;
const DISPI_MMIO_OFFSET = MmioLayout.DISPI_START;
const VBE_DISPI_ID0 = 0xb0c0;
const BOCHS_VENDOR = 0x1234;
const BOCHS_DEVICE = 0x1111;
const EDID_WINDOW_SIZE = 0x400;

export interface BochsModeRequest {
  width: number;
  height: number;
  /** bits per pixel; mbochs shows only 32 */
  bpp?: number;
  /** virtual width in pixels (≥ width); defaults to width */
  virtWidth?: number;
  /** virtual height in lines; defaults to what VRAM holds at this width, so the guest can page-flip */
  virtHeight?: number;
}

export class BochsGuest {
  private mode: Required<BochsModeRequest> | undefined;
  private pixels: Uint32Array;

  private constructor(
    private readonly dev: DeviceFile,
    private readonly mmioOffset: number,
    readonly vramSize: number,
    private readonly vram: Mapping,
  ) {
    this.pixels = new Uint32Array(vram.bytes.buffer, vram.bytes.byteOffset, vram.bytes.length >>> 2);
  }

  /** Probe like bochs-drm: PCI ids, the DISPI id register, the VRAM size; then map VRAM. */
  static attach(dev: DeviceFile): BochsGuest {
    const config = regionInfo(dev, VfioPciRegion.CONFIG);
    const ids = new Uint8Array(4);
    const got = dev.pread(ids, config.offset);
    if (got !== 4) throw new Error(`reading PCI config failed: ${describeResult(got)}`);
    const vendor = getU16(ids, 0);
    const device = getU16(ids, 2);
    if (vendor !== BOCHS_VENDOR || device !== BOCHS_DEVICE) {
      throw new Error(`not a Bochs display: PCI ${hex4(vendor)}:${hex4(device)}`);
    }
    const mmio = regionInfo(dev, VfioPciRegion.BAR2);
    const vramInfo = regionInfo(dev, VfioPciRegion.BAR0);
    const id = readReg(dev, mmio.offset, VbeRegister.ID);
    if (id < VBE_DISPI_ID0 || id > VBE_DISPI_ID5) throw new Error(`unexpected DISPI id ${hex4(id)}`);
    const vramSize = readReg(dev, mmio.offset, VbeRegister.VIDEO_MEMORY_64K) * 64 * 1024;
    if (vramSize === 0 || vramSize > vramInfo.size) {
      throw new Error(`VRAM size ${vramSize} does not fit BAR0 (${vramInfo.size} bytes)`);
    }
    const map = dev.mmap(vramSize, PROT_READ | PROT_WRITE, MAP_SHARED, vramInfo.offset);
    if (!isMapping(map)) throw new Error(`mmap of VRAM failed: ${describeResult(map)}`);
    return new BochsGuest(dev, mmio.offset, vramSize, map);
  }

  get width(): number {
    return this.mode?.width ?? 0;
  }

  /** All of VRAM as XRGB8888 pixels (live). */
  get vramPixels(): Uint32Array {
    return this.pixels;
  }

  get height(): number {
    return this.mode?.height ?? 0;
  }

  /** Bytes per line of the current mode. */
  get stride(): number {
    return this.mode ? this.mode.virtWidth * (this.mode.bpp / 8) : 0;
  }

  /**
   * How many whole screens VRAM holds at this mode. Like bochs-drm (GEM VRAM objects), every buffer starts
   * on a page boundary — a host can only export page-aligned framebuffers — so buffers are spaced by the
   * frame size rounded up to a page, and a flip splits that offset into Y_OFFSET and X_OFFSET.
   */
  get bufferCount(): number {
    if (!this.mode) return 0;
    const spacing = this.bufferSpacing();
    const fitting = Math.floor((this.mode.virtHeight * this.stride - this.stride * this.mode.height) / spacing) + 1;
    return Math.max(0, Math.min(fitting, Math.floor(this.vramSize / spacing)));
  }

  private bufferSpacing(): number {
    return Math.ceil((this.stride * this.height) / PAGE_SIZE) * PAGE_SIZE;
  }

  /** Raw register write: no validation, as a buggy or hostile guest could do. */
  writeReg(index: number, value: number): void {
    const b = new Uint8Array(2);
    setU16(b, 0, value);
    const ret = this.dev.pwrite(b, this.mmioOffset + DISPI_MMIO_OFFSET + index * 2);
    if (ret !== 2) throw new Error(`DISPI register ${index} write failed: ${describeResult(ret)}`);
  }

  readReg(index: number): number {
    return readReg(this.dev, this.mmioOffset, index);
  }

  /** Program a mode the way bochs_hw_setmode does: disable, set geometry, re-enable with the LFB. */
  setMode(req: BochsModeRequest): void {
    const bpp = req.bpp ?? 32;
    const virtWidth = req.virtWidth ?? req.width;
    const stride = virtWidth * (bpp / 8);
    const virtHeight = req.virtHeight ?? (stride > 0 ? Math.min(0xffff, Math.floor(this.vramSize / stride)) : 0);
    for (const [name, v] of Object.entries({ width: req.width, height: req.height, virtWidth, virtHeight })) {
      if (!Number.isInteger(v) || v < 1 || v > 0xffff) throw new RangeError(`${name} ${v} is not a 16-bit register value`);
    }
    if (![8, 15, 16, 24, 32].includes(bpp)) throw new RangeError(`bpp ${bpp} is not a VBE depth`);
    if (stride * req.height > this.vramSize) throw new RangeError(`${req.width}x${req.height} does not fit ${this.vramSize} bytes of VRAM`);
    if (virtWidth < req.width || virtHeight < req.height) throw new RangeError("virtual size smaller than the mode");
    this.writeReg(VbeRegister.ENABLE, 0);
    this.writeReg(VbeRegister.BPP, bpp);
    this.writeReg(VbeRegister.XRES, req.width);
    this.writeReg(VbeRegister.YRES, req.height);
    this.writeReg(VbeRegister.BANK, 0);
    this.writeReg(VbeRegister.VIRT_WIDTH, virtWidth);
    this.writeReg(VbeRegister.VIRT_HEIGHT, virtHeight);
    this.writeReg(VbeRegister.X_OFFSET, 0);
    this.writeReg(VbeRegister.Y_OFFSET, 0);
    this.writeReg(VbeRegister.ENABLE, VbeEnable.ENABLED | VbeEnable.LFB_ENABLED);
    this.mode = { width: req.width, height: req.height, bpp, virtWidth, virtHeight };
  }

  disable(): void {
    this.writeReg(VbeRegister.ENABLE, 0);
  }

  /** Pan the visible window (bochs_hw_setbase). */
  pan(x: number, y: number): void {
    this.writeReg(VbeRegister.X_OFFSET, x);
    this.writeReg(VbeRegister.Y_OFFSET, y);
  }

  /** Show buffer `n` (0-based): a page flip by Y_OFFSET = n × height. */
  flip(n: number): void {
    const m = this.requireMode();
    if (!Number.isInteger(n) || n < 0 || n >= this.bufferCount) throw new RangeError(`buffer ${n} of ${this.bufferCount}`);
    const offset = this.bufferOffset(n);
    this.pan((offset % this.stride) / (m.bpp / 8), Math.floor(offset / this.stride));
  }

  /** Fill a rectangle of buffer `n` with an XRGB8888 value, clipped to the screen. */
  fill(x: number, y: number, w: number, h: number, xrgb: number, n = 0): void {
    const m = this.requireMode();
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(m.width, Math.floor(x + w));
    const y1 = Math.min(m.height, Math.floor(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    const pitch = m.virtWidth;
    const base = this.bufferOffset(n) / 4;
    for (let row = y0; row < y1; row++) {
      const start = base + row * pitch;
      this.pixels.fill(xrgb >>> 0, start + x0, start + x1);
    }
  }

  setPixel(x: number, y: number, xrgb: number, n = 0): void {
    const m = this.requireMode();
    if (x < 0 || y < 0 || x >= m.width || y >= m.height) return;
    this.pixels[this.bufferOffset(n) / 4 + y * m.virtWidth + x] = xrgb >>> 0;
  }

  getPixel(x: number, y: number, n = 0): number {
    const m = this.requireMode();
    if (x < 0 || y < 0 || x >= m.width || y >= m.height) throw new RangeError(`pixel ${x},${y} is off screen`);
    return this.pixels[this.bufferOffset(n) / 4 + y * m.virtWidth + x]!;
  }

  /** Byte offset in VRAM of buffer `n`. */
  bufferOffset(n: number): number {
    this.requireMode();
    return n * this.bufferSpacing();
  }

  /** The EDID the host published, as bochs-drm reads it from the MMIO window (zeros while the link is down). */
  readEdid(length = 128): Uint8Array {
    const out = new Uint8Array(Math.min(length, EDID_WINDOW_SIZE));
    const ret = this.dev.pread(out, this.mmioOffset);
    if (ret !== out.length) throw new Error(`EDID read failed: ${describeResult(ret)}`);
    return out;
  }

  /** Unmap VRAM. The DeviceFile stays open: it belongs to whoever attached. */
  detach(): void {
    this.vram.unmap();
  }

  private requireMode(): Required<BochsModeRequest> {
    if (!this.mode) throw new Error("no mode set");
    return this.mode;
  }
}

function readReg(dev: DeviceFile, mmioOffset: number, index: number): number {
  const b = new Uint8Array(2);
  const ret = dev.pread(b, mmioOffset + DISPI_MMIO_OFFSET + index * 2);
  if (ret !== 2) throw new Error(`DISPI register ${index} read failed: ${describeResult(ret)}`);
  return getU16(b, 0);
}

function hex4(v: number): string {
  return `0x${v.toString(16).padStart(4, "0")}`;
}
