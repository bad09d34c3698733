/**
 * Damage-based repaint (the desktop restores the wallpaper only where the back buffer last had windows):
 * the RepaintTracker's bookkeeping, and frame-for-frame equality with whole redraws under random input,
 * drags, mode changes and console switches, on two-buffer and one-buffer displays, with and without a
 * cursor plane.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { CursorImage, DisplayMode, GuestDisplay, LinearImage } from "../../../src/guest/guest-display.ts";
import { DesktopWorkload } from "../../../src/guest/workloads/desktop.ts";
import { createImage, fillRect } from "../../../src/guest/workloads/draw.ts";
import { Buttons } from "../../../src/guest/workloads/input.ts";
import { RepaintTracker, subtractRects, type Rect } from "../../../src/guest/workloads/repaint-tracker.ts";

/** A display in plain memory: `count` buffers of the current mode, stride = width, an optional cursor plane. */
class MemoryDisplay implements GuestDisplay {
  readonly maxMode: DisplayMode = { width: 1280, height: 800 };
  mode: DisplayMode | undefined;
  shown = 0;
  private images: LinearImage[] = [];
  constructor(
    private readonly count: number,
    readonly hasCursor: boolean,
  ) {}
  get bufferCount(): number {
    return this.mode ? this.count : 0;
  }
  setMode(mode: DisplayMode): void {
    this.mode = { ...mode };
    this.images = Array.from({ length: this.count }, () => createImage(mode.width, mode.height));
    this.shown = 0;
  }
  disable(): void {
    this.mode = undefined;
  }
  buffer(n: number): LinearImage {
    return this.images[n]!;
  }
  present(n: number): void {
    this.shown = n;
  }
  setCursor(_image: CursorImage | undefined): void {}
  moveCursor(_x: number, _y: number): void {}
  preferredMode(): DisplayMode | undefined {
    return undefined;
  }
  /** What is on screen now. */
  screen(): Uint32Array {
    return this.images[this.shown]!.pixels;
  }
}

