/**
 * The native damage pass (native/frame-damage.c through src/display/native-damage.ts) against the
 * JavaScript reference, DamageTracker.row(): for any sequence of frames both must leave the same surface
 * and report the same rectangles and the same move. Plus: the test command builds the library (it installs
 * gcc), the consumer uses it, and bad geometry is refused before it reaches C.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DamageTracker, damageRects, pixelSource } from "../../src/display/damage-tracker.ts";
import { nativeDamageRows, nativeDamageUnavailableReason } from "../../src/display/native-damage.ts";

function feedRows(t: DamageTracker, frame: Uint32Array, stride: number) {
  const bytes = new Uint8Array(frame.buffer);
  const src = pixelSource(bytes);
  for (let y = 0; y < t.height; y++) t.row(y, src, y * stride);
  return t.endFrame();
}

function feedNative(t: DamageTracker, frame: Uint32Array, stride: number, split: number) {
  const bytes = new Uint8Array(frame.buffer);
  // two calls (a frame may be handed over in parts) must equal one
  assert.ok(t.rows(bytes, stride, 0, split));
  assert.ok(t.rows(bytes.subarray(split * stride), stride, split, t.height - split));
  return t.endFrame();
}

/** One change a guest makes between frames. */
type Change =
  | { kind: "fill"; x: number; y: number; w: number; h: number; colour: number }
  | { kind: "pixel"; x: number; y: number; colour: number }
  | { kind: "scroll"; dy: number; fresh: number }
  | { kind: "noise"; y: number; h: number; seed: number };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("fill" as const), x: fc.nat(300), y: fc.nat(200), w: fc.integer({ min: 1, max: 300 }), h: fc.integer({ min: 1, max: 200 }), colour: fc.nat(0xffffff) }),
  fc.record({ kind: fc.constant("pixel" as const), x: fc.nat(300), y: fc.nat(200), colour: fc.nat(0xffffff) }),
  fc.record({ kind: fc.constant("scroll" as const), dy: fc.integer({ min: 1, max: 70 }), fresh: fc.nat(0xffffff) }),
  fc.record({ kind: fc.constant("noise" as const), y: fc.nat(200), h: fc.integer({ min: 1, max: 60 }), seed: fc.nat() }),
);

/** Apply a change to a frame of w×h pixels stored `stridePx` pixels per row. */
function apply(f: Uint32Array, w: number, h: number, stridePx: number, c: Change): void {
  if (c.kind === "fill") {
    for (let y = c.y % h; y < Math.min(h, (c.y % h) + c.h); y++) f.fill(c.colour, y * stridePx + (c.x % w), y * stridePx + Math.min(w, (c.x % w) + c.w));
  } else if (c.kind === "pixel") {
    f[(c.y % h) * stridePx + (c.x % w)] = c.colour;
  } else if (c.kind === "scroll") {
    const dy = Math.min(c.dy, h - 1);
    for (let y = 0; y < h - dy; y++) f.copyWithin(y * stridePx, (y + dy) * stridePx, (y + dy) * stridePx + w);
    for (let y = h - dy; y < h; y++) f.fill(c.fresh + y, y * stridePx, y * stridePx + w);
  } else {
    let s = c.seed >>> 0;
    for (let y = c.y % h; y < Math.min(h, (c.y % h) + c.h); y++) {
      for (let x = 0; x < w; x++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        f[y * stridePx + x] = s >>> 8;
      }
    }
  }
}

test("the test command built the native damage library and the tracker uses it", () => {
  assert.ok(nativeDamageRows(), `native damage helper not loaded: ${nativeDamageUnavailableReason}`);
  assert.equal(new DamageTracker(8, 8).nativeRows, true);
});

