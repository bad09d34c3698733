/** DisplayConsumer.lastPlanes: the inspector's read-only copy of the last primary and cursor plane queries. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { I915_FORMAT_MOD_X_TILED } from "../../src/abi/index.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { GvtGuest } from "../../src/guest/gvt-guest.ts";
import { gvtDevice } from "../helpers/gvt-fixture.ts";

test("lastPlanes names the format and modifier and copies size, stride, position, hotspot and dmabuf_id", () => {
  const { dev, guestDev, ram } = gvtDevice({ ramMiB: 64 });
  const guest = GvtGuest.attach(guestDev, ram);
  guest.show(guest.allocSurface({ width: 640, height: 480, modifier: I915_FORMAT_MOD_X_TILED }));
  const consumer = new DisplayConsumer(dev);
  consumer.start();
  assert.deepEqual(consumer.lastPlanes, {}, "nothing before the first poll");
  const c = guest.allocCursor(64);
  guest.setCursor(c);
  guest.moveCursor(100, 120);
  consumer.refresh();
  const first = consumer.lastPlanes;
  assert.equal(first.primary?.visible, true);
  assert.equal(first.primary?.drmFormat, "XRGB8888");
  assert.match(first.primary!.modifier, /X_TILED/);
  assert.deepEqual([first.primary!.width, first.primary!.height, first.primary!.stride], [640, 480, 2560]);
  assert.ok(first.primary!.id > 0);
  assert.equal(first.cursor?.drmFormat, "ARGB8888");
  assert.deepEqual([first.cursor!.x, first.cursor!.y, first.cursor!.width], [100, 120, 64]);
  assert.equal(first.cursor!.hotspot, null, "no hotspot set yet: unknown");
  assert.notEqual(first.cursor!.id, first.primary!.id);

  guest.setHotspot(3, 4);
  guest.moveCursor(200, 220);
  consumer.refresh();
  const second = consumer.lastPlanes;
  assert.deepEqual(second.cursor!.hotspot, { x: 3, y: 4 });
  assert.deepEqual([second.cursor!.x, second.cursor!.y], [200, 220]);
  assert.deepEqual([first.cursor!.x, first.cursor!.y], [100, 120], "an earlier snapshot is a copy, not a live view");

  guest.hideCursor();
  consumer.refresh();
  assert.equal(consumer.lastPlanes.cursor?.visible, false);
  consumer.stop();
});
