/**
 * Deflate on the thread pool through zlib called directly (native-deflate-pool.ts): byte for byte what the
 * system's zlib gives for a fresh stream with the same settings, for many calls at once (more than it has
 * streams), with the caller's input reused at once; results go into the caller's output pool.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { nativeDeflatePool } from "../../src/rfb/encoders/native-deflate-pool.ts";
import { OutputPool, POOLED_MIN_BYTES } from "../../src/rfb/output-pool.ts";
import { systemDeflate } from "../helpers/system-zlib.ts";

/** Compressible but varied bytes: runs and noise, different per seed. */
function sample(bytes: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let v = seed | 1;
  for (let i = 0; i < bytes; i++) {
    v = Math.imul(v ^ (v >>> 13), 0x5bd1e995) >>> 0;
    out[i] = (i >> 7) % 3 === 0 ? v & 0xff : (i >> 9) & 0xff;
  }
  return out;
}

test("native zlib is reachable here (the system's, in the native helper, through koffi)", () => {
  assert.ok(nativeDeflatePool(), "deflate and deflateReset from the native helper");
});

test("the same bytes as the system's zlib: zlib-wrapped with a sync flush (Tight) and raw with a full flush (ZRLE), levels 1, 2, 6", async () => {
  const pool = nativeDeflatePool()!;
  for (const level of [1, 2, 6]) {
    for (const bytes of [20_000, 300_000]) {
      const data = sample(bytes, level * bytes);
      const tight = await pool.deflate(data, level, 15, zlib.constants.Z_SYNC_FLUSH);
      assert.deepEqual(Buffer.from(tight), systemDeflate(data, level, 15, zlib.constants.Z_SYNC_FLUSH), `zlib level ${level}, ${bytes} bytes`);
      const raw = await pool.deflate(data, level, -15, zlib.constants.Z_FULL_FLUSH);
      assert.deepEqual(Buffer.from(raw), systemDeflate(data, level, -15, zlib.constants.Z_FULL_FLUSH), `raw level ${level}, ${bytes} bytes`);
    }
  }
});

test("twelve calls at once on four streams, each input overwritten right after its call: every result is its own input's", async () => {
  const pool = nativeDeflatePool()!;
  const output = new OutputPool();
  const taken: Buffer[] = [];
  const buffers = output.buffersFor(taken);
  const scratch = Buffer.alloc(POOLED_MIN_BYTES * 2);
  const expected: Buffer[] = [];
  const calls: Array<Promise<Uint8Array>> = [];
  for (let i = 0; i < 12; i++) {
    const data = sample(scratch.length, 100 + i);
    data.copy(scratch);
    expected.push(systemDeflate(data, 2, -15, zlib.constants.Z_FULL_FLUSH));
    calls.push(pool.deflate(scratch, 2, -15, zlib.constants.Z_FULL_FLUSH, buffers));
    scratch.fill(0xa5); // the caller reuses its scratch at once, as ZRLE does
  }
  const results = await Promise.all(calls);
  results.forEach((r, i) => assert.deepEqual(Buffer.from(r), expected[i], `call ${i}`));
  // four calls found a stream free and copied into it; the other eight kept their input in pooled buffers
  assert.ok(taken.length >= 8, `the waiting inputs were copied into the output pool: ${taken.length} buffers`);
});
