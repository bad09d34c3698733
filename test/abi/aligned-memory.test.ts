/**
 * alignedBytes: memory that starts on a boundary, as the kernel's mappings start on pages. V8 hands out
 * large buffers 16 bytes past a page (calloc's header), which the first test shows is what the helper
 * corrects; the consumer's surface and the models' video memory are then checked to use it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { alignedBytes, misalignment } from "../../src/abi/aligned-memory.ts";
import { PAGE_SIZE } from "../../src/abi/index.ts";
import { CACHE_LINE_BYTES, DamageTracker } from "../../src/display/damage-tracker.ts";

test("a large buffer from V8 does not start on a page; alignedBytes's does", () => {
  const plain = new Uint8Array(new ArrayBuffer(8 << 20));
  const shared = new Uint8Array(new SharedArrayBuffer(8 << 20));
  assert.notEqual(misalignment(plain, PAGE_SIZE), 0, "V8's own 8 MiB buffer starts on a page: the helper would be needed no more");
  assert.notEqual(misalignment(shared, PAGE_SIZE), 0);
  assert.equal(misalignment(alignedBytes(8 << 20, PAGE_SIZE), PAGE_SIZE), 0);
  assert.equal(misalignment(alignedBytes(8 << 20, PAGE_SIZE, true), PAGE_SIZE), 0);
});

test("alignedBytes: the asked length, zeroed, on the boundary, shared when asked, its last byte writable", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 << 20 }), fc.integer({ min: 0, max: 16 }), fc.boolean(), (length, log2, shared) => {
      const alignment = 1 << log2;
      const bytes = alignedBytes(length, alignment, shared);
      assert.equal(bytes.length, length);
      assert.equal(misalignment(bytes, alignment), 0);
      assert.equal(bytes.buffer instanceof SharedArrayBuffer, shared);
      assert.ok(bytes.byteOffset + length <= bytes.buffer.byteLength);
      assert.ok(bytes.every((b) => b === 0));
      if (length > 0) {
        bytes[length - 1] = 0xa5;
        assert.equal(bytes[length - 1], 0xa5);
      }
    }),
    { numRuns: 60 },
  );
});

test("alignedBytes refuses a size that is not one and an alignment that is not a power of two up to 64 KiB", () => {
  for (const length of [-1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => alignedBytes(length, 64), /not a size/, String(length));
  for (const alignment of [0, 3, 48, 1.5, 0x20000, -64]) assert.throws(() => alignedBytes(64, alignment), /not a power of two/, String(alignment));
});

test("the consumer's surface starts on a cache line, as the frames it is compared with start on pages", () => {
  for (const [w, h] of [[1920, 1080], [3840, 2160], [1024, 768], [17, 3]] as const) {
    const tracker = new DamageTracker(w, h);
    assert.equal(misalignment(tracker.surface, CACHE_LINE_BYTES), 0, `${w}x${h}`);
    assert.equal(tracker.surface.length, w * h);
    assert.equal(tracker.surfaceSource.bytes.byteOffset, tracker.surface.byteOffset, "the byte view covers the same memory");
    assert.equal(tracker.surfaceSource.bytes.length, w * h * 4);
  }
});