function firstDifference(a: Uint32Array, b: Uint32Array, width: number): string | undefined {
  if (a.length !== b.length) return `sizes ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `pixel (${i % width}, ${Math.floor(i / width)}): ${a[i]!.toString(16)} against ${b[i]!.toString(16)}`;
  return undefined;
}

test("RepaintTracker: nothing known until drawn; the rects back (a copy) for the same buffer and image; unknown for other memory, another shape, or after forget", () => {
  const t = new RepaintTracker();
  const a = createImage(64, 32);
  const b = createImage(64, 32);
  assert.equal(t.staleRects(0, a), undefined);
  const rects = [{ x: -3, y: 4, w: 10, h: 12 }];
  t.drawn(0, a, rects);
  rects[0]!.w = 99;
  assert.deepEqual(t.staleRects(0, a), [{ x: -3, y: 4, w: 10, h: 12 }]);
  assert.deepEqual(t.staleRects(0, { ...a }), [{ x: -3, y: 4, w: 10, h: 12 }], "another view object of the same memory and shape");
  assert.equal(t.staleRects(1, a), undefined, "another buffer");
  assert.equal(t.staleRects(0, b), undefined, "other memory");
  assert.equal(t.staleRects(0, { ...a, width: 32, stridePixels: 32, height: 64 }), undefined, "another shape");
  assert.equal(t.staleRects(0, { ...a, pixels: a.pixels.subarray(64) }), undefined, "the same memory at another offset");
  t.forget();
  assert.equal(t.staleRects(0, a), undefined);
});

const rect: fc.Arbitrary<Rect> = fc.record({ x: fc.integer({ min: -8, max: 40 }), y: fc.integer({ min: -8, max: 40 }), w: fc.integer({ min: -2, max: 30 }), h: fc.integer({ min: -2, max: 30 }) });

function inside(r: Rect, x: number, y: number): boolean {
  return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

test("subtractRects: a pixel is in the result exactly when it is in some rect and in no hole; pieces of one rect never overlap", () => {
  fc.assert(
    fc.property(fc.array(rect, { maxLength: 4 }), fc.array(rect, { maxLength: 5 }), (rects, holes) => {
      const out = subtractRects(rects, holes);
      for (let y = -10; y < 75; y++) for (let x = -10; x < 75; x++) {
        const want = rects.some((r) => inside(r, x, y)) && !holes.some((h) => inside(h, x, y));
        const covering = out.filter((r) => inside(r, x, y)).length;
        const sources = rects.filter((r) => r.w > 0 && r.h > 0 && inside(r, x, y)).length;
        assert.equal(covering > 0, want, `pixel (${x}, ${y})`);
        assert.ok(covering <= sources, `pixel (${x}, ${y}) is in ${covering} pieces from ${sources} rects`);
      }
      for (const r of out) assert.ok(r.w > 0 && r.h > 0, "no empty pieces");
    }),
    { numRuns: 300 },
  );
});

type Step =
  | { kind: "frames"; n: number }
  | { kind: "move"; x: number; y: number; buttons: number }
  | { kind: "key"; keysym: number }
  | { kind: "mode"; width: number; height: number }
  | { kind: "switch"; colour: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("frames" as const), n: fc.integer({ min: 1, max: 4 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("move" as const), x: fc.integer({ min: -50, max: 700 }), y: fc.integer({ min: -50, max: 450 }), buttons: fc.constantFrom(0, Buttons.LEFT) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("key" as const), keysym: fc.integer({ min: 0x20, max: 0x7e }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mode" as const), width: fc.integer({ min: 200, max: 960 }), height: fc.integer({ min: 150, max: 640 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("switch" as const), colour: fc.integer({ min: 0, max: 0xffffff }) }) },
);

/** One workload on its own display, driven by the steps; calls `check` after every frame. */
function drive(repaint: "damage" | "whole", buffers: number, cursorPlane: boolean, steps: Step[], check: (frame: number, display: MemoryDisplay) => void): void {
  const display = new MemoryDisplay(buffers, cursorPlane);
  const desk = new DesktopWorkload({ seed: 7, mode: { width: 640, height: 400 }, repaint });
  desk.start(display);
  let t = 0;
  let frame = 0;
  const tick = (): void => {
    t += 1000 / 60;
    desk.frame(t);
    check(frame++, display);
  };
  tick();
  for (const s of steps) {
    if (s.kind === "frames") for (let i = 0; i < s.n; i++) tick();
    else if (s.kind === "move") desk.input({ type: "pointer", x: s.x, y: s.y, buttons: s.buttons });
    else if (s.kind === "key") {
      desk.input({ type: "key", down: true, keysym: s.keysym });
      desk.input({ type: "key", down: false, keysym: s.keysym });
    } else if (s.kind === "mode") {
      display.setMode({ width: s.width, height: s.height });
      desk.resized();
    } else {
      // another console draws into every buffer and shows one, then hands the display back
      desk.suspend();
      for (let n = 0; n < display.bufferCount; n++) fillRect(display.buffer(n), 0, 0, 4096, 4096, s.colour);
      display.present(display.bufferCount - 1);
      t += 1000 / 60;
      desk.frame(t);
      desk.resume();
    }
  }
  tick();
}

test("desktop damage repaint: every frame equals a whole redraw, under random pointer drags, typing, mode changes and console switches (2 and 1 buffers, with and without a cursor plane)", () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), fc.constantFrom(1, 2), fc.boolean(), (steps, buffers, cursorPlane) => {
      const whole: Uint32Array[] = [];
      drive("whole", buffers, cursorPlane, steps, (_f, d) => whole.push(d.screen().slice()));
      drive("damage", buffers, cursorPlane, steps, (f, d) => {
        const diff = firstDifference(d.screen(), whole[f]!, d.mode!.width);
        assert.equal(diff, undefined, `frame ${f}`);
      });
    }),
    { numRuns: 100 },
  );
});

test("desktop damage repaint: wallpaper that no window covered in the back buffer's last frame or this one is not rewritten", () => {
  for (const repaint of ["damage", "whole"] as const) {
    const display = new MemoryDisplay(2, true);
    const desk = new DesktopWorkload({ seed: 7, mode: { width: 640, height: 400 }, repaint });
    desk.start(display);
    desk.frame(0);
    desk.frame(16);
    // The bottom-left corner: wallpaper in both buffers (the windows drift around the middle).
    const corner = (n: number): number => display.buffer(n).pixels[399 * 640]!;
    const wallpaper = corner(0);
    assert.equal(corner(1), wallpaper);
    const back = 1 - display.shown;
    display.buffer(back).pixels[399 * 640] = 0x123456;
    desk.frame(33);
    assert.equal(display.shown, back);
    if (repaint === "damage") assert.equal(corner(back), 0x123456, "damage repaint did not touch it");
    else assert.equal(corner(back), wallpaper, "a whole redraw rewrites it");
  }
});
