/** Argument builders: the bytes a careful user-space caller passes (shared by the conformance suite and the tests). */
import {
  DEVICE_INFO_SIZE,
  GFX_PLANE_INFO_SIZE,
  IRQ_INFO_SIZE,
  REGION_INFO_SIZE,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  decodeGfxPlaneInfo,
  setU32,
  type DeviceFile,
  type GfxPlaneInfo,
} from "../abi/index.ts";

export function planeArg(flags: number, planeType: number, argsz = GFX_PLANE_INFO_SIZE, fill = 0): Uint8Array {
  const b = new Uint8Array(GFX_PLANE_INFO_SIZE).fill(fill);
  setU32(b, 0, argsz);
  setU32(b, 4, flags);
  setU32(b, 8, planeType);
  return b;
}

export function query(dev: DeviceFile, flags: number, planeType: number): { ret: number; info: GfxPlaneInfo; bytes: Uint8Array } {
  const bytes = planeArg(flags, planeType);
  const ret = dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, bytes);
  return { ret, info: decodeGfxPlaneInfo(bytes), bytes };
}

export function getDmabuf(dev: DeviceFile, id: number): number {
  const b = new Uint8Array(4);
  setU32(b, 0, id >>> 0);
  return dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, b);
}

export function regionInfoArg(index: number, argsz = REGION_INFO_SIZE, length = Math.max(argsz, REGION_INFO_SIZE)): Uint8Array {
  const b = new Uint8Array(length);
  setU32(b, 0, argsz);
  setU32(b, 8, index);
  return b;
}

export function getRegionInfo(dev: DeviceFile, index: number, argsz = REGION_INFO_SIZE): { ret: number; bytes: Uint8Array } {
  const bytes = regionInfoArg(index, argsz);
  return { ret: dev.ioctl(VFIO_DEVICE_GET_REGION_INFO, bytes), bytes };
}

export function deviceInfoArg(argsz = DEVICE_INFO_SIZE): Uint8Array {
  const b = new Uint8Array(DEVICE_INFO_SIZE);
  setU32(b, 0, argsz);
  return b;
}

export function getDeviceInfo(dev: DeviceFile, argsz = DEVICE_INFO_SIZE): { ret: number; bytes: Uint8Array } {
  const bytes = deviceInfoArg(argsz);
  return { ret: dev.ioctl(VFIO_DEVICE_GET_INFO, bytes), bytes };
}

export function getIrqInfo(dev: DeviceFile, index: number, argsz = IRQ_INFO_SIZE, flags = 0): { ret: number; bytes: Uint8Array } {
  const bytes = new Uint8Array(IRQ_INFO_SIZE);
  setU32(bytes, 0, argsz);
  setU32(bytes, 4, flags);
  setU32(bytes, 8, index);
  return { ret: dev.ioctl(VFIO_DEVICE_GET_IRQ_INFO, bytes), bytes };
}

let uuidCounter = 0;
/** A fresh, valid, deterministic UUID per call. */
export function nextUuid(): string {
  uuidCounter++;
  return `00000000-0000-4000-8000-${uuidCounter.toString(16).padStart(12, "0")}`;
}
