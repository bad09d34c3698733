/**
 * A client's own deflate stream for small ZRLE/Zlib updates (client-zlib-history.ts): its pieces, mixed in
 * any order with the shared history-free ones and level changes, inflate on the client's one stream to
 * exactly the data sent, and repeated content costs fewer bytes than the shared encoding of it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import fc from "fast-check";
import { ClientZlibHistory, HISTORY_MIN_LEVEL } from "../../src/rfb/client-zlib-history.ts";
import { NativeDeflateStream } from "../../src/rfb/encoders/native-deflate.ts";
import { deflatedRect, KEPT_ZLIB_INPUT_MAX } from "../../src/rfb/encoders/deflate-rect.ts";
import type { EncodedRect } from "../../src/rfb/encoders/encoder.ts";

/** The shared encoding's zlib data of `data` (what every client gets), and what it keeps for re-compression. */
function shared(data: Uint8Array, level: number): EncodedRect {
  const r = deflatedRect(0, 0, 1, 1, 16, data, level, "zrle");
  assert.ok(!(r instanceof Promise), "small inputs are compressed synchronously");
  return r;
}

const zlibData = (r: EncodedRect): Uint8Array => r.bytes.subarray(16);

/** Inflate a client's whole stream (the pieces back to back) as its one persistent raw inflate would. */
function inflateStream(pieces: Uint8Array[]): Buffer {
  return zlib.inflateRawSync(Buffer.concat(pieces), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

test("the shared encoding keeps the input of small rects only (a copy), with its level", () => {
  const small = new Uint8Array(KEPT_ZLIB_INPUT_MAX).fill(7);
  const r = shared(small, 2);
  assert.deepEqual(r.zlibInput?.level, 2);
  small[0] = 99;
  assert.equal(r.zlibInput!.data[0], 7, "a copy, not the caller's scratch");
  assert.equal(shared(new Uint8Array(KEPT_ZLIB_INPUT_MAX + 1), 2).zlibInput, undefined);
});

test("own pieces and shared pieces in any order, at changing levels, inflate on one stream to the data sent", () => {
  // glyph-sized chunks from a small alphabet, so history has something to find
  const chunk = fc.integer({ min: 0, max: 5 }).chain((letter) =>
    fc.integer({ min: 1, max: 300 }).map((len) => Uint8Array.from({ length: len }, (_, i) => (letter * 37 + ((i * (letter + 1)) % 11)) & 0xff)),
  );
  const piece = fc.record({ own: fc.boolean(), level: fc.constantFrom(1, 2, 6, 9), data: chunk });
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 40 }), (pieces) => {
      const history = new ClientZlibHistory();
      const wire: Uint8Array[] = [];
      for (const p of pieces) {
        const r = shared(p.data, p.level);
        if (p.own) {
          const own = history.compress(r.zlibInput!.data, r.zlibInput!.level);
          assert.ok(own, "native zlib is there");
          wire.push(own);
        } else {
          history.sharedSent();
          wire.push(zlibData(r));
        }
      }
      history.end();
      assert.deepEqual(inflateStream(wire), Buffer.concat(pieces.map((p) => p.data)));
    }),
    { numRuns: 200 },
  );
});

test("typed letters: the own stream finds the ones sent before (about half the bytes of the shared pieces)", () => {
  const letters = "the quick brown fox jumps over the lazy dog ".repeat(3);
  // a ZRLE packed-palette tile of an 8x16 glyph: subencoding, two 3-byte colours, 16 rows of one byte
  const tile = (c: string): Uint8Array => Uint8Array.from([2, 0xaa, 0xaa, 0xaa, 0, 0, 0, ...Array.from({ length: 16 }, (_, y) => (c.charCodeAt(0) * (y + 3)) & 0xff)]);
  const history = new ClientZlibHistory();
  let sharedBytes = 0;
  let ownBytes = 0;
  const wire: Uint8Array[] = [];
  for (const c of letters) {
    const r = shared(tile(c), 2);
    sharedBytes += zlibData(r).length;
    const own = history.compress(r.zlibInput!.data, 2)!;
    ownBytes += own.length;
    wire.push(own);
  }
  history.end();
  assert.deepEqual(inflateStream(wire), Buffer.concat([...letters].map(tile)));
  assert.ok(ownBytes < sharedBytes * 0.7, `own ${ownBytes} bytes against shared ${sharedBytes}`);
});

test("the own stream compresses at level 6 at least: typed letters at the client's level 1 or 2 cost what level 6 gives, fewer bytes than a level-2 stream", () => {
  const letters = "pack my box with five dozen liquor jugs ".repeat(4);
  // antialiased 6x10 glyphs: a palette of four colours and 2-bit indices, as ZRLE packs them
  const tile = (c: string): Uint8Array =>
    Uint8Array.from([4, 0xf0, 0xf0, 0xf0, 0x20, 0x20, 0x20, 0x80, 0x80, 0x80, 0xc0, 0xc0, 0xc0, ...Array.from({ length: 20 }, (_, i) => (c.charCodeAt(0) * (i + 5)) & 0xff)]);
  const streamBytes = (compress: (data: Uint8Array) => Uint8Array): { bytes: number; wire: Uint8Array[] } => {
    const wire = [...letters].map((c) => compress(tile(c)));
    return { bytes: wire.reduce((n, p) => n + p.length, 0), wire };
  };
  const direct = (level: number): number => {
    const s = NativeDeflateStream.create(level, -15)!;
    const { bytes } = streamBytes((d) => s.deflate(d, zlib.constants.Z_SYNC_FLUSH));
    s.end();
    return bytes;
  };
  const atLevel6 = direct(HISTORY_MIN_LEVEL);
  const atLevel2 = direct(2);
  assert.ok(atLevel6 < atLevel2, `level 6 ${atLevel6} bytes against level 2 ${atLevel2}: the content must tell the levels apart`);
  for (const clientLevel of [1, 2]) {
    const history = new ClientZlibHistory();
    const { bytes, wire } = streamBytes((d) => history.compress(d, clientLevel)!);
    history.end();
    assert.equal(bytes, atLevel6, `client level ${clientLevel}`);
    assert.deepEqual(inflateStream(wire), Buffer.concat([...letters].map(tile)));
  }
});

test("after end() the history starts afresh: the next piece stands alone", () => {
  const history = new ClientZlibHistory();
  const a = new Uint8Array(200).fill(3);
  history.compress(a, 2);
  history.end();
  const alone = history.compress(a, 2)!;
  assert.deepEqual(inflateStream([alone]), Buffer.from(a));
  history.end();
});
