/**
 * The preferred mode of an EDID 1.x block, as a guest display driver reads it: the first detailed timing
 * descriptor (bytes 54..71) gives the active width and height. A block whose header or checksum is wrong,
 * or whose first descriptor is not a timing, has no preferred mode.
 */
import type { DisplayMode } from "./guest-display.ts";

const EDID_HEADER = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];

export function edidPreferredMode(edid: Uint8Array): DisplayMode | undefined {
  if (edid.length < 128) return undefined;
  for (let i = 0; i < 8; i++) if (edid[i] !== EDID_HEADER[i]) return undefined;
  let sum = 0;
  for (let i = 0; i < 128; i++) sum = (sum + edid[i]!) & 0xff;
  if (sum !== 0) return undefined;
  const d = 54;
  const pixelClock = edid[d]! | (edid[d + 1]! << 8);
  if (pixelClock === 0) return undefined; // a display descriptor, not a detailed timing
  const width = edid[d + 2]! | ((edid[d + 4]! & 0xf0) << 4);
  const height = edid[d + 5]! | ((edid[d + 7]! & 0xf0) << 4);
  return width > 0 && height > 0 ? { width, height } : undefined;
}
