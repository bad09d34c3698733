/**
 * Reused output buffers (output-pool.ts) and their lifetime in the encode cache: a buffer is handed out
 * again only after its cache entry is cleared and every connection holding the entry's bytes has released
 * them; never twice at once, never one it did not lend. Over real sockets: a stalled reader's queued frames
 * stay intact while another client's frames reuse buffers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EncodeCache } from "../../src/rfb/encode-cache.ts";
import type { EncodedRect } from "../../src/rfb/encoders/encoder.ts";
import { Encoding } from "../../src/rfb/encodings.ts";
import { OutputPool, POOLED_MIN_BYTES, type OutputBuffers } from "../../src/rfb/output-pool.ts";
import { rawRfbClient } from "../helpers/raw-rfb-client.ts";
import { startServer, until } from "../helpers/rfb-server-fixture.ts";

const BIG = POOLED_MIN_BYTES * 2;
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test("OutputPool: big buffers come back and are reused; small ones, foreign ones and second gives are not taken", () => {
  const pool = new OutputPool(BIG * 8);
  const small = pool.take(POOLED_MIN_BYTES - 1);
  pool.give(small);
  assert.equal(pool.freeBuffers.count, 0, "a small buffer is not pooled");

  const a = pool.take(BIG);
  assert.equal(a.length, BIG);
  pool.give(a);
  pool.give(a);
  pool.give(Buffer.allocUnsafeSlow(BIG));
  assert.deepEqual(pool.freeBuffers, { count: 1, bytes: BIG }, "a second give and a foreign buffer are ignored");

  const b = pool.take(BIG - 100);
  assert.equal(b.buffer, a.buffer, "the free buffer serves a slightly smaller request");
  assert.equal(b.length, BIG - 100);
  assert.equal(pool.freeBuffers.count, 0, "a lent buffer is not free");
  const c = pool.take(BIG);
  assert.notEqual(c.buffer, b.buffer, "memory lent out is never lent twice");
  pool.give(b.subarray(10, 20));
  assert.equal(pool.freeBuffers.count, 1, "a view of lent memory gives it back");

  const huge = pool.take(BIG * 3);
  pool.give(huge);
  const d = pool.take(BIG);
  assert.equal(d.buffer, b.buffer, "the smallest free buffer that fits");
  const e = pool.take(POOLED_MIN_BYTES);
  assert.notEqual(e.buffer, huge.buffer, "a buffer over twice the request is not pinned by it");
  assert.equal(pool.reused, 2);

  const bigger = pool.take(BIG * 4);
  assert.deepEqual(pool.freeBuffers, { count: 1, bytes: BIG * 3 });
  for (const x of [c, d, e, bigger]) pool.give(x);
  // free: 0.5, 1, 1, 3 and 4 BIG = 9.5 BIG over the 8 BIG limit: the two smallest go
  assert.deepEqual(pool.freeBuffers, { count: 3, bytes: BIG * 8 }, "at most maxFreeBytes are kept: the smallest went");
});

test("OutputPool, any takes and gives: the smallest free buffer that fits (at most twice the size), never memory still lent", () => {
  const op = fc.oneof(fc.record({ take: fc.integer({ min: POOLED_MIN_BYTES, max: 40 * POOLED_MIN_BYTES }) }), fc.record({ give: fc.nat() }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const pool = new OutputPool(1 << 30);
      const lent: Buffer[] = [];
      const freeModel: number[] = [];
      for (const o of ops) {
        if ("take" in o) {
          const fits = freeModel.filter((b) => b >= o.take).sort((x, y) => x - y)[0];
          const before = pool.reused;
          const b = pool.take(o.take);
          assert.equal(b.length, o.take);
          assert.ok(!lent.some((l) => l.buffer === b.buffer), "never memory still lent");
          if (fits !== undefined && fits <= 2 * o.take) {
            assert.equal(pool.reused, before + 1);
            assert.equal(b.buffer.byteLength, fits, "the smallest free buffer that fits");
            freeModel.splice(freeModel.indexOf(fits), 1);
          } else assert.equal(pool.reused, before, "a new buffer when none fits within twice the size");
          lent.push(b);
        } else if (lent.length > 0) {
          const b = lent.splice(o.give % lent.length, 1)[0]!;
          pool.give(b);
          freeModel.push(b.buffer.byteLength);
        }
      }
      assert.equal(pool.freeBuffers.count, freeModel.length);
    }),
    { numRuns: 100 },
  );
});

test("OutputPool keeps at most 2048 free buffers, the largest", () => {
  const pool = new OutputPool(1 << 30);
  const taken = Array.from({ length: 3000 }, (_, i) => pool.take(POOLED_MIN_BYTES + i));
  for (const b of taken) pool.give(b);
  assert.equal(pool.freeBuffers.count, 2048);
  assert.equal(pool.take(POOLED_MIN_BYTES + 2999).length, POOLED_MIN_BYTES + 2999);
  assert.equal(pool.reused, 1, "the largest stayed");
  assert.equal(pool.take(POOLED_MIN_BYTES + 100).buffer.byteLength >= POOLED_MIN_BYTES + 952, true, "the smallest went");
});

/** An encoding that writes `fill` into a pooled buffer, as Raw does. */
function encodeInto(fill: number, log: ArrayBufferLike[]): (output: OutputBuffers) => Promise<EncodedRect[]> {
  return async (output) => {
    const bytes = output.take(BIG).fill(fill);
    log.push(bytes.buffer);
    return [{ bytes }];
  };
}

