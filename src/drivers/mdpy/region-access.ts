/**
 * pread/pwrite on the mdpy device fd (the sample's mdpy_read/mdpy_write over mdev_access).
 *
 * The fd has two windows: config space at [0, 0xFF) and the framebuffer at [0x1000, 0x1000 + fb size).
 * Each call is split into naturally aligned 4/2/1-byte pieces; a piece that starts outside both windows (or
 * runs past the framebuffer's end) fails the whole call with -EFAULT, pieces before it having been done.
 *
 * Config pieces are checked by start position only — the sample tests `pos < 0xFF`, so a dword read at
 * 0xFC returns 0xFC..0xFF (the last byte is the zero padding of the 256-byte array).
 *
 * The quirk: the sample copies BAR0 pieces at framebuffer offset 0 whatever the position (it computes the
 * offset and then forgets it). With `quirks` on that is reproduced; off, pieces go where they are aimed.
 */
import { Errno } from "../../abi/index.ts";
import { splitAccess } from "../common/split-access.ts";
import type { PciConfigSpace } from "../common/pci-config.ts";
import { MDPY_CONFIG_OFFSET, MDPY_CONFIG_SPACE_SIZE, MDPY_MEMORY_BAR_OFFSET } from "./mdpy-defs.ts";
import type { MdpyFramebuffer } from "./framebuffer.ts";

export class MdpyRegionAccess {
  constructor(
    private readonly config: PciConfigSpace,
    private readonly fb: MdpyFramebuffer,
    private readonly quirks: boolean,
  ) {}

  read(buf: Uint8Array, pos: number): number {
    if (!MdpyRegionAccess.validPosition(buf, pos)) return -Errno.EFAULT;
    return splitAccess(buf, pos, (data, at) => this.piece(data, at, false));
  }

  write(buf: Uint8Array, pos: number): number {
    if (!MdpyRegionAccess.validPosition(buf, pos)) return -Errno.EFAULT;
    return splitAccess(buf, pos, (data, at) => this.piece(data, at, true));
  }

  /**
   * The fd layer only passes non-negative integer positions; a direct caller's garbage position fails like
   * an unhandled one. An empty access does nothing and succeeds, as the sample's loop never runs.
   */
  private static validPosition(buf: Uint8Array, pos: number): boolean {
    return buf.length === 0 || (Number.isSafeInteger(pos) && pos >= 0);
  }

  /** One piece of an access (mdev_access): true if it landed in a window. */
  private piece(data: Uint8Array, pos: number, isWrite: boolean): boolean {
    if (pos >= MDPY_CONFIG_OFFSET && pos < MDPY_CONFIG_OFFSET + MDPY_CONFIG_SPACE_SIZE) {
      const off = pos - MDPY_CONFIG_OFFSET;
      if (isWrite) this.config.write(off, data);
      else this.config.read(off, data);
      return true;
    }
    if (pos >= MDPY_MEMORY_BAR_OFFSET && pos + data.length <= MDPY_MEMORY_BAR_OFFSET + this.fb.size) {
      const off = this.quirks ? 0 : pos - MDPY_MEMORY_BAR_OFFSET;
      const mem = this.fb.bytes;
      if (isWrite) mem.set(data, off);
      else data.set(mem.subarray(off, off + data.length));
      return true;
    }
    return false;
  }
}
