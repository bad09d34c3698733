/**
 * A rect's zlib data rebuilt per client (zlib-data-field.ts): the zlib header spliced in front of it, or
 * other data put in its place, with the length field rewritten — a u32 for ZRLE and Zlib, Tight's compact
 * length (which grows or shrinks by a byte at 128 and 16,384) — and every byte before the length kept.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { EncodedRect } from "../../src/rfb/encoders/encoder.ts";
import { writeCompactLength } from "../../src/rfb/encoders/tight-compact-length.ts";
import { splicedRectBytes, withZlibData, withZlibHeaderPieces, ZLIB_STREAM_HEADER } from "../../src/rfb/encoders/zlib-data-field.ts";

/** Tight's compact length read as rfbproto defines it: 7 bits a byte, low first, the third byte whole. */
function readCompact(b: Uint8Array, off: number): { value: number; next: number } {
  let value = b[off]! & 0x7f;
  if (b[off]! & 0x80) {
    value |= (b[off + 1]! & 0x7f) << 7;
    if (b[off + 1]! & 0x80) return { value: value | (b[off + 2]! << 14), next: off + 3 };
    return { value, next: off + 2 };
  }
  return { value, next: off + 1 };
}

/** A Tight basic rect: 12 header bytes, control and `prefix` filter bytes, compact length, data. */
function tightRect(prefix: Uint8Array, data: Uint8Array): EncodedRect {
  const lengthAt = 13 + prefix.length;
  const bytes = new Uint8Array(lengthAt + 3 + data.length);
  bytes.set([0, 1, 0, 2, 0, 8, 0, 16, 0, 0, 0, 7, 0x50]);
  bytes.set(prefix, 13);
  const at = writeCompactLength(data.length, bytes, lengthAt);
  bytes.set(data, at);
  return { bytes: bytes.subarray(0, at + data.length), zlibStream: "tight1", zlibLengthAt: lengthAt };
}

/** What follows the length field, and the length it says (the field per the rect's kind). */
function dataOf(rect: EncodedRect, bytes: Uint8Array): { said: number; data: Uint8Array } {
  if (rect.zlibLengthAt === undefined) return { said: new DataView(bytes.buffer, bytes.byteOffset).getUint32(12), data: bytes.subarray(16) };
  const { value, next } = readCompact(bytes, rect.zlibLengthAt);
  return { said: value, data: bytes.subarray(next) };
}

const bytesOf = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test("Tight: the header spliced in, the compact length 2 larger (a byte longer from 126 and 16,382 on), the prefix kept", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.constantFrom(12, 100, 125, 126, 127, 128, 16381, 16382, 16383, 20000), (prefixLength, n) => {
      const prefix = bytesOf(prefixLength, 3);
      const data = bytesOf(n, 9);
      const rect = tightRect(prefix, data);
      const spliced = Buffer.concat(withZlibHeaderPieces(rect));
      assert.deepEqual(spliced.subarray(0, rect.zlibLengthAt), Buffer.from(rect.bytes.subarray(0, rect.zlibLengthAt)));
      const { said, data: after } = dataOf(rect, spliced);
      assert.equal(said, n + 2);
      assert.equal(after.length, said, "the length says what follows");
      assert.deepEqual([...after.subarray(0, 2)], [...ZLIB_STREAM_HEADER]);
      assert.deepEqual(after.subarray(2), Buffer.from(data));
    }),
  );
});

test("other data in place of a rect's own, for Tight and ZRLE: length rewritten, everything before it kept", () => {
  const zrle = (data: Uint8Array): EncodedRect => {
    const bytes = Buffer.alloc(16 + data.length);
    bytes.set([0, 3, 0, 4, 0, 64, 0, 64, 0, 0, 0, 16]);
    bytes.writeUInt32BE(data.length, 12);
    bytes.set(data, 16);
    return { bytes, zlibStream: "zrle" };
  };
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 12, max: 20000 }), fc.integer({ min: 0, max: 20000 }), fc.boolean(), (prefixLength, n, m, tight) => {
      const rect = tight ? tightRect(bytesOf(prefixLength, 5), bytesOf(n, 1)) : zrle(bytesOf(n, 1));
      const other = bytesOf(m, 77);
      const rebuilt = withZlibData(rect, other);
      assert.equal(rebuilt.zlibStream, rect.zlibStream);
      assert.equal(rebuilt.zlibLengthAt, rect.zlibLengthAt);
      const keep = rect.zlibLengthAt ?? 12;
      assert.deepEqual(Buffer.from(rebuilt.bytes.subarray(0, keep)), Buffer.from(rect.bytes.subarray(0, keep)));
      const { said, data } = dataOf(rebuilt, rebuilt.bytes);
      assert.equal(said, m);
      assert.deepEqual(Buffer.from(data), Buffer.from(other));
    }),
  );
});

test("splicedRectBytes: the header on a stream's first rect only, per stream; rects without zlib data as they are", () => {
  const started = new Set<EncodedRect["zlibStream"] & string>();
  const a = tightRect(Uint8Array.of(1, 1, 9, 9, 9, 8, 8, 8), bytesOf(40, 2));
  const b: EncodedRect = { ...tightRect(new Uint8Array(0), bytesOf(30, 4)), zlibStream: "tight0" };
  const fill: EncodedRect = { bytes: Uint8Array.of(0, 0, 0, 0, 0, 4, 0, 4, 0, 0, 0, 7, 0x80, 1, 2, 3) };
  assert.equal(splicedRectBytes(fill, started), fill.bytes);
  assert.equal(splicedRectBytes(a, started).length, a.bytes.length + 2);
  assert.equal(splicedRectBytes(a, started), a.bytes, "stream 1 started: shared bytes as they are");
  assert.equal(splicedRectBytes(b, started).length, b.bytes.length + 2, "stream 0 is another inflater: its own header");
  assert.deepEqual([...started].sort(), ["tight0", "tight1"]);
});
