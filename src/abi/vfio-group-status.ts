/** struct vfio_group_status — VFIO_GROUP_GET_STATUS. */
import { copyWithinArgsz, getU32, requireLength, setU32 } from "./bytes.ts";

export const GROUP_STATUS_SIZE = 8;
export const VfioGroupFlags = { VIABLE: 1 << 0, CONTAINER_SET: 1 << 1 } as const;

export interface GroupStatus {
  argsz: number;
  flags: number;
}

export function decodeGroupStatus(bytes: Uint8Array): GroupStatus {
  requireLength("vfio_group_status", bytes, GROUP_STATUS_SIZE);
  return { argsz: getU32(bytes, 0), flags: getU32(bytes, 4) };
}

export function encodeGroupStatus(status: GroupStatus, target: Uint8Array): number {
  const b = new Uint8Array(GROUP_STATUS_SIZE);
  setU32(b, 0, status.argsz);
  setU32(b, 4, status.flags);
  return copyWithinArgsz(b, target, status.argsz);
}
