/** struct dma_buf_sync and its flags (linux/dma-buf.h). */
import { getU64, requireLength, setU64 } from "./bytes.ts";

export const DMA_BUF_SYNC_SIZE = 8;
export const DmaBufSyncFlags = { READ: 1, WRITE: 2, RW: 3, START: 0, END: 4 } as const;
export const DMA_BUF_SYNC_VALID_FLAGS_MASK = 7;

export function decodeDmaBufSync(bytes: Uint8Array): { flags: bigint } {
  requireLength("dma_buf_sync", bytes, DMA_BUF_SYNC_SIZE);
  return { flags: getU64(bytes, 0) };
}

export function encodeDmaBufSync(flags: bigint | number, target: Uint8Array): void {
  requireLength("dma_buf_sync", target, DMA_BUF_SYNC_SIZE);
  setU64(target, 0, BigInt(flags));
}
