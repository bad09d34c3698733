/**
 * Damage inside a changed area, to the 8-pixel segment: a static box (a video player's on-screen display)
 * inside full-motion content is left out of the rectangles, on the native path and the JavaScript one alike;
 * a small static area is not worth the extra rectangles; and a box that appears where every pixel changed
 * before (tiles copied without comparing) is found within one pass of the probed tile rows.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DamageTracker, damageRects, pixelSource, type Rect } from "../../src/display/damage-tracker.ts";

const W = 640;
const H = 192;

/** A frame whose every pixel differs from frame `n - 1`'s, except inside `box` (its content never changes). */
function motionFrame(n: number, box?: Rect): Uint32Array {
  const f = new Uint32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inBox = box && x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
      f[y * W + x] = inBox ? 0x203040 + x : ((x * 7 + y * 13 + n * 101) & 0xffffff) | 0x1000000 * (n & 1);
    }
  }
  return f;
}

function feed(t: DamageTracker, frame: Uint32Array, native: boolean): Rect[] {
  const bytes = new Uint8Array(frame.buffer);
  if (native) assert.ok(t.rows(bytes, W * 4, 0, H), "the native helper is built");
  else {
    const src = pixelSource(bytes);
    for (let y = 0; y < H; y++) t.row(y, src, y * W * 4);
  }
  return damageRects(t.endFrame());
}

function coverage(rects: Rect[]): Uint8Array {
  const c = new Uint8Array(W * H);
  for (const r of rects) for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) c[y * W + x] = c[y * W + x]! + 1;
  return c;
}

