/**
 * Row prints (native/row-print.h): the native damage pass recognises an unchanged row by a 64-byte print of
 * the new row instead of comparing it with the surface. The print must change with any change a guest
 * makes to a row, including stripes of it trading places; the damage must be the same with prints as
 * without; and a surface written behind the tracker's back (a blanked display) must not be trusted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { DamageTracker, damageRects } from "../../src/display/damage-tracker.ts";
import { nativeRowPrint, nativeRowPrintsAvailable, ROW_PRINT_BYTES } from "../../src/display/native-damage.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { noisePixels as noise } from "../helpers/noise-rect.ts";

/** What the CPU says: prints need x86-64 with AVX2. */
function cpuHasAvx2(): boolean {
  if (process.arch !== "x64") return false;
  return /^flags\s*:.*\bavx2\b/m.test(readFileSync("/proc/cpuinfo", "utf8"));
}

/**
 * Whether this CPU computes prints. Where it does not (no AVX2), the print tests check only that the binding
 * says so (undefined) rather than being skipped: there is nothing else to test there.
 */
function printsHere(): boolean {
  if (cpuHasAvx2()) return true;
  assert.equal(nativeRowPrint()!(new Uint8Array(64)), undefined);
  return false;
}

function print(pixels: Uint32Array): Uint8Array {
  const p = nativeRowPrint()!(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
  assert.ok(p, "prints are available");
  return p;
}

test("row prints are computed where the CPU has AVX2 (x86-64), and the tracker uses them there", () => {
  assert.equal(nativeRowPrintsAvailable(), cpuHasAvx2());
  assert.equal(new DamageTracker(64, 4).usesRowPrints, cpuHasAvx2());
  assert.equal(new DamageTracker(64, 4, 64, { rowPrints: false }).usesRowPrints, false);
});

test("a row print is 64 bytes, the same for the same pixels, and changes with any one pixel", () => {
  if (!printsHere()) return;
  // 1,000 pixels: 62 whole 64-byte stripes (three 1 KiB blocks and more) and a partial last stripe
  const row = noise(1000, 7);
  const p = print(row);
  assert.equal(p.length, ROW_PRINT_BYTES);
  assert.deepEqual(print(row.slice()), p);
  for (let x = 0; x < row.length; x++) {
    for (const flip of [1, 0x80000000, 0x00ff00]) {
      const changed = row.slice();
      changed[x] = (changed[x]! ^ flip) >>> 0;
      assert.notDeepEqual(print(changed), p, `pixel ${x} xor 0x${flip.toString(16)}`);
    }
  }
});

test("a row print changes when stripes of the row trade places, inside a 1 KiB block or across blocks", () => {
  if (!printsHere()) return;
  // 64-byte stripes are 16 pixels: two glyph cells of a console swapping places, say
  const row = noise(1920, 3);
  const p = print(row);
  const stripes = row.length / 16;
  for (const [a, b] of [[0, 1], [3, 12], [0, 16], [5, 21], [17, 100], [stripes - 2, stripes - 1]] as const) {
    const swapped = row.slice();
    swapped.set(row.subarray(a * 16, a * 16 + 16), b * 16);
    swapped.set(row.subarray(b * 16, b * 16 + 16), a * 16);
    assert.notDeepEqual(print(swapped), p, `stripes ${a} and ${b}`);
  }
  // two equal halves of a row are no special case either: a row of one colour, then one pixel changed in each half
  const flat = new Uint32Array(1920).fill(0x00202020);
  const q = print(flat);
  const left = flat.slice();
  left[10] = 0x00ffffff;
  const right = flat.slice();
  right[970] = 0x00ffffff;
  assert.notDeepEqual(print(left), q);
  assert.notDeepEqual(print(right), q);
  assert.notDeepEqual(print(left), print(right));
});

test("a row print refuses bytes that are not whole pixels", () => {
  if (!printsHere()) return;
  assert.throws(() => nativeRowPrint()!(new Uint8Array(10)), /whole number of pixels/);
});

/** One frame's change: a fill, a pixel, or two 16-pixel stripes of a row trading places. */
type Change = { kind: "fill"; x: number; y: number; w: number; h: number; colour: number } | { kind: "pixel"; x: number; y: number; colour: number } | { kind: "swap"; y: number; a: number; b: number };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("fill" as const), x: fc.nat(400), y: fc.nat(100), w: fc.integer({ min: 1, max: 400 }), h: fc.integer({ min: 1, max: 40 }), colour: fc.nat(0xffffff) }),
  fc.record({ kind: fc.constant("pixel" as const), x: fc.nat(400), y: fc.nat(100), colour: fc.nat(0xffffff) }),
  fc.record({ kind: fc.constant("swap" as const), y: fc.nat(100), a: fc.nat(40), b: fc.nat(40) }),
);

