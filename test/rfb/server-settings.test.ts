/**
 * What a client's settings change, seen from our strict client: compression levels reach zlib, fine
 * quality and subsampling reach the JPEG encoder, clients with other settings get their own encoding
 * (identical ones share), the DesktopName pseudo-encoding, ExtendedDesktopSize's reason 2 and a view-only
 * server's "prohibited", and a client that asks seldom gets the coalesced damage of what it missed in one
 * update.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Encoding, PseudoEncoding as P } from "../../src/rfb/encodings.ts";
import { RGBX_PIXEL_FORMAT, SERVER_PIXEL_FORMAT } from "../../src/rfb/pixel-format.ts";
import type { RfbClient, RfbClientOptions } from "../../src/rfb/client/rfb-client.ts";
import { encodesOfOneFrame, fullUpdate, startServer } from "../helpers/rfb-server-fixture.ts";
import { psnr } from "../helpers/test-picture.ts";

type Server = Awaited<ReturnType<typeof startServer>>;

/** The bytes of a full update to a new client with these options, and the client (closed by the caller). */
async function fullUpdateBytes(s: Server, options: RfbClientOptions): Promise<{ bytes: number; client: RfbClient }> {
  const client = await s.connect(options);
  await fullUpdate(client);
  return { bytes: client.lastUpdate!.bytes, client };
}

test("compression levels reach zlib: level 9 and level 1 send different bytes for ZRLE, Zlib and Tight, and both decode exactly", async () => {
  const s = await startServer({ width: 256, height: 160 });
  try {
    for (const encoding of [Encoding.ZRLE, Encoding.Zlib, Encoding.Tight]) {
      const fast = await fullUpdateBytes(s, { encodings: [encoding, P.CompressLevel0 + 1] });
      const best = await fullUpdateBytes(s, { encodings: [encoding, P.CompressLevel0 + 9] });
      // not always fewer: on noisy pixels zlib's lazy matching (levels 4–9) can send more than level 1's greedy one
      assert.notEqual(best.bytes, fast.bytes, `encoding ${encoding}: level 9 and level 1 both ${best.bytes} bytes`);
      for (const c of [fast.client, best.client]) {
        assert.deepEqual(c.framebuffer.pixels, Uint32Array.from(s.pixels, (v) => v & 0xffffff));
        c.close();
      }
    }
  } finally {
    await s.close();
  }
});

test("fine quality (−512…−412) and subsampling (−768…−763) reach Tight's JPEG: lower quality fewer bytes and less PSNR, greyscale loses the colour", async () => {
  const s = await startServer({ width: 256, height: 192 });
  const tight = (...extra: number[]): RfbClientOptions => ({ pixelFormat: RGBX_PIXEL_FORMAT, encodings: [Encoding.Tight, P.CompressLevel0 + 2, ...extra] });
  try {
    const q20 = await fullUpdateBytes(s, tight(P.FineQuality0 + 20, P.Subsamp1X));
    const q95 = await fullUpdateBytes(s, tight(P.FineQuality0 + 95, P.Subsamp1X));
    assert.ok(q20.bytes < q95.bytes, `quality 20: ${q20.bytes} bytes, 95: ${q95.bytes}`);
    const [p20, p95] = [psnr(q20.client.framebuffer.pixels, s.pixels), psnr(q95.client.framebuffer.pixels, s.pixels)];
    assert.ok(p20 < p95 && p20 >= 12, `PSNR at quality 20: ${p20.toFixed(1)} dB, at 95: ${p95.toFixed(1)} dB`);
    const sub420 = await fullUpdateBytes(s, tight(P.FineQuality0 + 95, P.Subsamp1X + 1));
    assert.ok(sub420.bytes < q95.bytes, `4:2:0 ${sub420.bytes} bytes against 4:4:4 ${q95.bytes}`);
    // greyscale (Subsamp1X + 3): the JPEG areas come back with r = g = b, though the picture has colour there
    const grey = await fullUpdateBytes(s, tight(P.FineQuality0 + 95, P.Subsamp1X + 3));
    const differs = (a: Uint32Array): number => a.reduce((n, v) => (((v >>> 16) & 0xff) !== (v & 0xff) ? n + 1 : n), 0);
    const colouredInPicture = differs(s.pixels);
    assert.ok(colouredInPicture > 1000, "the test picture has colour");
    const keptColour = differs(q95.client.framebuffer.pixels);
    assert.ok(keptColour > colouredInPicture * 0.9, `with 4:4:4 the colour stays (${keptColour} of ${colouredInPicture} pixels)`);
    // solid and palette areas are not JPEG and keep their colour; the JPEG areas (most of it) lose theirs
    const greyColour = differs(grey.client.framebuffer.pixels);
    assert.ok(greyColour < keptColour / 2, `greyscale: ${greyColour} coloured pixels left of ${keptColour}`);
    for (const c of [q20.client, q95.client, sub420.client, grey.client]) c.close();
  } finally {
    await s.close();
  }
});

