/** RateMeter: fps counts only frames with damage, bytes/s from the VNC total, over the real sample interval. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Console } from "../../src/display/console.ts";
import { RateMeter } from "../../src/web/rate-meter.ts";

function damage(count: number) {
  return { count, rects: Array.from({ length: count }, () => ({ x: 0, y: 0, w: 1, h: 1 })) };
}

test("fps and bytes/s over the sample's real length; frames without damage do not count", () => {
  const c = new Console("t");
  let now = 1000;
  let bytes = 0;
  const m = new RateMeter(c, () => bytes, () => now);
  m.start(60_000);
  assert.equal(c.watchers, 0, "it only listens: it does not keep the consumer polling");
  c.addListener({});
  assert.equal(c.watchers, 1, "a viewer does");
  c.publishSurface({ width: 1, height: 1, pixels: new Uint32Array(1) });
  for (let i = 0; i < 30; i++) c.publishUpdate(damage(1));
  c.publishUpdate(damage(0));
  bytes = 5000;
  now += 2000;
  assert.deepEqual(m.sample(), { fps: 15, bytesPerSecond: 2500 });
  now += 500;
  assert.deepEqual(m.sample(), { fps: 0, bytesPerSecond: 0 }, "nothing new");
  m.stop();
  assert.equal(c.watchers, 1, "stopping the meter leaves the viewer watching");
  c.publishUpdate(damage(1));
  now += 1000;
  assert.deepEqual(m.sample(), { fps: 0, bytesPerSecond: 0 }, "a stopped meter hears nothing");
});

test("property: any sequence of frames and byte counts gives fps = damaged frames / seconds", () => {
  fc.assert(
    fc.property(fc.array(fc.nat(5), { maxLength: 200 }), fc.integer({ min: 1, max: 10_000 }), fc.nat(1e9), (counts, ms, sent) => {
      const c = new Console("p");
      let now = 0;
      const m = new RateMeter(c, () => (now === 0 ? 0 : sent), () => now);
      m.start(60_000);
      for (const n of counts) c.publishUpdate(damage(n));
      now = ms;
      const r = m.sample();
      m.stop();
      const frames = counts.filter((n) => n > 0).length;
      assert.equal(r.fps, Math.round((frames / (ms / 1000)) * 10) / 10);
      assert.equal(r.bytesPerSecond, Math.round(sent / (ms / 1000)));
    }),
  );
});
