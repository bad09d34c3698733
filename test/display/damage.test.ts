/** Damage rectangles cover every changed pixel and not much more (fast-check), and the surface follows the frame. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DamageTracker, damageRects, pixelSource } from "../../src/display/damage-tracker.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";

function feed(tracker: DamageTracker, frame: Uint32Array) {
  const bytes = new Uint8Array(frame.buffer);
  const src = pixelSource(bytes);
  const w = tracker.width;
  for (let y = 0; y < tracker.height; y++) tracker.row(y, src, y * w * 4);
  return damageRects(tracker.endFrame());
}

test("property: every changed pixel lies in a rect; rects stay within the changed tiles; the surface equals the frame", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 80 }), fc.nat({ max: 0xffffff })), { maxLength: 6 }),
      (w, h, edits) => {
        const tracker = new DamageTracker(w, h);
        const frame = new Uint32Array(w * h);
        for (let i = 0; i < frame.length; i++) frame[i] = (i * 2654435761) >>> 8;
        feed(tracker, frame);
        const before = frame.slice();
        for (const [x0, y0, ew, eh, colour] of edits) {
          const x = x0 % w;
          const y = y0 % h;
          for (let yy = y; yy < Math.min(h, y + eh); yy++) frame.fill(colour, yy * w + x, yy * w + Math.min(w, x + ew));
        }
        const rects = feed(tracker, frame);
        const covered = new Uint8Array(w * h);
        for (const r of rects) {
          assert.ok(r.x >= 0 && r.y >= 0 && r.w > 0 && r.h > 0 && r.x + r.w <= w && r.y + r.h <= h, `rect inside the surface: ${JSON.stringify(r)}`);
          for (let yy = r.y; yy < r.y + r.h; yy++) covered.fill(1, yy * w + r.x, yy * w + r.x + r.w);
        }
        // a 64x64 tile that no changed pixel touches is never part of a rect
        const changedTiles = new Set<number>();
        let changed = 0;
        for (let i = 0; i < frame.length; i++) {
          if (frame[i] !== before[i]) {
            changed++;
            assert.equal(covered[i], 1, `changed pixel ${i % w},${Math.floor(i / w)} not covered`);
            changedTiles.add(Math.floor(Math.floor(i / w) / 64) * 1000 + Math.floor((i % w) / 64));
          }
        }
        for (let i = 0; i < covered.length; i++) {
          if (covered[i]) assert.ok(changedTiles.has(Math.floor(Math.floor(i / w) / 64) * 1000 + Math.floor((i % w) / 64)), "rect in an unchanged tile");
        }
        if (changed === 0) assert.equal(rects.length, 0);
        assert.deepEqual(tracker.surface, frame);
      },
    ),
    { numRuns: 400, seed: 0xda6a6e },
  );
});

test("property: rects are trimmed to changed columns (or, in a run cut along its segments, to changed 8-pixel segments)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 80 }), fc.nat({ max: 0xffffff })), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      (w, h, edits, twoFrames) => {
        const tracker = new DamageTracker(w, h);
        const frame = new Uint32Array(w * h);
        feed(tracker, frame);
        const before = frame.slice();
        for (const [x0, y0, ew, eh, colour] of edits) {
          const x = x0 % w;
          const y = y0 % h;
          for (let yy = y; yy < Math.min(h, y + eh); yy++) frame.fill(colour + 1, yy * w + x, yy * w + Math.min(w, x + ew));
        }
        // the same edits seen over two frames must give each frame's own tight rects
        const rects = feed(tracker, frame);
        if (twoFrames) assert.deepEqual(feed(tracker, frame), []);
        const changedIn = (r: { x: number; y: number; h: number }, x0: number, x1: number) => {
          for (let yy = r.y; yy < r.y + r.h; yy++) for (let x = Math.max(0, x0); x < Math.min(w, x1); x++) if (frame[yy * w + x] !== before[yy * w + x]) return true;
          return false;
        };
        for (const r of rects) {
          // a rect cut from a run along its 8-pixel segments ends on a segment boundary, in a segment that changed
          const right = r.x + r.w;
          assert.ok(changedIn(r, r.x, r.x + 1) || (r.x % 8 === 0 && changedIn(r, r.x, r.x + 8)), `left column of ${JSON.stringify(r)} holds a change`);
          assert.ok(changedIn(r, right - 1, right) || (right % 8 === 0 && changedIn(r, right - 8, right)), `right column of ${JSON.stringify(r)} holds a change`);
        }
      },
    ),
    { numRuns: 400, seed: 0x7a11 },
  );
});

test("a typed 8x16 character in the middle of a tile is sent as 8x16 pixels, not the 64-pixel tile", () => {
  const tracker = new DamageTracker(640, 480);
  const frame = new Uint32Array(640 * 480).fill(0x202020);
  feed(tracker, frame);
  for (let y = 100; y < 116; y++) for (let x = 140; x < 148; x++) if ((x + y) % 3 === 0) frame[y * 640 + x] = 0xffffff;
  const rects = feed(tracker, frame);
  assert.deepEqual(rects, [{ x: 140, y: 100, w: 8, h: 16 }]);
});

test("deviceReset drops every cached dma-buf, turns the Console off and shows the new picture after", () => {
  const { dev, guest } = bochsFixture();
  guest.setMode({ width: 320, height: 240 });
  guest.fill(0, 0, 320, 240, 0x00111111);
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  const offs: string[] = [];
  consumer.console.addListener({ displayOff: (r) => offs.push(r) });
  consumer.refresh();
  assert.deepEqual(consumer.cachedIds, [1]);
  assert.equal(dev.ioctl(0x3b6f, 0), 0); // VFIO_DEVICE_RESET
  consumer.deviceReset();
  assert.deepEqual(consumer.cachedIds, []);
  assert.deepEqual(offs, ["device reset"]);
  assert.equal(consumer.cacheStats.evictions, 1);
  guest.setMode({ width: 320, height: 240 });
  guest.fill(0, 0, 320, 240, 0x00222222);
  consumer.refresh();
  assert.equal(consumer.console.displayOn, true);
  assert.equal(consumer.console.surface!.pixels[0], 0x00222222);
  consumer.stop();
});
