/**
 * Move detection (src/display/move-detector.ts): a dragged window or a scrolled band is found as moves,
 * exactly, and for any sequence of frames a client that holds the previous frame, applies the moves in the
 * order given and then the `rest` rects' pixels, holds the new frame (fast-check). Moves and rest stay
 * inside the damage and do not overlap; sources stay inside the surface.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DamageTracker, pixelSource, type DamageList, type Rect } from "../../src/display/damage-tracker.ts";
import { MoveDetector } from "../../src/display/move-detector.ts";
import { nativeMoves } from "../../src/display/native-moves.ts";
import { Prng } from "../../src/guest/workloads/prng.ts";

class Scene {
  readonly tracker: DamageTracker;
  readonly detector: MoveDetector;
  constructor(
    readonly w: number,
    readonly h: number,
    native = true,
  ) {
    this.tracker = new DamageTracker(w, h);
    this.detector = new MoveDetector(this.tracker.surface, w, h);
    this.native = native;
  }
  private readonly native: boolean;

  feed(frame: Uint32Array): DamageList {
    const bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    if (!this.native || !this.tracker.rows(bytes, this.w * 4, 0, this.h)) {
      const src = pixelSource(bytes);
      for (let y = 0; y < this.h; y++) this.tracker.row(y, src, y * this.w * 4);
    }
    const d = this.tracker.endFrame();
    this.detector.detect(d);
    return d;
  }
}

/** A background that differs from pixel to pixel along both axes (a moved window never matches it by chance). */
function gradient(w: number, h: number): Uint32Array {
  const f = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f[y * w + x] = ((y * 7) & 0xff) << 16 | ((x * 3) & 0xff) << 8 | ((x + y) & 0xff);
  return f;
}

function noise(n: number, seed: number): Uint32Array {
  const rng = new Prng(seed);
  return Uint32Array.from({ length: n }, () => rng.u32() & 0xffffff);
}

/** `win` (ww×wh) drawn over `bg` at (x, y), clipped to the frame. */
function compose(bg: Uint32Array, w: number, h: number, win: Uint32Array, ww: number, wh: number, x: number, y: number): Uint32Array {
  const f = bg.slice();
  for (let r = 0; r < wh; r++) {
    const fy = y + r;
    if (fy < 0 || fy >= h) continue;
    for (let c = 0; c < ww; c++) {
      const fx = x + c;
      if (fx >= 0 && fx < w) f[fy * w + fx] = win[r * ww + c]!;
    }
  }
  return f;
}

/** What a client that held `previous` shows after the update: moves copied in order, then the rest's pixels. */
function replay(previous: Uint32Array, current: Uint32Array, w: number, d: DamageList): Uint32Array {
  const fb = previous.slice();
  for (const m of d.moves ?? []) {
    const block = new Uint32Array(m.w * m.h);
    for (let r = 0; r < m.h; r++) block.set(fb.subarray((m.srcY + r) * w + m.srcX, (m.srcY + r) * w + m.srcX + m.w), r * m.w);
    for (let r = 0; r < m.h; r++) fb.set(block.subarray(r * m.w, (r + 1) * m.w), (m.y + r) * w + m.x);
  }
  const pixels: readonly Rect[] = d.moves ? d.rest! : d.rects.slice(0, d.count);
  for (const r of pixels) for (let y = r.y; y < r.y + r.h; y++) fb.set(current.subarray(y * w + r.x, y * w + r.x + r.w), y * w + r.x);
  return fb;
}

function inside(r: Rect, rects: readonly Rect[]): boolean {
  // every pixel of r lies in some rect (checked row by row over the rects' spans)
  for (let y = r.y; y < r.y + r.h; y++) {
    const spans = rects.filter((q) => y >= q.y && y < q.y + q.h).sort((a, b) => a.x - b.x);
    let x = r.x;
    for (const q of spans) if (q.x <= x && q.x + q.w > x) x = q.x + q.w;
    if (x < r.x + r.w) return false;
  }
  return true;
}

