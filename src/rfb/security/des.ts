/**
 * Single DES in ECB mode, for VNC authentication. Node 20's OpenSSL 3 keeps 'des-ecb' in the legacy
 * provider (not loaded), but offers two-key triple DES 'des-ede-ecb': E(K1)·D(K2)·E(K1). With K1 = K2
 * the decryption undoes the first encryption, leaving one DES encryption with K1 — exactly single DES.
 */
import { createCipheriv } from "node:crypto";

export const DES_BLOCK_BYTES = 8;

/** Encrypt `data` (a whole number of 8-byte blocks) with the 8-byte DES key, block by block. */
export function desEcbEncrypt(key: Uint8Array, data: Uint8Array): Buffer {
  if (key.length !== 8) throw new RangeError(`DES key must be 8 bytes, got ${key.length}`);
  if (data.length % DES_BLOCK_BYTES !== 0) throw new RangeError(`DES-ECB data must be a multiple of 8 bytes, got ${data.length}`);
  const doubled = Buffer.concat([key, key]);
  const cipher = createCipheriv("des-ede-ecb", doubled, null);
  cipher.setAutoPadding(false);
  const out = Buffer.concat([cipher.update(data), cipher.final()]);
  doubled.fill(0);
  return out;
}