test("EncodeCache: an entry's buffers go back only once it is cleared and every lease is released", async () => {
  const cache = new EncodeCache(new OutputPool());
  const made: ArrayBufferLike[] = [];
  const first = cache.lease("k", encodeInto(1, made));
  const second = cache.lease("k", encodeInto(2, made));
  assert.equal(made.length, 1, "the second lease shares the first encoding");
  const [rect] = await second.rects;
  assert.equal(rect!.bytes[0], 1);

  first.release();
  second.release();
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 0, "not before the entry is cleared: a later client may still take it");

  const third = cache.lease("k", encodeInto(3, made));
  cache.clear();
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 0, "cleared, but a lease is held");
  third.release();
  third.release();
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 1, "cleared and released: back in the pool");

  const next = cache.lease("k", encodeInto(4, made));
  assert.equal(made.length, 2, "after clear() the key is encoded again");
  assert.equal(made[1], made[0], "into the same memory");
  assert.equal((await next.rects)[0]!.bytes[0], 4);
});

test("EncodeCache: a released lease cannot release another's hold; unshared and failed encodings give back on release", async () => {
  const cache = new EncodeCache(new OutputPool());
  const made: ArrayBufferLike[] = [];
  const a = cache.lease("k", encodeInto(1, made));
  const b = cache.lease("k", encodeInto(1, made));
  cache.clear();
  a.release();
  a.release();
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 0, "b still holds the entry");
  b.release();
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 1);

  const unshared = cache.lease(undefined, encodeInto(2, made));
  assert.equal(cache.pool.freeBuffers.count, 0, "the free buffer went to the new encoding");
  await unshared.rects;
  unshared.release();
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 1, "an unshared encoding needs no clear()");

  const failing = cache.lease("f", async (output) => {
    output.take(BIG);
    throw new Error("encoder failed");
  });
  await assert.rejects(failing.rects, /encoder failed/);
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 0, "held while its lease is");
  failing.release();
  await settle();
  assert.equal(cache.pool.freeBuffers.count, 1, "a failed encoding's buffer comes back on release");
  const retry = cache.lease("f", encodeInto(5, made));
  assert.equal((await retry.rects)[0]!.bytes[0], 5, "and it is not cached: the next lease encodes again");
});

