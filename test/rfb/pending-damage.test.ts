/**
 * What a client is owed (pending-damage.ts, rect-union.ts): one frame's rects as they are; frames a client
 * fell behind on merged exactly (each changed pixel once, no unchanged one) while that stays small, else
 * by 64×64 tiles; the whole surface after markAll or a resize.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Rect } from "../../src/display/damage-tracker.ts";
import { MAX_EXACT_RECTS, PendingDamage, type FrameMoves } from "../../src/rfb/pending-damage.ts";
import { unionOfRects } from "../../src/rfb/rect-union.ts";
import { TILE } from "../../src/rfb/tile-map.ts";

/** How many of `rects` cover each pixel of a width × height surface. */
function coverage(rects: readonly Rect[], width: number, height: number): Uint8Array {
  const c = new Uint8Array(width * height);
  for (const r of rects) for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) c[y * width + x]!++;
  return c;
}

/** 1 where any of the lists' rects covers the pixel. */
function union(lists: ReadonlyArray<readonly Rect[]>, width: number, height: number): Uint8Array {
  return coverage(lists.flat(), width, height).map((n) => (n > 0 ? 1 : 0));
}

const W = 96;
const H = 64;
const CELL = 16;

/**
 * A list of disjoint rects, as a frame's damage or a union is: one rect inside each of some 16×16 cells of
 * the surface, or one rect anywhere. Two lists overlap where they use the same cell.
 */
const disjointList = fc.oneof(
  fc.uniqueArray(
    fc.record({ cell: fc.nat({ max: (W / CELL) * (H / CELL) - 1 }), x: fc.nat({ max: CELL - 1 }), y: fc.nat({ max: CELL - 1 }), w: fc.integer({ min: 1, max: CELL }), h: fc.integer({ min: 1, max: CELL }) }),
    { selector: (r) => r.cell, maxLength: 10 },
  ).map((cells) =>
    cells.map(({ cell, x, y, w, h }) => ({ x: (cell % (W / CELL)) * CELL + x, y: Math.floor(cell / (W / CELL)) * CELL + y, w: Math.min(w, CELL - x), h: Math.min(h, CELL - y) })),
  ),
  fc
    .record({ x: fc.nat({ max: W - 1 }), y: fc.nat({ max: H - 1 }), w: fc.integer({ min: 1, max: W }), h: fc.integer({ min: 1, max: H }) })
    .map((r) => [{ x: r.x, y: r.y, w: Math.min(r.w, W - r.x), h: Math.min(r.h, H - r.y) }]),
);

test("the union of two lists of disjoint rects covers exactly their pixels, each once", () => {
  fc.assert(
    fc.property(disjointList, disjointList, fc.boolean(), (a, b, again) => {
      const once = unionOfRects(a, b, Infinity)!;
      assert.deepEqual(coverage(once, W, H), union([a, b], W, H));
      // a union is a disjoint list too, as pending damage merges it with the next frame
      const twice = again ? unionOfRects(once, a, Infinity)! : once;
      assert.deepEqual(coverage(twice, W, H), union([a, b], W, H));
    }),
    { numRuns: 400 },
  );
});

test("a list with itself is the list; rects that do not overlap are kept as they are; overlapping ones are banded", () => {
  const frame = [
    { x: 0, y: 0, w: 108, h: 40 },
    { x: 252, y: 0, w: 388, h: 40 },
    { x: 0, y: 40, w: 640, h: 440 },
  ];
  assert.deepEqual(unionOfRects(frame, frame, 64), frame);
  assert.deepEqual(unionOfRects([{ x: 0, y: 5, w: 10, h: 4 }], [{ x: 10, y: 5, w: 6, h: 4 }], 64), [
    { x: 0, y: 5, w: 10, h: 4 },
    { x: 10, y: 5, w: 6, h: 4 },
  ]);
  assert.deepEqual(unionOfRects([{ x: 0, y: 5, w: 10, h: 4 }], [{ x: 5, y: 5, w: 11, h: 4 }], 64), [{ x: 0, y: 5, w: 16, h: 4 }]);
  assert.deepEqual(unionOfRects([{ x: 0, y: 0, w: 10, h: 10 }], [{ x: 5, y: 5, w: 10, h: 10 }], 64), [
    { x: 0, y: 0, w: 10, h: 5 },
    { x: 0, y: 5, w: 15, h: 5 },
    { x: 5, y: 10, w: 10, h: 5 },
  ]);
  assert.deepEqual(unionOfRects([{ x: 2, y: 2, w: 3, h: 3 }], [{ x: 0, y: 0, w: 10, h: 10 }], 64), [{ x: 0, y: 0, w: 10, h: 10 }], "a rect the other list contains");
});

