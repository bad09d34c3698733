/** The consumer against the GVT model: tiled planes in scattered guest pages, other formats, the cursor plane. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DrmFormat, I915_FORMAT_MOD_X_TILED, I915_FORMAT_MOD_Y_TILED, I915_FORMAT_MOD_Yf_TILED, type DeviceFile } from "../../src/abi/index.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import type { CursorShape } from "../../src/display/console.ts";
import { GvtGuest } from "../../src/guest/gvt-guest.ts";
import { fillRect } from "../../src/guest/tiled-surface.ts";
import { gvtDevice } from "../helpers/gvt-fixture.ts";

function gvt(shuffleSeed?: number): { dev: DeviceFile; guest: GvtGuest } {
  const { dev, guestDev, ram } = gvtDevice({ ramMiB: 64 });
  return { dev, guest: GvtGuest.attach(guestDev, ram, shuffleSeed === undefined ? {} : { shuffleSeed }) };
}

for (const [name, modifier] of [["X", I915_FORMAT_MOD_X_TILED], ["Y", I915_FORMAT_MOD_Y_TILED], ["Yf", I915_FORMAT_MOD_Yf_TILED]] as const) {
  test(`a ${name}-tiled XRGB8888 plane in scattered guest pages reaches the Console pixel-exact`, () => {
    const { dev, guest } = gvt(42);
    const s = guest.allocSurface({ width: 640, height: 480, modifier });
    fillRect(s, 0, 0, 640, 480, 0x00102030);
    fillRect(s, 100, 50, 200, 100, 0x00ff8000);
    guest.show(s);
    const consumer = new DisplayConsumer(dev);
    assert.equal(consumer.start(), "dmabuf");
    consumer.refresh();
    const px = consumer.console.surface!.pixels;
    assert.equal(px[10 * 640 + 10]! & 0xffffff, 0x102030);
    assert.equal(px[60 * 640 + 150]! & 0xffffff, 0xff8000);
    assert.equal(px[149 * 640 + 299]! & 0xffffff, 0xff8000);
    assert.equal(px[150 * 640 + 299]! & 0xffffff, 0x102030);
    // drawing after the first frame: the next refresh SYNCs the dma-buf and sees it
    fillRect(s, 600, 400, 10, 10, 0x00ffffff);
    let damage = 0;
    consumer.console.addListener({ update: (d) => (damage += d.count) });
    consumer.refresh();
    assert.equal(px[405 * 640 + 605]! & 0xffffff, 0xffffff);
    assert.ok(damage >= 1);
    consumer.stop();
  });
}

test("RGB565 and YUYV planes are decoded into the Console", () => {
  for (const drmFormat of [DrmFormat.RGB565, DrmFormat.YUYV, DrmFormat.XBGR2101010]) {
    const { dev, guest } = gvt();
    const s = guest.allocSurface({ width: 320, height: 200, drmFormat });
    fillRect(s, 0, 0, 320, 200, 0x00ff0000);
    guest.show(s);
    const consumer = new DisplayConsumer(dev);
    consumer.start();
    consumer.refresh();
    const v = consumer.console.surface!.pixels[100 * 320 + 100]! & 0xffffff;
    assert.ok(((v >> 16) & 0xff) > 240 && ((v >> 8) & 0xff) < 16 && (v & 0xff) < 16, `red, got ${v.toString(16)} for 0x${drmFormat.toString(16)}`);
    consumer.stop();
  }
});

test("the cursor plane becomes the Console cursor: shape with hotspot; a move sends no new shape", () => {
  const { dev, guest } = gvt();
  const s = guest.allocSurface({ width: 640, height: 480 });
  guest.show(s);
  const c = guest.allocCursor(64);
  guest.fill(c, 0, 0, 64, 64, 0x80ff0000);
  guest.setCursor(c);
  guest.moveCursor(100, 120);
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  const shapes: (CursorShape | undefined)[] = [];
  const moves: string[] = [];
  consumer.console.addListener({ cursorShape: (sh) => shapes.push(sh), cursorMove: (x, y) => moves.push(`${x},${y}`) });
  consumer.refresh();
  assert.equal(shapes.length, 1);
  assert.deepEqual([shapes[0]!.width, shapes[0]!.height, shapes[0]!.hotX, shapes[0]!.hotY], [64, 64, 0, 0], "unknown hotspot → 0,0");
  assert.equal(shapes[0]!.pixels[5 * 64 + 5]! >>> 0, 0x80ff0000);
  const gets = consumer.cacheStats.misses;
  guest.moveCursor(200, 220);
  consumer.refresh();
  assert.deepEqual(moves, ["100,120", "200,220"]);
  assert.equal(shapes.length, 1, "a move with the same id sends no new shape");
  assert.equal(consumer.cacheStats.misses, gets, "and no new GET");
  guest.setHotspot(3, 4);
  guest.moveCursor(201, 220);
  consumer.refresh();
  assert.equal(consumer.console.cursorPosition.x, 201);
  guest.hideCursor();
  consumer.refresh();
  assert.equal(shapes.at(-1), undefined, "cursor gone");
  consumer.stop();
});
