/**
 * The native deflate streams (src/rfb/encoders/native-deflate.ts) are Node's own zlib called directly: a
 * fresh stream's bytes equal deflateSync's, a continued stream inflates to everything written, full
 * flushes make each piece stand alone, and a reset starts a new zlib stream.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, inflateRawSync, inflateSync, deflateSync } from "node:zlib";
import fc from "fast-check";
import { NativeDeflateStream } from "../../src/rfb/encoders/native-deflate.ts";

test("native deflate: the bytes of deflateSync; continued pieces inflate to all the input; a reset starts a new stream", () => {
  const z = NativeDeflateStream.create(3);
  assert.ok(z, "Node's zlib symbols are reachable through koffi");
  try {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 70_000 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 9 }), (pieces, level) => {
        const s = NativeDeflateStream.create(level)!;
        try {
          const first = s.deflate(pieces[0]!, constants.Z_SYNC_FLUSH);
          assert.deepEqual(Buffer.from(first), deflateSync(pieces[0]!, { level, finishFlush: constants.Z_SYNC_FLUSH }));
          const out = [first];
          for (const p of pieces.slice(1)) out.push(s.deflate(p, constants.Z_FULL_FLUSH));
          assert.deepEqual(inflateSync(Buffer.concat(out), { finishFlush: constants.Z_SYNC_FLUSH }), Buffer.concat(pieces));
          // after a full flush, each later piece inflates on its own (raw: no header)
          for (let i = 1; i < pieces.length; i++) assert.deepEqual(inflateRawSync(out[i]!, { finishFlush: constants.Z_SYNC_FLUSH }), Buffer.from(pieces[i]!));
          s.reset();
          const again = s.deflate(pieces[0]!, constants.Z_SYNC_FLUSH);
          assert.deepEqual(Buffer.from(again), Buffer.from(first), "a reset stream makes a fresh stream's bytes");
        } finally {
          s.end();
        }
      }),
      { numRuns: 60, seed: 0x2e5e7 },
    );
  } finally {
    z.end();
  }
  assert.throws(() => z.deflate(new Uint8Array(4), constants.Z_SYNC_FLUSH), /after end/);
});
