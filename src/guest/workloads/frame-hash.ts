/** A fingerprint of what an image shows: SHA-256 over its visible rows (width × 4 bytes each, stride padding left out). */
import { createHash } from "node:crypto";
import type { LinearImage } from "../guest-display.ts";

export function hashImage(img: LinearImage): string {
  const h = createHash("sha256");
  const bytes = new Uint8Array(img.pixels.buffer, img.pixels.byteOffset, img.pixels.length * 4);
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, img.width, true);
  new DataView(header.buffer).setUint32(4, img.height, true);
  h.update(header);
  for (let y = 0; y < img.height; y++) {
    const start = y * img.stridePixels * 4;
    h.update(bytes.subarray(start, start + img.width * 4));
  }
  return h.digest("hex");
}
