/** struct vfio_irq_info (VFIO_DEVICE_GET_IRQ_INFO) and struct vfio_irq_set (VFIO_DEVICE_SET_IRQS). */
import { copyWithinArgsz, getU32, requireLength, setU32 } from "./bytes.ts";

export const IRQ_INFO_SIZE = 16;
export const IrqInfoOffset = { argsz: 0, flags: 4, index: 8, count: 12 } as const;
export const VfioIrqInfoFlags = { EVENTFD: 1 << 0, MASKABLE: 1 << 1, AUTOMASKED: 1 << 2, NORESIZE: 1 << 3 } as const;

export interface IrqInfo {
  argsz: number;
  flags: number;
  index: number;
  count: number;
}

export function decodeIrqInfo(bytes: Uint8Array): IrqInfo {
  requireLength("vfio_irq_info", bytes, IRQ_INFO_SIZE);
  return { argsz: getU32(bytes, 0), flags: getU32(bytes, 4), index: getU32(bytes, 8), count: getU32(bytes, 12) };
}

export function encodeIrqInfo(info: IrqInfo, target: Uint8Array): number {
  const b = new Uint8Array(IRQ_INFO_SIZE);
  setU32(b, 0, info.argsz);
  setU32(b, 4, info.flags);
  setU32(b, 8, info.index);
  setU32(b, 12, info.count);
  return copyWithinArgsz(b, target, info.argsz);
}

/** struct vfio_irq_set header; `data` (bools or s32 eventfds) follows at offset 20. */
export const IRQ_SET_SIZE = 20;
export const IrqSetOffset = { argsz: 0, flags: 4, index: 8, start: 12, count: 16, data: 20 } as const;
export const VfioIrqSetFlags = {
  DATA_NONE: 1 << 0,
  DATA_BOOL: 1 << 1,
  DATA_EVENTFD: 1 << 2,
  ACTION_MASK: 1 << 3,
  ACTION_UNMASK: 1 << 4,
  ACTION_TRIGGER: 1 << 5,
} as const;
export const VFIO_IRQ_SET_DATA_TYPE_MASK = 0b111;
export const VFIO_IRQ_SET_ACTION_TYPE_MASK = 0b111000;

export interface IrqSet {
  argsz: number;
  flags: number;
  index: number;
  start: number;
  count: number;
}

export function decodeIrqSet(bytes: Uint8Array): IrqSet {
  requireLength("vfio_irq_set", bytes, IRQ_SET_SIZE);
  return {
    argsz: getU32(bytes, 0),
    flags: getU32(bytes, 4),
    index: getU32(bytes, 8),
    start: getU32(bytes, 12),
    count: getU32(bytes, 16),
  };
}

export function encodeIrqSet(set: IrqSet, target: Uint8Array): number {
  const b = new Uint8Array(IRQ_SET_SIZE);
  setU32(b, 0, set.argsz);
  setU32(b, 4, set.flags);
  setU32(b, 8, set.index);
  setU32(b, 12, set.start);
  setU32(b, 16, set.count);
  return copyWithinArgsz(b, target, set.argsz);
}