test("a window dragged over a textured background is found as one move of the whole window", () => {
  const [w, h, ww, wh] = [640, 480, 200, 150];
  const s = new Scene(w, h);
  const bg = gradient(w, h);
  const win = noise(ww * wh, 1);
  s.feed(compose(bg, w, h, win, ww, wh, 100, 100));
  let at = { x: 100, y: 100 };
  for (const to of [
    { x: 103, y: 101 },
    { x: 110, y: 95 },
    { x: 180, y: 160 },
    { x: 60, y: 200 },
  ]) {
    const previous = s.tracker.surface.slice();
    const frame = compose(bg, w, h, win, ww, wh, to.x, to.y);
    const d = s.feed(frame);
    const moved = (d.moves ?? []).reduce((n, m) => n + m.w * m.h, 0);
    assert.equal(moved, ww * wh, `the whole window moved from ${at.x},${at.y} to ${to.x},${to.y}: ${JSON.stringify(d.moves)}`);
    for (const m of d.moves!) assert.deepEqual([m.x - m.srcX, m.y - m.srcY], [to.x - at.x, to.y - at.y]);
    assert.deepEqual(replay(previous, frame, w, d), frame);
    at = to;
  }
  // a jump further than the search reaches, and a repaint in place, are no moves
  assert.equal(s.feed(compose(bg, w, h, win, ww, wh, 400, 20)).moves, undefined, "a jump of 340 px");
  assert.equal(s.feed(compose(bg, w, h, noise(ww * wh, 2), ww, wh, 400, 20)).moves, undefined, "new content in place");
});

test("a console scrolling by a line is a full-width move; what scrolled in goes as pixels", () => {
  const [w, h] = [320, 256];
  const s = new Scene(w, h);
  const text = noise(w * (h + 64), 3);
  s.feed(text.slice(0, w * h));
  const frame = text.slice(16 * w, (16 + h) * w);
  const d = s.feed(frame);
  assert.deepEqual(d.moves, [{ x: 0, y: 0, w, h: h - 16, srcX: 0, srcY: 16 }]);
  assert.deepEqual(d.rest, [{ x: 0, y: h - 16, w, h: 16 }]);
});

interface Placed {
  pix: Uint32Array;
  ww: number;
  wh: number;
  x: number;
  y: number;
}

/** Two frames of windows over a gradient, `from` then `to`: the second frame's damage, checked by replay. */
function twoFrames(w: number, h: number, from: Placed[], to: Placed[]): DamageList {
  const s = new Scene(w, h);
  const draw = (wins: Placed[]) => wins.reduce((f, v) => compose(f, w, h, v.pix, v.ww, v.wh, v.x, v.y), gradient(w, h));
  s.feed(draw(from));
  const previous = s.tracker.surface.slice();
  const frame = draw(to);
  const d = s.feed(frame);
  assert.deepEqual(replay(previous, frame, w, d), frame);
  return d;
}

test("two windows trading places: one goes as a copy, the other as pixels (the copies would read each other's)", () => {
  const a = { pix: noise(96 * 96, 4), ww: 96, wh: 96 };
  const b = { pix: noise(96 * 96, 5), ww: 96, wh: 96 };
  const d = twoFrames(512, 256, [{ ...a, x: 40, y: 40 }, { ...b, x: 140, y: 40 }], [{ ...a, x: 140, y: 40 }, { ...b, x: 40, y: 40 }]);
  assert.equal(d.moves?.length, 1, `moves: ${JSON.stringify(d.moves)}`);
});

test("copies are ordered: a window sliding down past another keeps its pieces' sources intact", () => {
  const tall = { pix: noise(160 * 200, 7), ww: 160, wh: 200, x: 100 };
  // a still window over the middle of the tall one cuts its move into pieces above, beside and below it
  const still = { pix: noise(40 * 40, 8), ww: 40, wh: 40, x: 160, y: 100 };
  const d = twoFrames(400, 300, [{ ...tall, y: 20 }, still], [{ ...tall, y: 30 }, still]);
  assert.ok(d.moves && d.moves.length >= 2, `moves: ${JSON.stringify(d.moves)}`);
});

