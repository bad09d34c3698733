/**
 * GVT's EDID region (kvmgt.c: intel_gvt_set_edid, handle_edid_regs, handle_edid_blob) and the EDID of
 * the virtual DP monitor on port D that it controls.
 *
 * The region starts with struct vfio_region_gfx_edid (24 bytes); the blob lives at edid_offset 0x800 and
 * holds at most EDID_SIZE = 128 bytes (one block, no extensions). The blob is the monitor's own EDID
 * storage: what user space writes is what the guest reads over the DP AUX channel.
 *
 * The handler answers with the errno kvmgt's handlers compute; kvmgt's read/write loop then turns every
 * failed piece into -EFAULT for the syscall (see gvt-device.ts).
 */
import {
  Errno,
  GFX_EDID_SIZE,
  GfxEdidOffset,
  VFIO_DEVICE_GFX_LINK_STATE_DOWN,
  VFIO_DEVICE_GFX_LINK_STATE_UP,
  getU32,
  setU16,
  setU32,
} from "../../abi/index.ts";

/** EDID_BLOB_OFFSET = PAGE_SIZE / 2 */
export const EDID_BLOB_OFFSET = 0x800;
/** EDID_SIZE: one 128-byte block */
export const EDID_SIZE = 128;
/** The size GVT registers for the region (smaller than edid_offset; kvmgt does not enforce it). */
export const EDID_REGION_SIZE = EDID_SIZE;

const EDID_HEADER = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00] as const;

/**
 * Whether a 128-byte block is a valid base EDID the way drm_edid_valid() judges one EDID_SIZE buffer:
 * the exact 8-byte header, a zero checksum, EDID version 1, and no extension blocks (the buffer holds
 * only one block, so a non-zero extension count makes the size check fail).
 */
export function edidBlockValid(blob: Uint8Array): boolean {
  if (blob.length < EDID_SIZE) return false;
  for (let i = 0; i < EDID_HEADER.length; i++) if (blob[i] !== EDID_HEADER[i]) return false;
  let sum = 0;
  for (let i = 0; i < EDID_SIZE; i++) sum = (sum + blob[i]!) & 0xff;
  if (sum !== 0) return false;
  if (blob[18] !== 1) return false;
  return blob[126] === 0;
}

/**
 * A one-block EDID 1.4 for a DisplayPort monitor whose preferred (and only detailed) mode is
 * width × height at about 60 Hz with reduced blanking. GVT ships fixed blobs per resolution; this one is
 * built, not copied, and is what the guest sees until user space writes another.
 */
export function buildEdid(width: number, height: number): Uint8Array {
  const e = new Uint8Array(EDID_SIZE);
  e.set(EDID_HEADER, 0);
  // Manufacturer "GVT" (5-bit letters, big-endian), product 0x1234, serial 1, week 1 of 2016.
  const id = (("G".charCodeAt(0) - 64) << 10) | (("V".charCodeAt(0) - 64) << 5) | ("T".charCodeAt(0) - 64);
  e[8] = id >> 8;
  e[9] = id & 0xff;
  setU16(e, 10, 0x1234);
  setU32(e, 12, 1);
  e[16] = 1;
  e[17] = 2016 - 1990;
  e[18] = 1; // EDID 1.4
  e[19] = 4;
  e[20] = 0xa5; // digital, 8 bits per colour, DisplayPort
  e[21] = Math.max(1, Math.round(width / 40)); // screen size in cm (about 96 dpi)
  e[22] = Math.max(1, Math.round(height / 40));
  e[23] = 120; // gamma 2.2
  e[24] = 0x06; // RGB 4:4:4, sRGB default, preferred timing mode in DTD 1
  // sRGB chromaticity
  e.set([0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54], 25);
  // no established timings; standard timings unused (0x01 0x01)
  for (let i = 38; i < 54; i += 2) {
    e[i] = 0x01;
    e[i + 1] = 0x01;
  }
  writeDetailedTiming(e, 54, width, height);
  writeTextDescriptor(e, 72, 0xfc, "GVT monitor");
  writeTextDescriptor(e, 90, 0xff, "0001");
  writeTextDescriptor(e, 108, 0xfe, "virtual");
  e[126] = 0; // no extensions
  e[127] = checksumByte(e);
  return e;
}

function checksumByte(e: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < EDID_SIZE - 1; i++) sum = (sum + e[i]!) & 0xff;
  return (256 - sum) & 0xff;
}