test("past maxRects the union is not made", () => {
  const dots = (y: number) => Array.from({ length: 40 }, (_, i) => ({ x: i * 4, y, w: 2, h: 2 }));
  assert.equal(unionOfRects(dots(0), dots(10), 64), undefined, "80 rects");
  assert.equal(unionOfRects(dots(0), dots(10), 80)?.length, 80);
  const shifted = (y: number) => Array.from({ length: 40 }, (_, i) => ({ x: i * 4 + 1, y, w: 2, h: 2 }));
  assert.equal(unionOfRects(dots(0), shifted(1), 64), undefined, "banded: 120 rects");
  assert.equal(unionOfRects(dots(0), shifted(1), 200)?.length, 120);
});

const moves: FrameMoves = { moves: [{ x: 0, y: 10, w: 20, h: 20, srcX: 0, srcY: 0 }], copies: [], rest: [] };

test("a client that keeps up gets each frame's own rect list, with its moves", () => {
  const p = new PendingDamage(640, 480);
  const frame = [{ x: 361, y: 293, w: 6, h: 7 }];
  p.addFrame(frame, moves);
  assert.equal(p.pendingMoves, moves);
  assert.equal(p.take(), frame, "the very list other clients share (the encode cache keys by it)");
  assert.ok(p.isEmpty);
  assert.deepEqual(p.take(), []);
});

test("a client two typed letters behind gets the two glyphs, not the tiles around them", () => {
  const p = new PendingDamage(640, 480);
  p.addFrame([{ x: 361, y: 293, w: 6, h: 7 }], moves);
  p.addFrame([{ x: 369, y: 290, w: 6, h: 10 }]);
  assert.equal(p.pendingMoves, undefined, "moves hold for one frame over what the client has");
  assert.deepEqual(p.take(), [
    { x: 361, y: 293, w: 6, h: 7 },
    { x: 369, y: 290, w: 6, h: 10 },
  ]);
  assert.ok(p.isEmpty);
});

test("video frames cut around a static overlay stay cut for a client that is frames behind", () => {
  const p = new PendingDamage(640, 480);
  // everything but the overlay at (108, 0, 144 × 40)
  const frame = [
    { x: 0, y: 0, w: 108, h: 40 },
    { x: 252, y: 0, w: 388, h: 40 },
    { x: 0, y: 40, w: 640, h: 440 },
  ];
  for (let i = 0; i < 5; i++) p.addFrame(frame);
  const out = p.take();
  assert.deepEqual(out, frame);
  assert.deepEqual(coverage(out, 640, 480), union([frame], 640, 480));
});

test("past MAX_EXACT_RECTS rects, frames merge by 64×64 tiles: every changed pixel is covered once, on tile edges", () => {
  const p = new PendingDamage(1920, 1080);
  const scattered = (dy: number): Rect[] => Array.from({ length: 40 }, (_, i) => ({ x: (i % 20) * 90 + 3, y: Math.floor(i / 20) * 300 + dy, w: 5, h: 9 }));
  const frames = [scattered(0), scattered(130), scattered(600)];
  for (const f of frames) p.addFrame(f);
  const out = p.take();
  const cover = coverage(out, 1920, 1080);
  assert.ok(cover.every((n) => n <= 1), "no pixel twice");
  const wanted = union(frames, 1920, 1080);
  assert.ok(wanted.every((n, i) => n === 0 || cover[i] === 1), "every changed pixel is sent");
  for (const r of out) {
    assert.equal(r.x % TILE, 0);
    assert.equal(r.y % TILE, 0);
    assert.ok((r.x + r.w) % TILE === 0 || r.x + r.w === 1920);
    assert.ok((r.y + r.h) % TILE === 0 || r.y + r.h === 1080);
  }
  assert.ok(out.length < 3 * 40, `${out.length} tile runs`);
  assert.ok(MAX_EXACT_RECTS < 3 * 40);
  assert.ok(p.isEmpty);
});

test("markAll or a resize owes the whole surface, whatever is added after; then one exact frame again", () => {
  const p = new PendingDamage(640, 480);
  p.addFrame([{ x: 1, y: 2, w: 3, h: 4 }]);
  p.markAll();
  p.addFrame([{ x: 5, y: 6, w: 7, h: 8 }]);
  p.addArea(10, 10, 5, 5);
  assert.deepEqual(p.take(), [{ x: 0, y: 0, w: 640, h: 480 }]);
  p.resize(800, 600);
  assert.deepEqual(p.take(), [{ x: 0, y: 0, w: 800, h: 600 }]);
  const frame = [{ x: 5, y: 6, w: 7, h: 8 }];
  p.addFrame(frame);
  assert.equal(p.take(), frame);
});

test("an area a client asks for is owed exactly, clipped to the surface, merged with frames it missed", () => {
  const p = new PendingDamage(640, 480);
  p.addArea(600, 470, 100, 100);
  assert.deepEqual(p.take(), [{ x: 600, y: 470, w: 40, h: 10 }]);
  p.addArea(700, 10, 5, 5);
  assert.ok(p.isEmpty, "an area wholly outside adds nothing");
  p.addFrame([{ x: 0, y: 0, w: 10, h: 10 }], moves);
  p.addArea(5, 0, 10, 10);
  assert.equal(p.pendingMoves, undefined);
  assert.deepEqual(p.take(), [{ x: 0, y: 0, w: 15, h: 10 }]);
});