test("after invalidate() the next frame has no moves (the surface was changed behind the tracker)", () => {
  const [w, h] = [320, 240];
  const s = new Scene(w, h);
  const bg = gradient(w, h);
  const win = noise(100 * 80, 6);
  s.feed(compose(bg, w, h, win, 100, 80, 50, 50));
  s.tracker.surface.fill(0); // a blanked display
  s.detector.invalidate();
  assert.equal(s.feed(compose(bg, w, h, win, 100, 80, 60, 55)).moves, undefined);
  assert.ok(s.feed(compose(bg, w, h, win, 100, 80, 70, 60)).moves, "found again once resynced");
});

test("full-motion frames put the detector to sleep; calmer content wakes it, and a probe finds a full-screen scroll", () => {
  const [w, h] = [320, 240];
  const s = new Scene(w, h);
  const bg = gradient(w, h);
  const win = noise(100 * 80, 9);
  // video: every frame new everywhere, nothing moved
  s.feed(noise(w * h, 10));
  s.feed(noise(w * h, 11));
  assert.equal(s.detector.dormant, false, "two frames are not enough");
  s.feed(noise(w * h, 12));
  assert.equal(s.detector.dormant, true, "asleep after three");
  // the video stops on a desktop (most of the frame changes: still asleep), then a window is dragged
  s.feed(compose(bg, w, h, win, 100, 80, 50, 50));
  assert.equal(s.detector.dormant, true);
  assert.equal(s.feed(compose(bg, w, h, win, 100, 80, 60, 55)).moves, undefined, "the first calm frame resyncs");
  assert.equal(s.detector.dormant, false);
  const previous = s.tracker.surface.slice();
  const frame = compose(bg, w, h, win, 100, 80, 70, 60);
  const d = s.feed(frame);
  assert.ok(d.moves, "the drag is found again");
  assert.deepEqual(replay(previous, frame, w, d), frame);

  // video again, then a whole-screen scroll (most of the frame changes every frame, but it moved): a probe
  // finds it within PROBE_EVERY (8) frames and the detector stays awake while it goes on
  for (let i = 0; i < 3; i++) s.feed(noise(w * h, 20 + i));
  assert.equal(s.detector.dormant, true);
  const page = noise(w * (h + 40 * 16), 30);
  const found: boolean[] = [];
  for (let i = 0; i < 40; i++) {
    const before = s.tracker.surface.slice();
    const scrolled = page.slice(i * 16 * w, (i * 16 + h) * w);
    const sd = s.feed(scrolled);
    assert.deepEqual(replay(before, scrolled, w, sd), scrolled);
    found.push(sd.moves !== undefined);
  }
  const first = found.indexOf(true);
  assert.ok(first >= 0 && first <= 9, `the scroll found at frame ${first}`);
  assert.deepEqual(found.slice(first), found.slice(first).map(() => true), "and every frame after");
});

test("bad geometry is refused", () => {
  assert.throws(() => new MoveDetector(new Uint32Array(10), 4, 4), RangeError);
});

interface Step {
  /** window moves (each window's new position), plus in-place repaints and noise */
  moves: Array<{ win: number; dx: number; dy: number }>;
  paint?: { x: number; y: number; w: number; h: number; colour: number } | undefined;
}

const step: fc.Arbitrary<Step> = fc.record({
  moves: fc.array(fc.record({ win: fc.nat(2), dx: fc.integer({ min: -40, max: 40 }), dy: fc.integer({ min: -40, max: 40 }) }), { maxLength: 3 }),
  paint: fc.option(fc.record({ x: fc.nat(300), y: fc.nat(200), w: fc.integer({ min: 1, max: 120 }), h: fc.integer({ min: 1, max: 90 }), colour: fc.nat(0xffffff) }), { nil: undefined }),
});

