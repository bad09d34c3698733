/**
 * mbochs's EDID: the vfio_region_gfx_edid register block user space programs through region 9, and the
 * blob the guest reads through the MMIO BAR while the link is up.
 *
 * mbochs validates nothing: edid_size and link_state are stored as written, other register writes are
 * dropped, and a badly sized or unaligned access is silently ignored (the syscall still succeeds).
 */
import { GFX_EDID_SIZE, GfxEdidOffset, VFIO_DEVICE_GFX_LINK_STATE_UP, getU32, setU32 } from "../../abi/index.ts";

export const EDID_BLOB_OFFSET = 0x800;
export const EDID_BLOB_SIZE = 0x400;

export class BochsEdid {
  readonly regs = new Uint8Array(GFX_EDID_SIZE);
  readonly blob = new Uint8Array(EDID_BLOB_SIZE);

  constructor(maxX: number, maxY: number) {
    setU32(this.regs, GfxEdidOffset.edidOffset, EDID_BLOB_OFFSET);
    setU32(this.regs, GfxEdidOffset.edidMaxSize, EDID_BLOB_SIZE);
    setU32(this.regs, GfxEdidOffset.maxXres, maxX);
    setU32(this.regs, GfxEdidOffset.maxYres, maxY);
    // edid_size 0 and link_state 0 (neither up nor down): the guest sees zeros until user space says UP.
  }

  get edidSize(): number {
    return getU32(this.regs, GfxEdidOffset.edidSize);
  }

  get linkUp(): boolean {
    return getU32(this.regs, GfxEdidOffset.linkState) === VFIO_DEVICE_GFX_LINK_STATE_UP;
  }

  /**
   * An access at `offset` inside the EDID region. Ignored accesses leave `data` as it is on a write and
   * zero it on a read (the real driver hands back an uninitialised stack value there).
   */
  access(data: Uint8Array, offset: number, isWrite: boolean): void {
    if (offset < EDID_BLOB_OFFSET) this.accessRegs(data, offset, isWrite);
    else this.accessBlob(data, offset - EDID_BLOB_OFFSET, isWrite);
  }

  private accessRegs(data: Uint8Array, offset: number, isWrite: boolean): void {
    const ok = offset + data.length <= GFX_EDID_SIZE && data.length === 4 && offset % 4 === 0;
    if (!ok) {
      if (!isWrite) data.fill(0);
      return;
    }
    if (!isWrite) {
      data.set(this.regs.subarray(offset, offset + 4));
    } else if (offset === GfxEdidOffset.linkState || offset === GfxEdidOffset.edidSize) {
      this.regs.set(data, offset);
    }
  }

  private accessBlob(data: Uint8Array, offset: number, isWrite: boolean): void {
    if (offset + data.length > EDID_BLOB_SIZE) {
      if (!isWrite) data.fill(0);
      return;
    }
    if (isWrite) this.blob.set(data, offset);
    else data.set(this.blob.subarray(offset, offset + data.length));
  }

  /** The guest's view at MMIO 0x000..0x3FF: blob bytes while the link is up and below edid_size. */
  guestRead(data: Uint8Array, offset: number): void {
    if (!this.linkUp || offset >= this.edidSize) data.fill(0);
    else data.set(this.blob.subarray(offset, offset + data.length));
  }
}
