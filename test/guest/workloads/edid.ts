/** The host side of an EDID resize on mbochs: write a block into the EDID region and raise the link. */
import {
  GfxEdidOffset,
  VFIO_DEVICE_GFX_LINK_STATE_DOWN,
  VFIO_DEVICE_GFX_LINK_STATE_UP,
  getU32,
  setU32,
  type DeviceFile,
} from "../../../src/abi/index.ts";
import { MBOCHS_EDID_REGION_INDEX } from "../../../src/drivers/bochs/mbochs-device.ts";
import { regionInfo } from "../../../src/guest/region-lookup.ts";

/** A minimal valid EDID 1.4 block whose first detailed timing is w x h. */
export function edidFor(w: number, h: number): Uint8Array {
  const e = new Uint8Array(128);
  e.set([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
  e[18] = 1;
  e[19] = 4;
  const d = 54;
  e[d] = 0x01;
  e[d + 2] = w & 0xff;
  e[d + 4] = (w >> 8) << 4;
  e[d + 5] = h & 0xff;
  e[d + 7] = (h >> 8) << 4;
  let sum = 0;
  for (let i = 0; i < 127; i++) sum += e[i]!;
  e[127] = (256 - (sum & 0xff)) & 0xff;
  return e;
}

function writeReg(dev: DeviceFile, at: number, value: number): void {
  const b = new Uint8Array(4);
  setU32(b, 0, value);
  if (dev.pwrite(b, at) !== 4) throw new Error(`EDID register write at ${at} failed`);
}

/** Publish a w x h EDID as a VMM does on a window resize: link down, new blob and size, link up. */
export function publishEdid(dev: DeviceFile, w: number, h: number): void {
  const region = regionInfo(dev, MBOCHS_EDID_REGION_INDEX);
  const reg = new Uint8Array(4);
  if (dev.pread(reg, region.offset + GfxEdidOffset.edidOffset) !== 4) throw new Error("EDID region read failed");
  const blobAt = region.offset + getU32(reg, 0);
  writeReg(dev, region.offset + GfxEdidOffset.linkState, VFIO_DEVICE_GFX_LINK_STATE_DOWN);
  const blob = edidFor(w, h);
  if (dev.pwrite(blob, blobAt) !== blob.length) throw new Error("EDID blob write failed");
  writeReg(dev, region.offset + GfxEdidOffset.edidSize, blob.length);
  writeReg(dev, region.offset + GfxEdidOffset.linkState, VFIO_DEVICE_GFX_LINK_STATE_UP);
}