/** The Raw rects of the FramebufferUpdates in `stream` (after the handshake), each as its first pixel and whether all its pixels are that one. */
function rawRects(stream: Buffer, handshake: number): Array<{ w: number; h: number; pixel: number; uniform: boolean }> {
  const out: Array<{ w: number; h: number; pixel: number; uniform: boolean }> = [];
  let o = handshake;
  while (o < stream.length) {
    assert.equal(stream[o], 0, `a FramebufferUpdate at byte ${o}`);
    const count = stream.readUInt16BE(o + 2);
    o += 4;
    for (let r = 0; r < count; r++) {
      const [w, h, encoding] = [stream.readUInt16BE(o + 4), stream.readUInt16BE(o + 6), stream.readInt32BE(o + 8)];
      assert.equal(encoding, 0, "Raw");
      o += 12;
      const pixel = stream.readUInt32LE(o);
      let uniform = true;
      for (let p = o, end = o + w * h * 4; p < end && uniform; p += 4) uniform = stream.readUInt32LE(p) === pixel;
      out.push({ w, h, pixel, uniform });
      o += w * h * 4;
    }
  }
  return out;
}

for (const transport of ["tcp", "websocket"] as const) {
  test(`reused output buffers (${transport}): a reader that stalls gets every Raw frame it was sent intact while another client moves on`, async () => {
    const [width, height] = [1920, 1080];
    const s = await startServer({ width, height, stallTimeoutMs: 60_000 });
    const slow = await rawRfbClient(transport === "tcp" ? { tcp: s.ports.tcp!.port, keep: true } : { ws: s.ports.websocket!.port, keep: true });
    await until(() => s.server.connections.length === 1, 5000, "the slow connection");
    const slowConn = s.server.connections[0]!;
    const fast = await s.connect({ encodings: [Encoding.Raw] });
    try {
      slow.pause();
      slow.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])); // SetEncodings: Raw
      const fullRequest = Buffer.from([3, 0, 0, 0, 0, 0, width >> 8, width & 0xff, height >> 8, height & 0xff]);
      const colours: number[] = [];
      const frame = async (): Promise<void> => {
        const colour = ((colours.length + 1) * 0x0a0b0c) & 0xffffff;
        colours.push(colour);
        s.pixels.fill(colour);
        s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: width, h: height }] });
        slow.write(fullRequest);
        const got = fast.nextUpdate((u) => u.pixels > 0);
        void fast.requestUpdate({ incremental: true }).catch(() => {});
        await got;
      };
      // frames until the slow reader's server side holds bytes of its own, then more through the fast client:
      // each takes a buffer from the pool, and must not take one the slow reader's bytes are still in
      while (slowConn.transport.bufferedBytes === 0 && colours.length < 30) await frame();
      assert.ok(slowConn.transport.bufferedBytes > 0, "the slow reader is behind");
      const reusedBefore = s.server.stats.outputBuffersReused;
      for (let i = 0; i < 6; i++) await frame();
      assert.ok(s.server.stats.outputBuffersReused >= reusedBefore + 4, `buffers were reused meanwhile (${s.server.stats.outputBuffersReused - reusedBefore})`);

      slow.resume();
      assert.equal(await s.server.whenCaughtUp(10_000), true, "the slow reader caught up");
      const handshake = 12 + 2 + 4 + 24 + "test-console".length;
      await until(() => slow.received() === handshake + slowConn.stats.bytes, 5000, "everything at the slow reader");
      const rects = rawRects(slow.bytes(), handshake);
      assert.ok(rects.length >= 2, `${rects.length} updates`);
      let last = -1;
      for (const r of rects) {
        assert.deepEqual([r.w, r.h], [width, height]);
        assert.ok(r.uniform, "a frame's bytes were not overwritten by a later frame's");
        const index = colours.indexOf(r.pixel & 0xffffff);
        assert.ok(index > last, `frame ${index} after frame ${last}: each update shows the frame it was made from, in order`);
        last = index;
      }
      assert.equal(last, colours.length - 1, "the slow reader ends on the latest frame");
    } finally {
      fast.close();
      slow.destroy();
      await s.close();
    }
  });
}
