/**
 * Lossless refresh: what a client got as JPEG it gets again losslessly once that area stops changing —
 * the tracker's rules with a test clock, then the server with our client: a still picture ends exact, a
 * changing area stays lossy while a still one beside it is refreshed, a lossless client gets nothing extra.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LosslessRefresh, REFRESH_DELAY_MS, REFRESH_SLICE_AREA } from "../../src/rfb/lossless-refresh.ts";
import { Encoding, PseudoEncoding as P } from "../../src/rfb/encodings.ts";
import type { RfbClient } from "../../src/rfb/client/rfb-client.ts";
import { fullUpdate, startServer, until } from "../helpers/rfb-server-fixture.ts";
import { Prng } from "../../src/guest/workloads/prng.ts";

function tracker(width: number, height: number) {
  let t = 1000;
  let dueCalls = 0;
  const r = new LosslessRefresh(width, height, () => dueCalls++, () => t);
  return { r, advance: (ms: number) => (t += ms), dueCalls: () => dueCalls };
}

test("a lossy area is due after the quiet period, as whole tiles, and is clean once sent again", () => {
  const { r, advance } = tracker(200, 100);
  r.sent([{ x: 0, y: 0, w: 200, h: 100 }], [{ x: 70, y: 10, w: 20, h: 20 }]);
  assert.ok(r.hasLossy);
  assert.deepEqual(r.takeDue(), [], "not yet: it may still be moving");
  advance(REFRESH_DELAY_MS - 1);
  assert.equal(r.isDue, false);
  advance(1);
  assert.equal(r.isDue, true);
  const due = r.takeDue();
  assert.deepEqual(due, [{ x: 64, y: 0, w: 64, h: 64 }]);
  r.sent(due, []);
  assert.equal(r.hasLossy, false);
  assert.deepEqual(r.takeDue(), []);
});

test("lossless damage over a whole tile cleans it; partial cover does not; new lossy damage restarts the wait", () => {
  const { r, advance } = tracker(130, 70);
  r.sent([], [{ x: 0, y: 0, w: 130, h: 70 }]); // tiles 0,1,2 × 0,1 (the right and bottom ones cut by the edge)
  r.sent([{ x: 64, y: 0, w: 66, h: 64 }], []); // covers tile (2,0) up to the edge and tile (1,0)
  r.sent([{ x: 0, y: 0, w: 63, h: 64 }], []); // one column short of tile (0,0)
  advance(100);
  r.sent([], [{ x: 0, y: 64, w: 10, h: 6 }]); // tile (0,1) lossy again, later
  advance(REFRESH_DELAY_MS - 100);
  assert.deepEqual(r.takeDue(), [
    { x: 0, y: 0, w: 64, h: 64 },
    { x: 64, y: 64, w: 66, h: 6 },
  ]);
  r.sent([{ x: 0, y: 0, w: 64, h: 64 }, { x: 64, y: 64, w: 66, h: 6 }], []);
  advance(100);
  assert.deepEqual(r.takeDue(), [{ x: 0, y: 64, w: 64, h: 6 }]);
});

test("a CopyRect carries lossiness to where it copies; a refresh goes in slices of bounded area", () => {
  const small = tracker(640, 480);
  small.r.sent([], [{ x: 0, y: 448, w: 100, h: 32 }]);
  small.r.moved([{ x: 0, y: 64, w: 640, h: 320, srcX: 0, srcY: 160 }]); // a scroll up by 96: rows 64…383 hold what 160…479 held
  small.advance(REFRESH_DELAY_MS);
  assert.deepEqual(small.r.takeDue(), [
    { x: 0, y: 64, w: 640, h: 320 },
    { x: 0, y: 448, w: 128, h: 32 },
  ]);
  // a window dragged from a lossy area onto a clean one, and a clean one onto a lossy area, in one update
  const drag = tracker(640, 480);
  drag.r.sent([], [{ x: 0, y: 0, w: 128, h: 128 }]);
  drag.r.moved([
    { x: 256, y: 256, w: 128, h: 128, srcX: 0, srcY: 0 },
    { x: 0, y: 0, w: 128, h: 128, srcX: 448, srcY: 0 },
  ]);
  drag.advance(REFRESH_DELAY_MS);
  assert.deepEqual(drag.r.takeDue(), [{ x: 256, y: 256, w: 128, h: 128 }], "the lossy source's copy is lossy, the clean copy over the old lossy area is clean");
  const { r, advance } = tracker(3840, 2160);
  // the whole 4K screen lossy: several slices, none bigger than the bound plus one tile row of a run
  r.sent([], [{ x: 0, y: 0, w: 3840, h: 2160 }]);
  advance(REFRESH_DELAY_MS);
  let slices = 0;
  let area = 0;
  for (let s = r.takeDue(); s.length > 0; s = r.takeDue()) {
    const a = s.reduce((n, q) => n + q.w * q.h, 0);
    assert.ok(a <= REFRESH_SLICE_AREA + 3840 * 64, `slice of ${a} px`);
    area += a;
    slices++;
    r.sent(s, []);
  }
  assert.equal(area, 3840 * 2160);
  assert.ok(slices >= Math.ceil((3840 * 2160) / (REFRESH_SLICE_AREA + 3840 * 64)), `${slices} slices`);
  assert.equal(r.hasLossy, false);
});

test("the tracker wakes its owner when the oldest lossy tile becomes due", async () => {
  let woken = 0;
  const r = new LosslessRefresh(64, 64, () => woken++);
  r.sent([], [{ x: 0, y: 0, w: 8, h: 8 }]);
  await new Promise((res) => setTimeout(res, REFRESH_DELAY_MS / 2));
  assert.equal(woken, 0);
  await until(() => woken === 1, REFRESH_DELAY_MS * 3, "the wake-up");
  r.cancel();
});

/** Pixels of the client's framebuffer that differ from the console's in a rect. */
function differing(c: RfbClient, pixels: Uint32Array, width: number, x0: number, y0: number, w: number, h: number): number {
  let n = 0;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) if ((c.framebuffer.pixels[y * width + x]! & 0xffffff) !== (pixels[y * width + x]! & 0xffffff)) n++;
  }
  return n;
}

