/**
 * The virtual OpRegion GVT exposes as a read-only device region (vendor type 0x80008086, subtype
 * IGD_OPREGION): INTEL_GVT_OPREGION_SIZE = 2 pages. The model fills the header a guest driver checks —
 * the "IntelGraphicsMem" signature, the size in KiB, OpRegion version 2.0, the VBT mailbox flag — and a
 * VBT signature at 0x400; the rest is zero (GVT's template carries a full VBT).
 */
import { Errno } from "../../abi/index.ts";

export const OPREGION_SIZE = 2 * 4096;
export const OPREGION_SIGNATURE = "IntelGraphicsMem";
const OPREGION_VERSION_MAJOR_OFFSET = 0x17;
const OPREGION_MBOXES_OFFSET = 0x58;
const MBOX_VBT = 1 << 3;
const VBT_OFFSET = 0x400;

export function buildOpRegion(): Uint8Array {
  const b = new Uint8Array(OPREGION_SIZE);
  for (let i = 0; i < OPREGION_SIGNATURE.length; i++) b[i] = OPREGION_SIGNATURE.charCodeAt(i);
  b[0x10] = OPREGION_SIZE / 1024;
  b[OPREGION_VERSION_MAJOR_OFFSET] = 2;
  b[OPREGION_MBOXES_OFFSET] = MBOX_VBT;
  const vbt = "$VBT SKYLAKE";
  for (let i = 0; i < vbt.length; i++) b[VBT_OFFSET + i] = vbt.charCodeAt(i);
  return b;
}

/** intel_vgpu_reg_rw_opregion: reads inside the region (clamped to its end); writes are -EINVAL. */
export function opRegionAccess(opregion: Uint8Array, data: Uint8Array, pos: number, isWrite: boolean): number {
  if (pos >= opregion.length || isWrite) return -Errno.EINVAL;
  const count = Math.min(data.length, opregion.length - pos);
  data.set(opregion.subarray(pos, pos + count));
  return count;
}
