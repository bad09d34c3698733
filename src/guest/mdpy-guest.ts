/**
 * The guest side of mdpy, in the manner of the kernel's mdpy-fb.c, but speaking only the DeviceFile seam:
 * find config space and BAR0 with GET_REGION_INFO, read the ids and the mode from config space with pread,
 * refuse anything mdpy-fb would refuse, then draw into a shared mapping of BAR0.
 *
 * Pixels are XRGB8888: a little-endian u32 per pixel, red in bits 16..23, green 8..15, blue 0..7.
 */
import {
  DrmFormat,
  Errno,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  VfioPciRegion,
  VfioRegionFlags,
  describeResult,
  getRegionInfo,
  formatName,
  getU16,
  getU32,
  isMapping,
  type DeviceFile,
  type Mapping,
  type RegionInfo,
  PCI_DEVICE_ID,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
} from "../abi/index.ts";
import type { LinearImage } from "./guest-display.ts";
import {
  MDPY_FORMAT_OFFSET,
  MDPY_HEIGHT_OFFSET,
  MDPY_MAX_DIMENSION,
  MDPY_MIN_DIMENSION,
  MDPY_PCI_DEVICE_ID,
  MDPY_PCI_SUBDEVICE_ID,
  MDPY_PCI_SUBVENDOR_ID,
  MDPY_PCI_VENDOR_ID,
  MDPY_WIDTH_OFFSET,
} from "../drivers/mdpy/mdpy-defs.ts";

const BYTES_PER_PIXEL = 4;

/** Whether this host stores a Uint32Array element little-endian (XRGB8888's byte order). */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function toFramebufferWord(xrgb: number): number {
  if (HOST_LITTLE_ENDIAN) return xrgb;
  return (((xrgb & 0xff) << 24) | ((xrgb & 0xff00) << 8) | ((xrgb >>> 8) & 0xff00) | (xrgb >>> 24)) >>> 0;
}

function fromFramebufferWord(word: number): number {
  return toFramebufferWord(word) >>> 0;
}

/** Why attaching (or using) the guest failed; `errno` is set when a device call returned one. */
export class MdpyGuestError extends Error {
  override readonly name = "MdpyGuestError";
  constructor(
    message: string,
    readonly errno?: number,
  ) {
    super(message);
  }
}

function hex(v: number, digits: number): string {
  return `0x${(v >>> 0).toString(16).padStart(digits, "0")}`;
}

function regionInfo(dev: DeviceFile, index: number): RegionInfo {
  const info = getRegionInfo(dev, index);
  if (typeof info === "number") throw new MdpyGuestError(`mdpy: GET_REGION_INFO(${index}) failed: ${describeResult(info)}`, info);
  return info;
}

/** Config space through pread at the config region's offset, as pci_read_config_{word,dword} would. */
class ConfigReader {
  constructor(
    private readonly dev: DeviceFile,
    private readonly region: RegionInfo,
  ) {}

  private read(offset: number, n: 2 | 4): Uint8Array {
    if (offset + n > this.region.size) {
      throw new MdpyGuestError(`mdpy: config offset ${hex(offset, 2)} lies outside the ${this.region.size}-byte config region`);
    }
    const buf = new Uint8Array(n);
    const ret = this.dev.pread(buf, this.region.offset + offset);
    if (ret !== n) {
      const why = ret < 0 ? describeResult(ret) : `short read (${ret} of ${n} bytes)`;
      throw new MdpyGuestError(`mdpy: reading config ${hex(offset, 2)} failed: ${why}`, ret < 0 ? ret : undefined);
    }
    return buf;
  }

  word(offset: number): number {
    return getU16(this.read(offset, 2), 0);
  }

  dword(offset: number): number {
    return getU32(this.read(offset, 4), 0);
  }
}

function checkDimension(what: string, v: number): void {
  if (v < MDPY_MIN_DIMENSION || v > MDPY_MAX_DIMENSION) {
    throw new MdpyGuestError(
      `mdpy: ${what} ${v} out of range (${MDPY_MIN_DIMENSION}..${MDPY_MAX_DIMENSION})`,
      -Errno.EINVAL,
    );
  }
}

function requireInteger(name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`mdpy: ${name} must be an integer, got ${v}`);
}

function requirePixel(xrgb: number): void {
  if (!Number.isInteger(xrgb) || xrgb < 0 || xrgb > 0xffffffff) {
    throw new RangeError(`mdpy: pixel value must be a u32, got ${xrgb}`);
  }
}

export class MdpyGuest {
  readonly stride: number;
  private mapping: Mapping | undefined;
  /** One element per pixel; stride is width×4, so rows are packed. Empty once closed. */
  private pixels: Uint32Array;

  private constructor(
    readonly vendorId: number,
    readonly deviceId: number,
    readonly format: number,
    readonly width: number,
    readonly height: number,
    mapping: Mapping,
    pixels: Uint32Array,
  ) {
    this.stride = width * BYTES_PER_PIXEL;
    this.mapping = mapping;
    this.pixels = pixels;
  }