test("clients share an encoding only with exactly the same settings: another pixel format, encoding or quality is encoded on its own", async () => {
  const s = await startServer({ width: 200, height: 120 });
  const settings: RfbClientOptions[] = [
    { pixelFormat: SERVER_PIXEL_FORMAT, encodings: [Encoding.Tight, P.CompressLevel0 + 2] },
    { pixelFormat: SERVER_PIXEL_FORMAT, encodings: [Encoding.Tight, P.CompressLevel0 + 2] },
    { pixelFormat: RGBX_PIXEL_FORMAT, encodings: [Encoding.Tight, P.CompressLevel0 + 2] },
    { pixelFormat: SERVER_PIXEL_FORMAT, encodings: [Encoding.Tight, P.CompressLevel0 + 6] },
    { pixelFormat: SERVER_PIXEL_FORMAT, encodings: [Encoding.ZRLE] },
  ];
  const clients = await Promise.all(settings.map((o) => s.connect(o)));
  try {
    const { misses, hits } = await encodesOfOneFrame(s, clients, () => s.paint(30, 20, 90, 60, 0x3366cc));
    assert.equal(misses, 4, "four different settings: four encodings");
    assert.equal(hits, 1, "the twin took the first one's");
    for (const c of clients) assert.equal(c.framebuffer.pixels[50 * 200 + 50], 0x3366cc);
  } finally {
    for (const c of clients) c.close();
    await s.close();
  }
});

test("DesktopName (−307): a client that lists it gets the console's name as a pseudo-rect in its first update", async () => {
  const s = await startServer({ width: 32, height: 24, name: "vGPU one" });
  const c = await s.connect({ encodings: [Encoding.Raw, P.DesktopName] });
  try {
    const named = once(c, "desktop-name");
    await fullUpdate(c);
    assert.deepEqual(await named, ["vGPU one"]);
  } finally {
    c.close();
    await s.close();
  }
});

test("ExtendedDesktopSize: a layout change by one client reaches the others with reason 2; a view-only server answers SetDesktopSize with status 1", async () => {
  const s = await startServer({ width: 120, height: 90 });
  const a = await s.connect({ encodings: [Encoding.Raw, P.ExtendedDesktopSize] });
  const b = await s.connect({ encodings: [Encoding.Raw, P.ExtendedDesktopSize] });
  try {
    await Promise.all([fullUpdate(a), fullUpdate(b)]);
    const toA = a.nextDesktopSize();
    const toB = b.nextDesktopSize();
    a.setDesktopSize(120, 90, [{ id: 7, x: 0, y: 0, width: 60, height: 90, flags: 0 }]);
    const [ra, rb] = await Promise.all([toA, toB]);
    assert.deepEqual([ra.reason, ra.status], [1, 0], "the requester: its own request, ok");
    assert.deepEqual([rb.reason, rb.status, rb.width, rb.height], [2, 0, 120, 90], "the other client: reason 2 (another client)");
    assert.deepEqual(rb.screens.map((sc) => [sc.id, sc.width]), [[7, 60]]);
  } finally {
    a.close();
    b.close();
    await s.close();
  }
  const v = await startServer({ width: 120, height: 90, viewOnly: true });
  const c = await v.connect({ encodings: [Encoding.Raw, P.ExtendedDesktopSize] });
  try {
    await fullUpdate(c);
    const r = c.nextDesktopSize();
    c.setDesktopSize(640, 480);
    const reply = await r;
    assert.deepEqual([reply.reason, reply.status, reply.width, reply.height], [1, 1, 120, 90], "prohibited, the current size");
    assert.deepEqual(v.rec.sizeRequests, [], "nothing reached the guest");
  } finally {
    c.close();
    await v.close();
  }
});

test("a client that asks seldom gets the coalesced damage of the ten frames it missed, in one update", async () => {
  const s = await startServer({ width: 320, height: 240 });
  const c = await s.connect({ encodings: [Encoding.Hextile] });
  try {
    await fullUpdate(c);
    let updates = 0;
    c.on("update", () => updates++);
    for (let i = 0; i < 10; i++) s.paint(10 + i * 14, 10 + (i % 3) * 25, 12, 20, 0x102030 * (i + 1));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(updates, 0, "nothing is sent unasked");
    const next = c.nextUpdate((u) => u.pixels > 0);
    void c.requestUpdate({ incremental: true }).catch(() => {});
    const u = await next;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(updates, 1, "one update, not ten");
    assert.ok(u.pixels < (320 * 240) / 2, `the damage only (${u.pixels} pixels)`);
    assert.deepEqual(c.framebuffer.pixels, Uint32Array.from(s.pixels, (v) => v & 0xffffff));
  } finally {
    c.close();
    await s.close();
  }
});