function apply(f: Uint32Array, w: number, h: number, c: Change): void {
  const y = c.y % h;
  if (c.kind === "fill") {
    for (let r = y; r < Math.min(h, y + c.h); r++) f.fill(c.colour, r * w + (c.x % w), r * w + Math.min(w, (c.x % w) + c.w));
  } else if (c.kind === "pixel") {
    f[y * w + (c.x % w)] = c.colour;
  } else {
    const n = Math.floor(w / 16);
    if (n < 2) return;
    const a = y * w + (c.a % n) * 16;
    const b = y * w + (c.b % n) * 16;
    const keep = f.slice(a, a + 16);
    f.copyWithin(a, b, b + 16);
    f.set(keep, b);
  }
}

test("with prints and without, the tracker finds the same damage and keeps the same surface, whatever the frames", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 16, max: 400 }),
      fc.integer({ min: 1, max: 100 }),
      fc.nat(),
      fc.array(fc.array(change, { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 8 }),
      (w, h, seed, frames) => {
        const plain = new DamageTracker(w, h, 64, { rowPrints: false });
        const printed = new DamageTracker(w, h, 64);
        const frame = noise(w * h, seed);
        // frames of few changes keep prints in use (a frame that changed most rows turns them off for the next)
        for (const changes of [[], ...frames]) {
          for (const c of changes) apply(frame, w, h, c);
          const bytes = new Uint8Array(frame.buffer);
          assert.ok(plain.rows(bytes, w * 4, 0, h));
          assert.ok(printed.rows(bytes, w * 4, 0, h));
          const a = plain.endFrame();
          const b = printed.endFrame();
          assert.deepEqual(damageRects(b), damageRects(a));
          assert.deepEqual(b.move, a.move);
          assert.deepEqual(printed.surface, frame);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("after forgetRowPrints() a surface written from outside is compared again, row by row", () => {
  const w = 320;
  const h = 40;
  const frame = noise(w * h, 11);
  const bytes = new Uint8Array(frame.buffer);
  const t = new DamageTracker(w, h);
  t.rows(bytes, w * 4, 0, h);
  t.endFrame();
  t.rows(bytes, w * 4, 0, h); // unchanged: every row keeps its print, and the next frame will use them
  assert.equal(t.endFrame().count, 0);
  t.surface.fill(0);
  t.forgetRowPrints();
  t.rows(bytes, w * 4, 0, h);
  assert.deepEqual(damageRects(t.endFrame()), [{ x: 0, y: 0, w, h }]);
  assert.deepEqual(t.surface, frame);
});

test("a display blanked while off shows the guest's frame again when it comes back, though the frame did not change", () => {
  const { dev, guest } = bochsFixture();
  const consumer = new DisplayConsumer(dev, { blankWhenOff: true });
  consumer.start();
  guest.setMode({ width: 320, height: 240 });
  guest.fill(0, 0, 320, 240, 0x00abcdef);
  consumer.refresh();
  consumer.refresh(); // an unchanged frame: its rows' prints are what the next frame is checked against
  guest.disable();
  consumer.refresh();
  assert.equal(consumer.console.surface!.pixels[0], 0, "blanked");
  guest.setMode({ width: 320, height: 240 });
  consumer.refresh();
  const pixels = consumer.console.surface!.pixels;
  assert.equal(pixels[0], 0x00abcdef);
  assert.equal(pixels[239 * 320 + 319], 0x00abcdef);
  consumer.stop();
});