  /**
   * Probe the device behind `dev` and map its framebuffer. Throws MdpyGuestError for anything that is not
   * an mdpy device showing a mode mdpy-fb accepts. The caller keeps ownership of `dev`.
   */
  static attach(dev: DeviceFile): MdpyGuest {
    const config = new ConfigReader(dev, regionInfo(dev, VfioPciRegion.CONFIG));

    // The PCI id table of mdpy-fb: all four ids must match.
    const vendor = config.word(PCI_VENDOR_ID);
    const device = config.word(PCI_DEVICE_ID);
    const subVendor = config.word(PCI_SUBSYSTEM_VENDOR_ID);
    const subDevice = config.word(PCI_SUBSYSTEM_ID);
    if (
      vendor !== MDPY_PCI_VENDOR_ID ||
      device !== MDPY_PCI_DEVICE_ID ||
      subVendor !== MDPY_PCI_SUBVENDOR_ID ||
      subDevice !== MDPY_PCI_SUBDEVICE_ID
    ) {
      throw new MdpyGuestError(
        `mdpy: not an mdpy device: ${hex(vendor, 4)}:${hex(device, 4)} subsystem ${hex(subVendor, 4)}:${hex(subDevice, 4)} ` +
          `(want ${hex(MDPY_PCI_VENDOR_ID, 4)}:${hex(MDPY_PCI_DEVICE_ID, 4)} subsystem ${hex(MDPY_PCI_SUBVENDOR_ID, 4)}:${hex(MDPY_PCI_SUBDEVICE_ID, 4)})`,
        -Errno.ENODEV,
      );
    }

    const format = config.dword(MDPY_FORMAT_OFFSET);
    const width = config.dword(MDPY_WIDTH_OFFSET);
    const height = config.dword(MDPY_HEIGHT_OFFSET);
    if (format !== DrmFormat.XRGB8888) {
      throw new MdpyGuestError(
        `mdpy: format mismatch (${hex(format, 8)} ${formatName(format)} != ${hex(DrmFormat.XRGB8888, 8)} XRGB8888)`,
        -Errno.EINVAL,
      );
    }
    checkDimension("width", width);
    checkDimension("height", height);

    const bar = regionInfo(dev, VfioPciRegion.BAR0);
    const needed = width * height * BYTES_PER_PIXEL;
    const rw = VfioRegionFlags.READ | VfioRegionFlags.WRITE | VfioRegionFlags.MMAP;
    if ((bar.flags & rw) !== rw) {
      throw new MdpyGuestError(`mdpy: BAR0 is not a readable, writable, mappable region (flags ${hex(bar.flags, 1)})`);
    }
    // mdpy-fb trusts the BAR; this guest draws through typed arrays, so it refuses a BAR that cannot hold
    // the mode instead of finding out at the first out-of-range pixel.
    if (bar.size < needed) {
      throw new MdpyGuestError(`mdpy: BAR0 holds ${bar.size} bytes, a ${width}x${height} framebuffer needs ${needed}`);
    }

    const mapped = dev.mmap(bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, bar.offset);
    if (!isMapping(mapped)) {
      throw new MdpyGuestError(`mdpy: mmap of BAR0 failed: ${describeResult(mapped)}`, mapped);
    }
    const bytes = mapped.bytes;
    if (bytes.byteOffset % BYTES_PER_PIXEL !== 0 || bytes.length < needed) {
      mapped.unmap();
      throw new MdpyGuestError(`mdpy: BAR0 mapping is unaligned or short (${bytes.length} bytes at +${bytes.byteOffset})`);
    }
    const pixels = new Uint32Array(bytes.buffer, bytes.byteOffset, width * height);
    return new MdpyGuest(vendor, device, format, width, height, mapped, pixels);
  }

  /** The framebuffer as a linear XRGB8888 image (live: drawing into it draws on the screen). */
  get image(): LinearImage {
    this.requireOpen();
    return { width: this.width, height: this.height, stridePixels: this.width, pixels: this.pixels };
  }

  get isClosed(): boolean {
    return this.mapping === undefined;
  }

  /**
   * Paint the rectangle (x, y, w, h), clipped to the screen, with one XRGB8888 value. Returns the number of
   * pixels painted (0 when nothing of the rectangle is on screen).
   */
  fill(x: number, y: number, w: number, h: number, xrgb: number): number {
    this.requireOpen();
    requireInteger("x", x);
    requireInteger("y", y);
    requireInteger("w", w);
    requireInteger("h", h);
    requirePixel(xrgb);
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + w);
    const y1 = Math.min(this.height, y + h);
    if (x1 <= x0 || y1 <= y0) return 0;
    const word = toFramebufferWord(xrgb);
    for (let row = y0; row < y1; row++) {
      const base = row * this.width;
      this.pixels.fill(word, base + x0, base + x1);
    }
    return (x1 - x0) * (y1 - y0);
  }

  /** Set one pixel; false (and nothing written) when (x, y) is off screen. */
  setPixel(x: number, y: number, xrgb: number): boolean {
    this.requireOpen();
    requireInteger("x", x);
    requireInteger("y", y);
    requirePixel(xrgb);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    this.pixels[y * this.width + x] = toFramebufferWord(xrgb);
    return true;
  }

  /** The XRGB8888 value at (x, y); RangeError when (x, y) is off screen, as there is no pixel to return. */
  getPixel(x: number, y: number): number {
    this.requireOpen();
    requireInteger("x", x);
    requireInteger("y", y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) {
      throw new RangeError(`mdpy: pixel (${x}, ${y}) is outside the ${this.width}x${this.height} screen`);
    }
    return fromFramebufferWord(this.pixels[y * this.width + x]!);
  }

  /** Unmap the framebuffer. The device file stays open (it belongs to the caller). Idempotent. */
  close(): void {
    const m = this.mapping;
    if (!m) return;
    this.mapping = undefined;
    this.pixels = new Uint32Array(0);
    m.unmap();
  }

  private requireOpen(): void {
    if (!this.mapping) throw new MdpyGuestError("mdpy: the guest framebuffer is closed");
  }
}
