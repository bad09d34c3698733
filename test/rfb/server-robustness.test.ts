/**
 * What hostile or broken clients get: malformed messages close that client with a reason and the server
 * keeps serving the others; declared lengths over the limits are refused before anything is allocated; a
 * client that never reads is dropped once it is stuck, without slowing a good client; a client that sends a
 * byte a second is cut off by the handshake deadline; connections over the limit are refused cleanly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import fc from "fast-check";
import { Encoding } from "../../src/rfb/encodings.ts";
import { rawRfbClient } from "../helpers/raw-rfb-client.ts";
import { fullUpdate, startServer, until } from "../helpers/rfb-server-fixture.ts";

test("malformed messages close only that client, with the reason logged; a good client keeps its updates", async () => {
  const s = await startServer({ width: 64, height: 64 });
  const good = await s.connect({ encodings: [Encoding.Raw] });
  try {
    const cases: Array<[string, Buffer, RegExp]> = [
      ["unknown type", Buffer.of(77), /unknown client message type 77/],
      ["colour-map pixel format", Buffer.from([0, 0, 0, 0, 8, 8, 0, 0, 0, 7, 0, 7, 0, 3, 0, 3, 6, 0, 0, 0]), /colour-map/],
      ["too many encodings", Buffer.from([2, 0, 0xff, 0xff]), /SetEncodings lists 65535 encodings/],
      ["1 GiB of cut text", Buffer.from([6, 0, 0, 0, 0x40, 0, 0, 0]), /ClientCutText of 1073741824 bytes/],
      ["fence payload too long", Buffer.from([248, 0, 0, 0, 0x80, 0, 0, 0, 65]), /ClientFence payload of 65 bytes/],
      ["QEMU audio", Buffer.from([255, 1, 0, 0]), /QEMU client message subtype 1/],
    ];
    for (const [name, bytes, reason] of cases) {
      const heapBefore = process.memoryUsage().arrayBuffers;
      const raw = await rawRfbClient({ tcp: s.ports.tcp!.port });
      raw.write(bytes);
      await raw.closed;
      assert.ok(s.rec.logs.some((l) => reason.test(l)), `${name}: logs ${s.rec.logs.slice(-3).join(" | ")}`);
      assert.ok(process.memoryUsage().arrayBuffers - heapBefore < 64 << 20, `${name}: nothing big was allocated`);
    }
    s.paint(0, 0, 10, 10, 0xff00ff);
    await fullUpdate(good);
    assert.equal(good.framebuffer.pixels[0], 0xff00ff);
    assert.equal(s.server.stats.clients, 1);
  } finally {
    good.close();
    await s.close();
  }
});

test("random client bytes, split anywhere, never take the server down (fast-check)", async () => {
  const s = await startServer({ width: 32, height: 32 });
  try {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 20 }), async (bytes, split) => {
        const raw = await rawRfbClient({ tcp: s.ports.tcp!.port });
        for (let i = 0; i < bytes.length; i += split) raw.write(bytes.subarray(i, i + split));
        await new Promise((r) => setTimeout(r, 5));
        raw.destroy();
        await raw.closed;
      }),
      { numRuns: 60 },
    );
    const c = await s.connect({ encodings: [Encoding.Hextile] });
    await fullUpdate(c);
    assert.equal(c.framebuffer.pixels[33], s.pixels[33]);
    c.close();
  } finally {
    await s.close();
  }
});

test("a client that never reads is dropped when stuck; a good client meanwhile gets every frame", async () => {
  const s = await startServer({ width: 640, height: 480, stallTimeoutMs: 400 });
  const good = await s.connect({ encodings: [Encoding.Raw] });
  const stuck = await rawRfbClient({ tcp: s.ports.tcp!.port });
  try {
    stuck.pause(); // stop reading: the kernel buffers fill, then our output queue
    // Raw (no compression), continuous requests: about 1.2 MB per full frame
    stuck.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
    let frames = 0;
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && s.server.stats.clients > 1) {
      const colour = (frames * 0x10101) & 0xffffff;
      const noise = new Uint32Array(640 * 480).map((_, i) => (i * 2654435761 + frames) & 0xffffff);
      s.pixels.set(noise);
      s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: 640, h: 480 }] });
      stuck.write(Buffer.from([3, 0, 0, 0, 0, 0, 2, 128, 1, 224]));
      const next = good.nextUpdate((u) => u.pixels > 0);
      void good.requestUpdate({ incremental: true }).catch(() => {});
      await next;
      frames++;
      void colour;
    }
    assert.equal(s.server.stats.clients, 1, "the stuck client was dropped");
    assert.ok(s.rec.logs.some((l) => /fell behind|not reading/.test(l)), s.rec.logs.join(" | "));
    assert.ok(frames >= 3, `the good client got ${frames} frames meanwhile`);
    assert.ok(stuck.received() < 40 << 20, "the stuck client was never sent more than a few framebuffers");
  } finally {
    good.close();
    stuck.destroy();
    await s.close();
  }
});

test("a slow client that keeps reading is not dropped, however long its output stays above the throttle", async () => {
  // It reads 16 KiB every 20 ms (0.8 MB/s). A second of full Raw frames (24 MB/s) fills the kernel's buffers;
  // then a 640x64 band changes per frame (3.3 MB/s): our unsent output hovers just above the throttle (one
  // framebuffer), an update going out each time it dips below, for many stall timeouts. Some of it leaves
  // every second, so the client stays (getting coalesced damage), where "above the throttle at every check"
  // would drop it.
  const s = await startServer({ width: 640, height: 480, stallTimeoutMs: 400 });
  const slow = await rawRfbClient({ tcp: s.ports.tcp!.port });
  try {
    slow.pause();
    slow.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])); // Raw
    const sips = setInterval(() => slow.readAtMost(16 << 10), 20);
    const receivedAt: number[] = [];
    let aboveThrottle = 0;
    for (let frame = 0; frame < 100; frame++) {
      const band = frame < 20 ? { y: 0, h: 480 } : { y: (frame * 64) % 448, h: 64 };
      for (let i = band.y * 640; i < (band.y + band.h) * 640; i++) s.pixels[i] = (i * 2654435761 + frame) & 0xffffff;
      s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: band.y, w: 640, h: band.h }] });
      slow.write(Buffer.from([3, 1, 0, 0, 0, 0, 2, 128, 1, 224]));
      await new Promise((r) => setTimeout(r, 50));
      if ((s.server.connections[0]?.transport.bufferedBytes ?? 0) > 640 * 480 * 4) aboveThrottle++;
      if (frame % 20 === 19) receivedAt.push(slow.received());
    }
    clearInterval(sips);
    const unsent = s.server.connections[0]?.transport.bufferedBytes ?? -1;
    assert.equal(s.server.stats.clients, 1, `still connected after 5 s, 12 stall timeouts (logs: ${s.rec.logs.join(" | ")})`);
    assert.ok(!s.rec.logs.some((l) => /fell behind|not reading/.test(l)), s.rec.logs.join(" | "));
    assert.ok(aboveThrottle >= 40, `the scene did what it is for: output above the throttle at ${aboveThrottle} of 100 frames`);
    for (let i = 1; i < receivedAt.length; i++) assert.ok(receivedAt[i]! > receivedAt[i - 1]!, `it kept receiving: ${receivedAt.join(", ")}`);
    assert.ok(unsent >= 0 && unsent < 3 * 640 * 480 * 4, `unsent output stays about one framebuffer (${unsent} bytes)`);
  } finally {
    slow.destroy();
    await s.close();
  }
});

test("a byte a second: the handshake deadline closes the connection", async () => {
  const s = await startServer({ width: 16, height: 16, handshakeTimeoutMs: 300 });
  try {
    const socket = connect(s.ports.tcp!.port, "127.0.0.1");
    socket.on("error", () => {});
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    const t0 = Date.now();
    socket.write("R");
    const timer = setInterval(() => socket.write("F"), 100);
    await closed;
    clearInterval(timer);
    assert.ok(Date.now() - t0 < 3000);
    assert.ok(s.rec.logs.some((l) => /handshake not finished within 300 ms/.test(l)), `logs: ${s.rec.logs.join(" | ")}`);
  } finally {
    await s.close();
  }
});

test("connections over the limit are refused with a reason (RFB 3.8 failure), and the server keeps working", async () => {
  const s = await startServer({ width: 16, height: 16, maxClients: 3 });
  const clients = await Promise.all([1, 2, 3].map(() => s.connect({ encodings: [Encoding.Raw] })));
  try {
    await assert.rejects(s.connect({ encodings: [Encoding.Raw] }), /too many clients \(at most 3\)/);
    // 100 connections at once: each refused cleanly, none accepted
    const many = await Promise.allSettled(Array.from({ length: 100 }, () => s.connect({ encodings: [Encoding.Raw], timeoutMs: 8000 })));
    assert.equal(many.filter((r) => r.status === "fulfilled").length, 0);
    assert.equal(s.server.stats.clients, 3);
    clients[0]!.close();
    await until(() => s.server.stats.clients === 2, 3000, "a slot");
    const late = await s.connect({ encodings: [Encoding.Raw] });
    await fullUpdate(late);
    late.close();
  } finally {
    for (const c of clients) c.close();
    await s.close();
  }
});