test("native rows and JavaScript rows give the same surface, rectangles and move for any frames", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 200 }),
      fc.constantFrom(64, 16, 7),
      fc.nat(9),
      fc.nat(),
      fc.array(fc.array(change, { minLength: 0, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
      (w, h, tile, pad, splitSeed, frames) => {
        const stridePx = w + pad;
        const js = new DamageTracker(w, h, tile);
        const native = new DamageTracker(w, h, tile);
        const frame = new Uint32Array(stridePx * h);
        for (const changes of frames) {
          for (const c of changes) apply(frame, w, h, stridePx, c);
          const a = feedRows(js, frame, stridePx * 4);
          const b = feedNative(native, frame, stridePx * 4, splitSeed % (h + 1));
          assert.deepEqual(damageRects(b), damageRects(a));
          assert.deepEqual(b.move, a.move);
          assert.deepEqual(native.surface, js.surface);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("once a row has changed every tile of its tile row edge to edge, the later rows are copied whole; a tile row short of that still widens", () => {
  // 4 tiles of 16 across, two tile rows, compared with the JavaScript path frame by frame
  const w = 64;
  const h = 32;
  const frame = new Uint32Array(w * h).fill(0x101010);
  const native = new DamageTracker(w, h, 16);
  const js = new DamageTracker(w, h, 16);
  const next = () => {
    const a = feedRows(js, frame, w * 4);
    const b = feedNative(native, frame, w * 4, 0);
    assert.deepEqual(native.surface, frame);
    assert.deepEqual(damageRects(b), damageRects(a));
    return damageRects(b);
  };
  next();
  // tile row 0: its first row changes everywhere, so its later rows take the shortcut, which must still copy
  // the pixels they change
  apply(frame, w, h, w, { kind: "noise", y: 0, h: 1, seed: 1 });
  for (const [x, y] of [[5, 3], [63, 7], [0, 15], [31, 9]] as const) frame[y * w + x] = 0xff0000;
  assert.deepEqual(next(), [{ x: 0, y: 0, w, h: 16 }]);
  // tile row 1: its first row changes everywhere but its last pixel, so no shortcut, nor at the next row,
  // which changes inside the spans: a later row's change at that pixel must widen the last tile's span
  apply(frame, w, h, w, { kind: "noise", y: 16, h: 1, seed: 2 });
  frame[16 * w + 63] = 0x101010;
  frame[17 * w + 10] = 0x0000ff;
  frame[20 * w + 63] = 0x00ff00;
  assert.deepEqual(next(), [{ x: 0, y: 16, w, h: 5 }]);
});

test("a scroll found natively is the same move the JavaScript path reports", () => {
  const w = 200;
  const h = 160;
  const frame = new Uint32Array(w * h);
  apply(frame, w, h, w, { kind: "noise", y: 0, h, seed: 5 });
  const t = new DamageTracker(w, h);
  feedNative(t, frame, w * 4, 0);
  apply(frame, w, h, w, { kind: "scroll", dy: 16, fresh: 0x102030 });
  const d = feedNative(t, frame, w * 4, 40);
  assert.deepEqual(d.move, { y: 0, h: h - 16, dy: 16 });
  assert.deepEqual(t.surface, frame);
});

test("geometry that would reach outside the source or the surface is refused before the native call", () => {
  const t = new DamageTracker(16, 8);
  const src = new Uint8Array(16 * 4 * 8);
  assert.throws(() => t.rows(src, 60, 0, 8), /stride 60/, "stride shorter than a row");
  assert.throws(() => t.rows(src, 64, 0, 9), /beyond the surface/, "more rows than the surface");
  assert.throws(() => t.rows(src, 64, 4, 5), /beyond the surface/, "rows past the bottom");
  assert.throws(() => t.rows(src.subarray(0, 64 * 8 - 4), 64, 0, 8), /more than the source/, "source too short for the last row");
  assert.throws(() => t.rows(src.subarray(2), 64, 0, 1), /alignment/, "unaligned source");
  assert.throws(() => t.rows(src, 64, -1, 1), /bad geometry/);
  assert.throws(() => t.rows(src, 64, 0, 1.5), /bad geometry/);
  assert.ok(t.rows(src, 64, 0, 8), "exactly the source's size is fine");
});

test("a source in shared memory (a worker guest's VRAM) is read natively like any other", () => {
  const w = 70;
  const h = 33;
  const shared = new Uint32Array(new SharedArrayBuffer(w * h * 4));
  apply(shared, w, h, w, { kind: "noise", y: 0, h, seed: 9 });
  const t = new DamageTracker(w, h, 16);
  assert.ok(t.rows(new Uint8Array(shared.buffer), w * 4, 0, h));
  const d = t.endFrame();
  assert.deepEqual(damageRects(d), [{ x: 0, y: 0, w, h }]);
  assert.deepEqual(t.surface, new Uint32Array(shared));
});

test("a source that only looks like a Uint8Array (a Proxy) is left to the row-by-row path", () => {
  const t = new DamageTracker(4, 2);
  const proxy = new Proxy(new Uint8Array(32), {});
  assert.equal(t.rows(proxy, 16, 0, 2), false);
});
