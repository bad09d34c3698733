/**
 * Memory that starts on a given boundary, as the kernel hands it out.
 *
 * What the kernel maps into a process (a dma-buf, a VFIO region, vmalloc'd or page-allocated video memory)
 * starts on a page. A large ArrayBuffer or SharedArrayBuffer from V8 does not: its backing store comes from
 * calloc and starts 16 bytes past a page on glibc. That matters to every loop that reads one buffer while it
 * writes or compares another: a source on a page and a copy 16 bytes off make each 64-byte line of the copy
 * straddle two of the source, and the damage pass over 1080p video measured half as slow again (0.51–0.56
 * ms a frame against 0.32–0.37 with both aligned, docs/benchmarks.md). So the model's video memory sits on
 * pages like the real thing, and the consumer's surface on cache lines.
 *
 * koffi.address tells where a buffer's memory lies; the buffer is over-allocated by one boundary and viewed
 * from the first aligned byte. V8 never moves an ArrayBuffer's backing store, so the alignment holds for
 * the buffer's life.
 */
import koffi from "koffi";

/**
 * `byteLength` zeroed bytes whose first byte lies on a multiple of `alignment` (a power of two, at most
 * 64 KiB), in a SharedArrayBuffer when `shared` (so a worker may map it too) or else in an ArrayBuffer.
 */
export function alignedBytes(byteLength: number, alignment: number, shared = false): Uint8Array {
  if (!Number.isSafeInteger(byteLength) || byteLength < 0) throw new RangeError(`aligned memory of ${byteLength} bytes: not a size`);
  if (!Number.isInteger(alignment) || alignment < 1 || alignment > 0x10000 || (alignment & (alignment - 1)) !== 0) {
    throw new RangeError(`alignment ${alignment} is not a power of two up to 65536`);
  }
  const total = byteLength + alignment - 1;
  const whole = new Uint8Array(shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total));
  const off = misalignment(whole, alignment);
  const offset = off === 0 ? 0 : alignment - off;
  return whole.subarray(offset, offset + byteLength);
}

/** Where `view`'s first byte lies, modulo `alignment`: 0 when aligned. */
export function misalignment(view: ArrayBufferView, alignment: number): number {
  return view.byteLength === 0 ? 0 : Number(koffi.address(view) % BigInt(alignment));
}
