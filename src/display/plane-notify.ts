/**
 * The consumer's side of the plane-change notification extension (src/abi/ext-plane-notify.ts): find the
 * IRQ index in the device-info capability chain, check it takes an eventfd, and arm it with SET_IRQS.
 */
import {
  DEVICE_INFO_SIZE,
  IRQ_INFO_SIZE,
  IRQ_SET_SIZE,
  PlaneNotifyCapOffset,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_INFO_CAP_PLANE_NOTIFY,
  VFIO_DEVICE_SET_IRQS,
  VfioDeviceFlags,
  VfioIrqInfoFlags,
  VfioIrqSetFlags,
  getU16,
  getU32,
  setU32,
  type DeviceFile,
} from "../abi/index.ts";

const INFO_BUFFER = 256;

/** The notification IRQ index the device advertises, or undefined. */
export function planeNotifyIrq(dev: DeviceFile): number | undefined {
  const info = new Uint8Array(INFO_BUFFER);
  setU32(info, 0, INFO_BUFFER);
  if (dev.ioctl(VFIO_DEVICE_GET_INFO, info) !== 0) return undefined;
  if ((getU32(info, 4) & VfioDeviceFlags.CAPS) === 0) return undefined;
  let at = getU32(info, 16);
  for (let hops = 0; at >= DEVICE_INFO_SIZE && at + 12 <= INFO_BUFFER && hops < 16; hops++) {
    if (getU16(info, at + PlaneNotifyCapOffset.id) === VFIO_DEVICE_INFO_CAP_PLANE_NOTIFY) {
      const index = getU32(info, at + PlaneNotifyCapOffset.irqIndex);
      const irq = new Uint8Array(IRQ_INFO_SIZE);
      setU32(irq, 0, IRQ_INFO_SIZE);
      setU32(irq, 8, index);
      if (dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, irq) !== 0) return undefined;
      const ok = (getU32(irq, 4) & VfioIrqInfoFlags.EVENTFD) !== 0 && getU32(irq, 12) >= 1;
      return ok ? index : undefined;
    }
    const next = getU32(info, at + PlaneNotifyCapOffset.next);
    if (next <= at) break;
    at = next;
  }
  return undefined;
}

/** SET_IRQS: DATA_EVENTFD | ACTION_TRIGGER, start 0, count 1, the eventfd (−1 removes it). */
export function setIrqEventfd(dev: DeviceFile, index: number, fd: number): number {
  const arg = new Uint8Array(IRQ_SET_SIZE + 4);
  setU32(arg, 0, arg.length);
  setU32(arg, 4, VfioIrqSetFlags.DATA_EVENTFD | VfioIrqSetFlags.ACTION_TRIGGER);
  setU32(arg, 8, index);
  setU32(arg, 12, 0);
  setU32(arg, 16, 1);
  setU32(arg, IRQ_SET_SIZE, fd >>> 0);
  return dev.ioctl(VFIO_DEVICE_SET_IRQS, arg);
}