test("any sequence of drags, overlaps and repaints replays exactly; moves and rest stay inside the damage (fast-check)", () => {
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), fc.array(step, { minLength: 1, maxLength: 8 }), (plainBg, native, steps) => {
      const [w, h] = [320, 240];
      const s = new Scene(w, h, native);
      const bg = plainBg ? new Uint32Array(w * h).fill(0x336699) : gradient(w, h);
      // windows of noise, of one colour with a noisy title bar, and overlapping each other
      const wins = [
        { pix: noise(90 * 70, 11), ww: 90, wh: 70, x: 20, y: 30 },
        { pix: (() => { const p = new Uint32Array(120 * 60).fill(0xeeeeee); p.set(noise(120 * 12, 12)); return p; })(), ww: 120, wh: 60, x: 80, y: 60 },
        { pix: noise(64 * 64, 13), ww: 64, wh: 64, x: 200, y: 120 },
      ];
      const draw = (paint?: Step["paint"]) => {
        let f = bg;
        for (const v of wins) f = compose(f, w, h, v.pix, v.ww, v.wh, v.x, v.y);
        if (paint) for (let y = paint.y; y < Math.min(h, paint.y + paint.h); y++) f.fill(paint.colour, y * w + Math.min(w, paint.x), y * w + Math.min(w, paint.x + paint.w));
        return f;
      };
      s.feed(draw());
      for (const st of steps) {
        for (const m of st.moves) {
          wins[m.win]!.x += m.dx;
          wins[m.win]!.y += m.dy;
        }
        const previous = s.tracker.surface.slice();
        const frame = draw(st.paint);
        const d = s.feed(frame);
        assert.deepEqual(replay(previous, frame, w, d), frame);
        if (!d.moves) continue;
        const damage = d.rects.slice(0, d.count);
        for (const m of d.moves) {
          assert.ok(m.srcX >= 0 && m.srcY >= 0 && m.srcX + m.w <= w && m.srcY + m.h <= h, `source inside: ${JSON.stringify(m)}`);
          assert.ok(inside(m, damage), `move inside the damage: ${JSON.stringify(m)}`);
        }
        for (const r of d.rest!) {
          assert.ok(inside(r, damage), `rest inside the damage: ${JSON.stringify(r)}`);
          // what a copy brings is not sent again as pixels
          for (const m of d.moves) assert.ok(r.x >= m.x + m.w || m.x >= r.x + r.w || r.y >= m.y + m.h || m.y >= r.y + r.h, `rest ${JSON.stringify(r)} overlaps move ${JSON.stringify(m)}`);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test("the C block test and anchor search (native/move-blocks.c) find the same moves as the JavaScript loops (fast-check)", () => {
  const probe = new MoveDetector(new Uint32Array(16), 4, 4);
  assert.ok(probe.nativeLoops, "the test command builds the native helper (it installs gcc)");
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: -60, max: 60 }), fc.integer({ min: -60, max: 60 }), fc.nat(3)), { minLength: 1, maxLength: 6 }), (steps) => {
      const [w, h] = [300, 200];
      const trackers = [new DamageTracker(w, h), new DamageTracker(w, h)] as const;
      const detectors = [new MoveDetector(trackers[0].surface, w, h), new MoveDetector(trackers[1].surface, w, h, { native: false })] as const;
      const bg = gradient(w, h);
      const win = noise(100 * 80, 21);
      let x = 100;
      let y = 60;
      for (const [dx, dy, repaint] of [[0, 0, 0] as const, ...steps]) {
        x += dx;
        y += dy;
        const frame = compose(bg, w, h, repaint === 3 ? noise(100 * 80, x * 7 + y) : win, 100, 80, x, y);
        const bytes = new Uint8Array(frame.buffer);
        const [a, b] = trackers.map((t, i) => {
          const src = pixelSource(bytes);
          for (let r = 0; r < h; r++) t.row(r, src, r * w * 4);
          const d = t.endFrame();
          detectors[i]!.detect(d);
          return { moves: d.moves, rest: d.rest };
        });
        assert.deepEqual(a, b);
      }
    }),
    { numRuns: 100 },
  );
});

