/**
 * Scroll detection in the damage tracker: a band that moved up (a console scrolling by a text line) is
 * reported as a VerticalMove the VNC server turns into a CopyRect; ordinary changes report none.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DamageTracker, pixelSource } from "../../src/display/damage-tracker.ts";
import { Encoding, PseudoEncoding } from "../../src/rfb/encodings.ts";
import { fullUpdate, startServer } from "../helpers/rfb-server-fixture.ts";

function feed(tracker: DamageTracker, frame: Uint32Array) {
  const w = tracker.width;
  const bytes = new Uint8Array(frame.buffer);
  const src = pixelSource(bytes);
  for (let y = 0; y < tracker.height; y++) tracker.row(y, src, y * w * 4);
  return tracker.endFrame();
}

/** Rows of text-like noise: every row different from every other. */
function rows(w: number, h: number, seed: number): Uint32Array {
  const f = new Uint32Array(w * h);
  let s = seed;
  for (let i = 0; i < f.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    f[i] = s >>> 8;
  }
  return f;
}

test("a console scrolling up by a line is reported as a move of the band that stayed", () => {
  const w = 96;
  const h = 160;
  const t = new DamageTracker(w, h);
  const a = rows(w, h, 1);
  feed(t, a);
  for (const dy of [16, 32, 1]) {
    const prev = t.surface.slice();
    const b = new Uint32Array(w * h);
    b.set(prev.subarray(dy * w)); // everything up by dy rows
    b.set(rows(w, dy, 7 + dy), (h - dy) * w); // new lines at the bottom
    const d = feed(t, b);
    assert.deepEqual(d.move, { y: 0, h: h - dy, dy }, `scroll by ${dy}`);
    assert.deepEqual(t.surface, b);
  }
  const c = t.surface.slice();
  c.fill(0x123456, 10 * w, 50 * w);
  assert.equal(feed(t, c).move, undefined, "a painted block is no move");
  assert.equal(feed(t, c).move, undefined, "an unchanged frame is no move");
});

test("the server sends a scroll as CopyRect to clients that asked for it, and the rest as pixels", async () => {
  const s = await startServer({ width: 120, height: 96 });
  const copy = await s.connect({ encodings: [Encoding.CopyRect, Encoding.Raw, PseudoEncoding.ContinuousUpdates] });
  const plain = await s.connect({ encodings: [Encoding.Raw] });
  try {
    await Promise.all([fullUpdate(copy), fullUpdate(plain)]);
    const got = [copy.nextUpdate((u) => u.pixels > 0), plain.nextUpdate((u) => u.pixels > 0)];
    void copy.requestUpdate({ incremental: true }).catch(() => {});
    void plain.requestUpdate({ incremental: true }).catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    // scroll the picture up by 16 rows and paint a new bottom line
    s.pixels.copyWithin(0, 16 * 120);
    s.pixels.fill(0x00ff00, (96 - 16) * 120);
    s.console.publishUpdate({
      count: 1,
      rects: [{ x: 0, y: 0, w: 120, h: 96 }],
      moves: [{ x: 0, y: 0, w: 120, h: 80, srcX: 0, srcY: 16 }],
      rest: [{ x: 0, y: 80, w: 120, h: 16 }],
    });
    const [uc, up] = await Promise.all(got);
    assert.equal(uc!.rectsByEncoding.get("CopyRect"), 1);
    assert.equal(uc!.pixels, 120 * 96, "the CopyRect covers the band, the pixels the new line");
    assert.ok(uc!.bytes < up!.bytes / 4, `CopyRect update ${uc!.bytes} B vs ${up!.bytes} B`);
    assert.equal(up!.rectsByEncoding.get("CopyRect"), undefined);
    assert.deepEqual(copy.framebuffer.pixels, s.pixels);
    assert.deepEqual(plain.framebuffer.pixels, s.pixels);
  } finally {
    copy.close();
    plain.close();
    await s.close();
  }
});
