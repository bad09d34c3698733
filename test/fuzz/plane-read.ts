/** Reading a dma-buf plane the way a consumer does, for the guest-program fuzz targets. */
import assert from "node:assert/strict";
import { MAP_SHARED, PROT_READ, VFIO_DEVICE_GET_GFX_DMABUF, getU32, isMapping, setU32, type DeviceFile } from "../../src/abi/index.ts";

/** A QUERY_GFX_PLANE argument for a dma-buf plane of `type` (1 primary, 2 cursor). */
export function queryArg(type: number): Uint8Array {
  const q = new Uint8Array(64);
  setU32(q, 0, 64);
  setU32(q, 4, 2);
  setU32(q, 8, type);
  return q;
}

/** Export the plane just queried and read every byte of its mapping; a refusal is fine, a fault is not. */
export function readWholePlane(dev: DeviceFile, q: Uint8Array): boolean {
  const id = getU32(q, 56);
  const size = getU32(q, 36);
  if (id === 0 || size === 0) return false;
  const idArg = new Uint8Array(4);
  setU32(idArg, 0, id);
  const fd = dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, idArg);
  if (fd < 0) return false;
  const buf = dev.dmaBuf(fd);
  assert.ok(typeof buf !== "number");
  try {
    const length = Math.floor(buf.size() / 4096) * 4096;
    assert.ok(buf.size() >= size, `dma-buf of ${buf.size()} bytes for a plane of ${size}`);
    if (length === 0) return false;
    const m = buf.mmap(length, PROT_READ, MAP_SHARED);
    if (!isMapping(m)) return false;
    // an evenly spread sample and the last byte (checked views are slow per element)
    let sum = 0;
    const step = Math.max(1, Math.floor(m.bytes.length / 256));
    for (let i = 0; i < m.bytes.length; i += step) sum += m.bytes[i]!;
    sum += m.bytes[m.bytes.length - 1]!;
    m.unmap();
    return Number.isFinite(sum);
  } finally {
    buf.close();
  }
}