function writeDetailedTiming(e: Uint8Array, at: number, w: number, h: number): void {
  const hblank = 160;
  const hsyncOff = 48;
  const hsyncW = 32;
  const vblank = Math.max(23, Math.ceil(h * 0.03));
  const vsyncOff = 3;
  const vsyncW = 6;
  const clock10k = Math.round(((w + hblank) * (h + vblank) * 60) / 10_000);
  setU16(e, at, clock10k);
  e[at + 2] = w & 0xff;
  e[at + 3] = hblank & 0xff;
  e[at + 4] = ((w >> 8) << 4) | (hblank >> 8);
  e[at + 5] = h & 0xff;
  e[at + 6] = vblank & 0xff;
  e[at + 7] = ((h >> 8) << 4) | (vblank >> 8);
  e[at + 8] = hsyncOff & 0xff;
  e[at + 9] = hsyncW & 0xff;
  e[at + 10] = ((vsyncOff & 0xf) << 4) | (vsyncW & 0xf);
  e[at + 11] = ((hsyncOff >> 8) << 6) | ((hsyncW >> 8) << 4) | ((vsyncOff >> 4) << 2) | (vsyncW >> 4);
  const wmm = Math.round(w * 0.2646);
  const hmm = Math.round(h * 0.2646);
  e[at + 12] = wmm & 0xff;
  e[at + 13] = hmm & 0xff;
  e[at + 14] = ((wmm >> 8) << 4) | (hmm >> 8);
  e[at + 17] = 0x1e; // digital separate sync, +hsync +vsync
}

function writeTextDescriptor(e: Uint8Array, at: number, tag: number, text: string): void {
  e[at + 3] = tag;
  for (let i = 0; i < 13; i++) e[at + 5 + i] = i < text.length ? text.charCodeAt(i) : i === text.length ? 0x0a : 0x20;
}

/** The preferred mode of an EDID: its first detailed timing descriptor (bytes 54..71). */
export function edidPreferredMode(e: Uint8Array): { width: number; height: number } | undefined {
  if (e.length < EDID_SIZE || (e[54]! | e[55]!) === 0) return undefined;
  return { width: e[56]! | ((e[58]! & 0xf0) << 4), height: e[59]! | ((e[61]! & 0xf0) << 4) };
}

export class EdidRegion {
  readonly regs = new Uint8Array(GFX_EDID_SIZE);
  /** the monitor's EDID (port->edid->edid_block) */
  readonly blob: Uint8Array;

  constructor(
    maxX: number,
    maxY: number,
    /** intel_vgpu_emulate_hotplug */
    private readonly hotplug: (connected: boolean) => void,
  ) {
    this.blob = buildEdid(maxX, maxY);
    setU32(this.regs, GfxEdidOffset.edidOffset, EDID_BLOB_OFFSET);
    setU32(this.regs, GfxEdidOffset.edidMaxSize, EDID_SIZE);
    setU32(this.regs, GfxEdidOffset.edidSize, EDID_SIZE);
    setU32(this.regs, GfxEdidOffset.maxXres, maxX);
    setU32(this.regs, GfxEdidOffset.maxYres, maxY);
    // link_state 0: neither up nor down until user space says so
  }

  get edidSize(): number {
    return getU32(this.regs, GfxEdidOffset.edidSize);
  }

  get linkState(): number {
    return getU32(this.regs, GfxEdidOffset.linkState);
  }

  /** One access at `pos` bytes into the region: `data.length` bytes or a negative errno (kvmgt's). */
  access(data: Uint8Array, pos: number, isWrite: boolean): number {
    if (pos < EDID_BLOB_OFFSET) return this.accessRegs(data, pos, isWrite);
    return this.accessBlob(data, pos - EDID_BLOB_OFFSET, isWrite);
  }

  private accessRegs(data: Uint8Array, offset: number, isWrite: boolean): number {
    const count = data.length;
    if (offset + count > GFX_EDID_SIZE) return -Errno.EINVAL;
    if (count !== 4) return -Errno.EINVAL;
    if (!isWrite) {
      data.set(this.regs.subarray(offset, offset + 4));
      return count;
    }
    const value = getU32(data, 0);
    switch (offset) {
      case GfxEdidOffset.linkState:
        if (value === VFIO_DEVICE_GFX_LINK_STATE_UP) {
          if (!edidBlockValid(this.blob)) return -Errno.EINVAL;
          this.hotplug(true);
        } else if (value === VFIO_DEVICE_GFX_LINK_STATE_DOWN) {
          this.hotplug(false);
        } else {
          return -Errno.EINVAL;
        }
        setU32(this.regs, offset, value);
        return count;
      case GfxEdidOffset.edidSize:
        if (value > EDID_SIZE) return -Errno.EINVAL;
        setU32(this.regs, offset, value);
        return count;
      default:
        // read-only registers; unaligned offsets land here too
        return -Errno.EPERM;
    }
  }

  private accessBlob(data: Uint8Array, offset: number, isWrite: boolean): number {
    // Any access past edid_size (not the maximum) is refused: edid_size must be written first.
    if (offset + data.length > this.edidSize) return -Errno.EINVAL;
    if (isWrite) this.blob.set(data, offset);
    else data.set(this.blob.subarray(offset, offset + data.length));
    return data.length;
  }
}
