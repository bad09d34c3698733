/**
 * mbochs video memory: allocated when first touched, dropped when the device is closed (mbochs_put_pages).
 * Whoever still holds the old buffer — a live dma-buf — keeps seeing the old contents, like the page
 * references the kernel's dma-buf entries hold. Backed by a SharedArrayBuffer so a guest may run in a worker,
 * and starting on a page as the kernel's pages do (aligned-memory.ts: what a consumer maps is page-aligned).
 */
import { alignedBytes } from "../../abi/aligned-memory.ts";
import { PAGE_SIZE } from "../../abi/index.ts";

export class Vram {
  private buffer: Uint8Array | undefined;

  constructor(readonly size: number) {}

  /** The current backing memory, allocating zeroed memory on first use. */
  bytes(): Uint8Array {
    this.buffer ??= alignedBytes(this.size, PAGE_SIZE, true);
    return this.buffer;
  }

  /** Drop this device's reference: the next access starts from zeroed memory. */
  release(): void {
    this.buffer = undefined;
  }
}
