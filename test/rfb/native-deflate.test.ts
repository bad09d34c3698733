/**
 * The native deflate streams (src/rfb/encoders/native-deflate.ts) are the system's zlib, built into the
 * native helper, called directly: a fresh stream's bytes equal the system zlib's (a C program linked with
 * -lz), a continued stream inflates to everything written, full flushes make each piece stand alone, and
 * a reset starts a new zlib stream. With VFIO_DISPLAY_ZLIB=node they are Node's own zlib: deflateSync's bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, inflateRawSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { NativeDeflateStream, zlibCalls } from "../../src/rfb/encoders/native-deflate.ts";
import { systemDeflate, systemZlibVersion } from "../helpers/system-zlib.ts";

test("the native streams use the system's zlib: the test command builds the helper with it", () => {
  const z = zlibCalls();
  assert.equal(z?.origin, "system");
  assert.equal(z.version, systemZlibVersion());
});

test("native deflate: the system zlib's bytes; continued pieces inflate to all the input; a reset starts a new stream", () => {
  const z = NativeDeflateStream.create(3);
  assert.ok(z, "a zlib is reachable through koffi");
  try {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 70_000 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 9 }), (pieces, level) => {
        const s = NativeDeflateStream.create(level)!;
        try {
          const first = s.deflate(pieces[0]!, constants.Z_SYNC_FLUSH);
          assert.deepEqual(Buffer.from(first), systemDeflate(pieces[0]!, level, 15, constants.Z_SYNC_FLUSH));
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
      { numRuns: 30, seed: 0x2e5e7 },
    );
  } finally {
    z.end();
  }
  assert.throws(() => z.deflate(new Uint8Array(4), constants.Z_SYNC_FLUSH), /after end/);
});