for (const native of [true, false]) {
  const path = native ? "native" : "JavaScript";

  test(`${path}: a static box inside motion is left out to the 8-pixel segment; the columns around it stay whole`, () => {
    const box = { x: 21, y: 20, w: 140, h: 40 };
    const t = new DamageTracker(W, H);
    // every tile row is compared by segment in turn (3 here): after that the box's tiles stay compared
    for (let n = 0; n < 4; n++) feed(t, motionFrame(n, box), native);
    const rects = feed(t, motionFrame(4, box), native);
    const c = coverage(rects);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inBox = x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
        // the box's segments that lie wholly inside it ([24, 160)) are not sent; everything else is, once
        const wholeSegments = x >= 24 && x < 160 && y >= box.y && y < box.y + box.h;
        assert.equal(c[y * W + x], wholeSegments ? 0 : 1, `pixel ${x},${y} (${inBox ? "box" : "motion"}) covered ${c[y * W + x]} times`);
      }
    }
    // tile row 0 (rows 0-63): [0,24) and [160,640) whole, the band above, the band below; tile rows 1-2: one rect
    assert.ok(rects.length <= 6, `${rects.length} rects: ${JSON.stringify(rects)}`);
    assert.deepEqual(t.surface, motionFrame(4, box));
  });

  test(`${path}: wherever a static box sits in its tile row, exactly its whole segments are left out`, () => {
    // boxes of 4,096-8,192 unchanged pixels in one 64-row tile row: big enough to cut, at most a quarter of
    // the run's rectangle; anywhere across the 80 segments of a row (three words of bits). With `strip`, a
    // static column over tile column 1 splits each row's damage into two runs, the box in the right one
    // (whose segments then start inside a word, after unchanged ones).
    const cases = fc
      .record({ strip: fc.boolean(), x: fc.nat({ max: W - 170 - 128 }), tileRow: fc.nat({ max: H / 64 - 1 }), dy: fc.nat({ max: 16 }), w: fc.integer({ min: 110, max: 170 }), h: fc.integer({ min: 44, max: 48 }) })
      .map(({ strip, x, tileRow, dy, w, h }) => ({ strip, box: { x: strip ? 128 + x : x, y: tileRow * 64 + dy, w, h } }));
    const frame = (n: number, box: Rect, strip: boolean): Uint32Array => {
      const f = motionFrame(n, box);
      if (strip) for (let y = 0; y < H; y++) for (let x = 64; x < 128; x++) f[y * W + x] = 0x405060 + y;
      return f;
    };
    fc.assert(
      fc.property(cases, ({ strip, box }) => {
        const t = new DamageTracker(W, H);
        for (let n = 0; n < 4; n++) feed(t, frame(n, box, strip), native);
        const rects = feed(t, frame(4, box, strip), native);
        const c = coverage(rects);
        const left = Math.ceil(box.x / 8) * 8;
        const right = Math.floor((box.x + box.w) / 8) * 8;
        // the columns beside the box changed in every row of its tile row: one rect each, the row's height
        const runStart = strip ? 128 : 0;
        const top = box.y - (box.y % 64);
        if (left > runStart) assert.ok(rects.some((r) => r.x === runStart && r.w === left - runStart && r.y === top && r.h === 64), `left column: ${JSON.stringify(rects)}`);
        if (right < W) assert.ok(rects.some((r) => r.x === right && r.w === W - right && r.y === top && r.h === 64), `right column: ${JSON.stringify(rects)}`);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const sent = !(x >= left && x < right && y >= box.y && y < box.y + box.h) && !(strip && x >= 64 && x < 128);
            if (c[y * W + x] !== (sent ? 1 : 0)) assert.fail(`box ${JSON.stringify(box)}: pixel ${x},${y} covered ${c[y * W + x]} times`);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  test(`${path}: a sparse change (half of every row) stays one rectangle, for the move detector to search`, () => {
    const t = new DamageTracker(W, H);
    const frame = (n: number) => {
      const f = motionFrame(n);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x >> 5) % 2 === 1) f[y * W + x] = 0x102030;
      return f;
    };
    for (let n = 0; n < 4; n++) feed(t, frame(n), native);
    assert.deepEqual(feed(t, frame(4), native), [{ x: 0, y: 0, w: W - 32, h: H }]);
  });

  test(`${path}: a static area smaller than a tile's worth stays inside one rectangle`, () => {
    const box = { x: 40, y: 40, w: 40, h: 40 };
    const t = new DamageTracker(W, H);
    for (let n = 0; n < 4; n++) feed(t, motionFrame(n, box), native);
    assert.deepEqual(feed(t, motionFrame(4, box), native), [{ x: 0, y: 0, w: W, h: H }]);
  });

  test(`${path}: a box appearing where every pixel changed before is found once the probe has passed its tile row`, () => {
    const box = { x: 64, y: 128, w: 128, h: 48 };
    const t = new DamageTracker(W, H);
    feed(t, motionFrame(0), native);
    // frames of motion everywhere: the tiles are copied without comparing from now on
    for (let n = 1; n <= 3; n++) assert.deepEqual(feed(t, motionFrame(n), native), [{ x: 0, y: 0, w: W, h: H }]);
    // the box is drawn (changed once), then stays; within tilesY (3) frames its tile row is compared again
    feed(t, motionFrame(4, box), native);
    let found = -1;
    for (let n = 5; n < 5 + 4 && found < 0; n++) {
      const c = coverage(feed(t, motionFrame(n, box), native));
      if (c[150 * W + 100] === 0) found = n;
    }
    assert.ok(found >= 0 && found <= 8, `the static box was found (frame ${found})`);
    // and from then on it stays left out, an idle refresh (nothing changed) between frames included
    assert.deepEqual(feed(t, motionFrame(found, box), native), []);
    const c = coverage(feed(t, motionFrame(20, box), native));
    assert.equal(c[150 * W + 100], 0);
    assert.deepEqual(t.surface, motionFrame(20, box));
  });

  test(`${path}: markAll sends everything whole, whatever the segments said`, () => {
    const box = { x: 21, y: 20, w: 140, h: 40 };
    const t = new DamageTracker(W, H);
    for (let n = 0; n < 4; n++) feed(t, motionFrame(n, box), native);
    t.markAll();
    assert.deepEqual(feed(t, motionFrame(4, box), native), [{ x: 0, y: 0, w: W, h: H }]);
  });
}
