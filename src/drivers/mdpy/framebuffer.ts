/**
 * The framebuffer memory behind BAR0 and region 16: one SharedArrayBuffer, so a guest running in a worker
 * and the host's mappings see the same bytes live (the sample maps its vmalloc buffer straight into user
 * space). Fresh memory is zero, as vmalloc_user's is, and starts on a page, as vmalloc's does.
 */
import { alignedBytes } from "../../abi/aligned-memory.ts";
import { PAGE_SIZE } from "../../abi/index.ts";
import { typeFramebufferSize, typeStride, type MdpyTypeSpec } from "./types.ts";

export class MdpyFramebuffer {
  readonly size: number;
  readonly bytes: Uint8Array;

  constructor(readonly type: MdpyTypeSpec) {
    this.size = typeFramebufferSize(type);
    this.bytes = alignedBytes(this.size, PAGE_SIZE, true);
  }

  /**
   * The reset picture: a vertical grey gradient, row i filled with the byte ⌊i·255/height⌋ (integer
   * arithmetic, as the sample's memset does). Only the visible rows are painted; the tail of the
   * power-of-two buffer keeps whatever was written there.
   */
  paintGradient(): void {
    const stride = typeStride(this.type);
    const height = this.type.height;
    for (let row = 0; row < height; row++) {
      const value = Math.floor((row * 255) / height);
      this.bytes.fill(value, row * stride, (row + 1) * stride);
    }
  }

  /** A live view of the first `length` bytes (1 ≤ length ≤ size), or undefined when it would not fit. */
  view(length: number): Uint8Array | undefined {
    if (!Number.isSafeInteger(length) || length < 1 || length > this.size) return undefined;
    return this.bytes.subarray(0, length);
  }
}
