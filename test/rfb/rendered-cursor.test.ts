/**
 * The cursor drawn into the picture for clients without a cursor pseudo-encoding: the geometry (rects cut
 * around the cursor's box), the blend, and the server with our client — drawn in where the cursor is,
 * gone from where it was after a move or a shape change, never drawn for a client that takes the cursor as
 * a pseudo-encoding, and drawn in or taken out when a client switches.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { composite, cutOutCursor, splitAround } from "../../src/rfb/rendered-cursor.ts";
import { Encoding, PseudoEncoding as P } from "../../src/rfb/encodings.ts";
import type { RfbClient } from "../../src/rfb/client/rfb-client.ts";
import type { Rect } from "../../src/display/damage-tracker.ts";
import { fullUpdate, startServer } from "../helpers/rfb-server-fixture.ts";

const rect = (max: number) =>
  fc.record({ x: fc.integer({ min: 0, max }), y: fc.integer({ min: 0, max }), w: fc.integer({ min: 1, max }), h: fc.integer({ min: 1, max }) });

test("rects cut around the box cover exactly the rects without the box", () => {
  fc.assert(
    fc.property(fc.array(rect(40), { maxLength: 4 }), rect(30), (rects, box) => {
      const { outside, touched } = splitAround(rects, box);
      const inBox = (x: number, y: number): boolean => x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
      const inAny = (rs: readonly Rect[], x: number, y: number): number => rs.filter((r) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h).length;
      let hit = false;
      for (let y = 0; y < 82; y++) {
        for (let x = 0; x < 82; x++) {
          const wanted = inAny(rects, x, y) > 0 && !inBox(x, y);
          if (inAny(rects, x, y) > 0 && inBox(x, y)) hit = true;
          // each rect's pieces are disjoint; pieces of different rects may overlap as the rects did
          assert.equal(inAny(outside, x, y) > 0, wanted, `pixel ${x},${y}`);
          if (inBox(x, y)) assert.equal(inAny(outside, x, y), 0);
        }
      }
      assert.equal(touched, hit);
    }),
    { numRuns: 300 },
  );
});

test("an update's plan: the box is sent when damage or refresh reaches into it; with no cursor, damage over the old spot clears it", () => {
  const box = { x: 10, y: 10, w: 4, h: 4 };
  const old = { x: 50, y: 50, w: 4, h: 4 };
  const far = { x: 0, y: 30, w: 5, h: 5 };
  assert.deepEqual(cutOutCursor([[far], []], box, old), { outside: [[far], []], box: undefined, drawn: old }, "nothing near the cursor");
  const hit = cutOutCursor([[], [{ x: 8, y: 8, w: 4, h: 4 }]], box, old);
  assert.deepEqual(hit.box, box, "a refresh rect reaching into the box");
  assert.deepEqual(hit.drawn, box);
  assert.deepEqual(hit.outside[1], [{ x: 8, y: 8, w: 4, h: 2 }, { x: 8, y: 10, w: 2, h: 2 }]);
  assert.deepEqual(cutOutCursor([[{ x: 48, y: 48, w: 8, h: 8 }], []], undefined, old).drawn, undefined, "the old spot sent plain");
  assert.deepEqual(cutOutCursor([[far], []], undefined, old).drawn, old, "the old spot not sent yet");
});

test("the blend: transparent shows the surface, opaque the cursor, half alpha the mean", () => {
  const surface = { width: 4, height: 2, pixels: Uint32Array.of(0x000000, 0x102030, 0xffffff, 0x808080, 1, 2, 3, 4) };
  const cursor = { width: 2, height: 1, pixels: Uint32Array.of(0x00ff0000, 0x80ffffff), hotX: 0, hotY: 0 };
  const out = composite(surface, cursor, { x: 1, y: 0 }, { x: 1, y: 0, w: 2, h: 1 });
  assert.deepEqual([out.width, out.height], [2, 1]);
  assert.equal(out.pixels[0], 0x102030, "alpha 0: the surface");
  assert.equal(out.pixels[1], 0xffffff, "white over white");
  const half = composite(surface, { ...cursor, pixels: Uint32Array.of(0x80ffffff, 0xff00ff00) }, { x: 0, y: 0 }, { x: 0, y: 0, w: 2, h: 1 });
  assert.equal(half.pixels[0], 0x808080, "alpha 128 of white over black");
  assert.equal(half.pixels[1], 0x00ff00, "opaque green");
});

function fbAt(c: RfbClient, width: number, x: number, y: number): number {
  return c.framebuffer.pixels[y * width + x]! & 0xffffff;
}

test("a client without cursor encodings sees the cursor drawn in, follows its moves and shape changes; a cursor-encoding client never does", async () => {
  const s = await startServer({ width: 160, height: 120 });
  const arrow = new Uint32Array(8 * 8).fill(0xffff0000); // opaque red, 8×8
  arrow[0] = 0x00000000; // one transparent pixel
  s.console.publishCursor({ width: 8, height: 8, pixels: arrow, hotX: 0, hotY: 0 });
  s.console.publishCursorMove(20, 30);
  const plain = await s.connect({ encodings: [Encoding.ZRLE] });
  const withCursor = await s.connect({ encodings: [Encoding.ZRLE, P.CursorWithAlpha] });
  const surfaceAt = (x: number, y: number): number => s.pixels[y * s.width + x]! & 0xffffff;
  const update = (c: RfbClient) => Promise.race([c.requestUpdate({ incremental: true }), new Promise((r) => setTimeout(r, 200))]);
  try {
    await fullUpdate(plain);
    await fullUpdate(withCursor);
    assert.equal(fbAt(plain, s.width, 21, 31), 0xff0000, "drawn in at the cursor's position");
    assert.equal(fbAt(plain, s.width, 20, 30), surfaceAt(20, 30), "its transparent pixel shows the surface");
    assert.equal(fbAt(plain, s.width, 28, 38), surfaceAt(28, 38), "just outside the cursor: the surface");
    for (let i = 0; i < s.pixels.length; i++) assert.equal(withCursor.framebuffer.pixels[i]! & 0xffffff, s.pixels[i]! & 0xffffff, "the other client gets the plain picture");

    s.console.publishCursorMove(100, 90);
    for (let i = 0; i < 5 && fbAt(plain, s.width, 101, 91) !== 0xff0000; i++) await update(plain);
    assert.equal(fbAt(plain, s.width, 101, 91), 0xff0000, "drawn at the new place");
    for (let y = 30; y < 38; y++) for (let x = 20; x < 28; x++) assert.equal(fbAt(plain, s.width, x, y), surfaceAt(x, y), `old place restored at ${x},${y}`);

    // a new shape, a damage frame under the cursor, then the cursor goes away
    s.console.publishCursor({ width: 4, height: 4, pixels: new Uint32Array(16).fill(0xff0000ff), hotX: 0, hotY: 0 });
    for (let i = 0; i < 3 && fbAt(plain, s.width, 101, 91) !== 0x0000ff; i++) await update(plain);
    assert.equal(fbAt(plain, s.width, 101, 91), 0x0000ff, "the new shape");
    assert.equal(fbAt(plain, s.width, 105, 95), surfaceAt(105, 95), "what the bigger old shape covered is restored");
    s.paint(96, 86, 16, 16, 0x00ff00);
    for (let i = 0; i < 3 && fbAt(plain, s.width, 110, 100) !== 0x00ff00; i++) await update(plain);
    assert.equal(fbAt(plain, s.width, 101, 91), 0x0000ff, "the cursor stays over new pixels under it");
    assert.equal(fbAt(plain, s.width, 104, 94), 0x00ff00);
    s.console.publishCursor(undefined);
    for (let i = 0; i < 3 && fbAt(plain, s.width, 101, 91) !== 0x00ff00; i++) await update(plain);
    assert.equal(fbAt(plain, s.width, 101, 91), 0x00ff00, "no cursor: nothing drawn");

    // the cursor-encoding client's picture stayed the plain surface all along
    for (let i = 0; i < 2; i++) await update(withCursor);
    for (let i = 0; i < s.pixels.length; i++) assert.equal(withCursor.framebuffer.pixels[i]! & 0xffffff, s.pixels[i]! & 0xffffff);
  } finally {
    plain.close();
    withCursor.close();
    await s.close();
  }
});

test("switching to a cursor pseudo-encoding takes the drawn cursor out of the picture", async () => {
  const s = await startServer({ width: 64, height: 48 });
  s.console.publishCursor({ width: 4, height: 4, pixels: new Uint32Array(16).fill(0xffff00ff), hotX: 1, hotY: 1 });
  s.console.publishCursorMove(10, 10);
  const c = await s.connect({ encodings: [Encoding.Raw] });
  try {
    await fullUpdate(c);
    assert.equal(fbAt(c, s.width, 11, 11), 0xff00ff);
    c.setEncodings([Encoding.Raw, P.Cursor]);
    for (let i = 0; i < 3 && fbAt(c, s.width, 11, 11) === 0xff00ff; i++) await Promise.race([c.requestUpdate({ incremental: true }), new Promise((r) => setTimeout(r, 200))]);
    assert.equal(fbAt(c, s.width, 11, 11), s.pixels[11 * s.width + 11]! & 0xffffff);
    assert.ok(c.cursor, "the cursor came as a pseudo-encoding instead");
  } finally {
    c.close();
    await s.close();
  }
});

test("a CopyRect whose source holds the drawn cursor: where the copy put it is sent again (cursorCopies)", async () => {
  const s = await startServer({ width: 160, height: 120 });
  s.console.publishCursor({ width: 8, height: 8, pixels: new Uint32Array(64).fill(0xffff0000), hotX: 0, hotY: 0 });
  s.console.publishCursorMove(30, 30);
  const c = await s.connect({ encodings: [Encoding.CopyRect, Encoding.Raw] });
  try {
    await fullUpdate(c);
    assert.equal(fbAt(c, s.width, 31, 31), 0xff0000, "drawn in");
    // a 64×64 window at (20, 20), holding the drawn cursor, moves right by 50: the client copies it (cursor
    // and all) to (70, 20) and must get that spot again without the cursor, which stays at (30, 30)
    const before = s.pixels.slice();
    for (let y = 0; y < 64; y++) s.pixels.set(before.subarray((20 + y) * s.width + 20, (20 + y) * s.width + 84), (20 + y) * s.width + 70);
    for (let y = 20; y < 84; y++) s.pixels.fill(0x123456, y * s.width + 20, y * s.width + 70);
    const got = c.nextUpdate((u) => u.rectsByEncoding.get("CopyRect") === 1);
    void c.requestUpdate({ incremental: true }).catch(() => {});
    s.console.publishUpdate({
      count: 1,
      rects: [{ x: 20, y: 20, w: 114, h: 64 }],
      moves: [{ x: 70, y: 20, w: 64, h: 64, srcX: 20, srcY: 20 }],
      rest: [{ x: 20, y: 20, w: 50, h: 64 }],
    });
    await got;
    for (let y = 20; y < 84; y++) {
      for (let x = 20; x < 134; x++) {
        const inCursor = x >= 30 && x < 38 && y >= 30 && y < 38;
        assert.equal(fbAt(c, s.width, x, y), inCursor ? 0xff0000 : s.pixels[y * s.width + x]! & 0xffffff, `pixel ${x},${y}`);
      }
    }
  } finally {
    c.close();
    await s.close();
  }
});