test("the C block test tells a block apart from its source by any one byte of any pixel", () => {
  const native = nativeMoves()!;
  assert.ok(native, "built by the test command");
  const [w, h] = [64, 32];
  const previous = new Int32Array(w * h).map((_, i) => (Math.imul(i + 1, 0x9e3779b1) ^ (i << 7)) | 0);
  const current = new Int32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 1; x < w; x++) current[y * w + x] = previous[y * w + x - 1]!;
  const frames = { current, previous, width: w, height: h };
  const grid = new Int16Array(8);
  const shifted = new Int32Array([1, 0]);
  assert.equal(native.matchBlocks(frames, { x: 16, y: 0, w: 48, h: 32 }, 16, shifted, 1, grid), 6, "moved one pixel right, every block matches");
  for (let k = 0; k < 16; k++) {
    for (let byte = 0; byte < 4; byte++) {
      const at = 5 * w + 16 + k;
      const kept = current[at]!;
      current[at] = kept ^ (0x80 << (8 * byte));
      native.matchBlocks(frames, { x: 16, y: 0, w: 48, h: 32 }, 16, shifted, 1, grid);
      current[at] = kept;
      assert.deepEqual([...grid.subarray(0, 6)], [-1, 0, 0, 0, 0, 0], `pixel ${k} of the block's row 5, byte ${byte} changed`);
    }
  }
});

test("the native loops refuse geometry outside their arrays before calling C", () => {
  const native = nativeMoves()!;
  assert.ok(native, "built by the test command");
  const frames = { current: new Int32Array(64 * 32), previous: new Int32Array(64 * 32), width: 64, height: 32 };
  const grid = new Int16Array(8);
  const cands = new Int32Array(4);
  assert.throws(() => native.matchBlocks(frames, { x: 40, y: 0, w: 30, h: 16 }, 16, cands, 2, grid), RangeError, "rect past the right edge");
  assert.throws(() => native.matchBlocks(frames, { x: 0, y: 0, w: 64, h: 32 }, 16, cands, 2, new Int16Array(7)), RangeError, "grid too small");
  assert.throws(() => native.matchBlocks(frames, { x: 0, y: 0, w: 16, h: 16 }, 16, cands, 3, grid), RangeError, "more candidates than the array holds");
  assert.throws(() => native.matchBlocks({ ...frames, previous: new Int32Array(10) }, { x: 0, y: 0, w: 16, h: 16 }, 16, cands, 1, grid), RangeError, "short frame");
  assert.throws(() => native.searchAnchor(frames, 60, 0, 16, 8, 2, new Int32Array(4)), RangeError, "anchor past the right edge");
  assert.throws(() => native.searchAnchor(frames, 0, 0, 16, 8, 3, new Int32Array(4)), RangeError, "out too small");
  assert.equal(native.matchBlocks(frames, { x: 0, y: 0, w: 64, h: 32 }, 16, new Int32Array([1, 0]), 1, grid), 6, "an all-equal frame matches (1, 0) in every block but the leftmost column (its source starts left of the frame)");
  assert.deepEqual([...grid], [-1, 0, 0, 0, -1, 0, 0, 0]);
  const rects = new Int32Array([0, 0, 8, 8, 60, 30, 5, 2]);
  assert.throws(() => native.copyRects(frames, rects, 2), RangeError, "second rect past the bottom right corner");
  assert.throws(() => native.copyRects(frames, new Int32Array([-1, 0, 4, 4]), 1), RangeError, "negative x");
  assert.throws(() => native.copyRects(frames, rects, 3), RangeError, "more rects than the array holds");
  assert.ok(frames.previous.every((v) => v === 0), "a refused call copies nothing, not even its good first rect");
  frames.current.fill(7);
  native.copyRects(frames, new Int32Array([2, 1, 3, 2, 0, 31, 64, 1]), 2);
  const copied = [...frames.previous.keys()].filter((i) => frames.previous[i] === 7);
  assert.deepEqual(copied, [66, 67, 68, 130, 131, 132, ...Array.from({ length: 64 }, (_, k) => 31 * 64 + k)], "exactly the two rects are copied");
});