/** Keep asking for incremental updates until `cond` holds. */
async function updatesUntil(c: RfbClient, cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await Promise.race([c.requestUpdate({ incremental: true }), new Promise((r) => setTimeout(r, 100))]);
  }
}

test("a Tight JPEG client's picture ends pixel-exact once it stops changing; a lossless client is sent nothing more", async () => {
  const s = await startServer({ width: 256, height: 192 });
  const jpeg = await s.connect({ encodings: [Encoding.Tight, P.QualityLevel0 + 5] });
  const lossless = await s.connect({ encodings: [Encoding.Tight] });
  const all = (c: RfbClient) => differing(c, s.pixels, s.width, 0, 0, s.width, s.height);
  try {
    await fullUpdate(jpeg);
    await fullUpdate(lossless);
    assert.equal(all(lossless), 0);
    assert.ok(all(jpeg) > 1000, `the first picture is JPEG in its noisy parts (${all(jpeg)} pixels differ)`);
    await updatesUntil(jpeg, () => all(jpeg) === 0, 5000, "the lossless refresh");

    // the lossless client gets no refresh: its request stays unanswered while nothing changes
    const answered = await Promise.race([
      lossless.requestUpdate({ incremental: true }).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), REFRESH_DELAY_MS * 2)),
    ]);
    assert.equal(answered, false, "nothing to send to a client that has it exact");

    // new noise in one rect: lossy at first, exact again after it settles
    const rnd = new Prng(7);
    for (let y = 100; y < 180; y++) for (let x = 140; x < 250; x++) s.pixels[y * s.width + x] = rnd.u32() & 0xffffff;
    s.console.publishUpdate({ count: 1, rects: [{ x: 140, y: 100, w: 110, h: 80 }] });
    await updatesUntil(jpeg, () => differing(jpeg, s.pixels, s.width, 140, 100, 110, 80) > 0, 3000, "the JPEG of the new noise");
    await updatesUntil(jpeg, () => all(jpeg) === 0, 5000, "the refresh of the new noise");
  } finally {
    jpeg.close();
    lossless.close();
    await s.close();
  }
});

test("while one area keeps changing (video), a still lossy area beside it is refreshed", async () => {
  const s = await startServer({ width: 256, height: 192 });
  const c = await s.connect({ encodings: [Encoding.Tight, P.QualityLevel0 + 5] });
  const rnd = new Prng(3);
  // "video" in the top-left 64×48; the still noisy quarter is the bottom right (x ≥ 128, y ≥ 96)
  const video = setInterval(() => {
    for (let y = 0; y < 48; y++) for (let x = 0; x < 64; x++) s.pixels[y * s.width + x] = rnd.u32() & 0xffffff;
    s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: 64, h: 48 }] });
  }, 40);
  try {
    await fullUpdate(c);
    assert.ok(differing(c, s.pixels, s.width, 128, 96, 128, 96) > 0, "the noisy quarter starts lossy");
    await updatesUntil(c, () => differing(c, s.pixels, s.width, 128, 96, 128, 96) === 0, 5000, "the still quarter's refresh");
    assert.ok(differing(c, s.pixels, s.width, 0, 0, 64, 48) > 0, "the video area is still sent as JPEG");
  } finally {
    clearInterval(video);
    c.close();
    await s.close();
  }
});
