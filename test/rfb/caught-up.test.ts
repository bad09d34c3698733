/**
 * Waiting for a connection to be caught up (whenCaughtUp), and the transports' "buffer emptied" signal
 * behind it (DrainWatch): the wait resolves exactly when nothing is pending, being encoded or unsent — after
 * a slow reader has taken everything, not before — and when the connection closes; a small write that never
 * crossed the socket's high-water mark still tells that the buffer emptied.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Encoding } from "../../src/rfb/encodings.ts";
import { DrainWatch } from "../../src/rfb/drain-watch.ts";
import { rawRfbClient } from "../helpers/raw-rfb-client.ts";
import { startServer, until } from "../helpers/rfb-server-fixture.ts";

const TRANSPORTS = ["tcp", "websocket"] as const;

/** `p`, or a failure naming `what` if it has not settled within `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `p` has settled within `ms`. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

for (const transport of TRANSPORTS) {
  test(`whenCaughtUp (${transport}): pending while a paused reader holds frames back, resolved once it has read them all, and on close`, async () => {
    const [width, height] = [1280, 720];
    const s = await startServer({ width, height, stallTimeoutMs: 60_000 });
    const peer = await rawRfbClient(transport === "tcp" ? { tcp: s.ports.tcp!.port } : { ws: s.ports.websocket!.port });
    try {
      await until(() => s.server.connections.length === 1, 5000, "the connection");
      const conn = s.server.connections[0]!;
      await within(conn.whenCaughtUp(), 5000, "an idle connection");
      assert.ok(conn.caughtUp, "an idle connection is caught up at once");

      // Raw full frames (3.5 MiB each) to a reader that has stopped, until the kernel's buffers are full and
      // the server holds bytes of its own
      peer.pause();
      peer.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
      const request = Buffer.from([3, 0, 0, 0, 0, 0, width >> 8, width & 0xff, height >> 8, height & 0xff]);
      while (conn.transport.bufferedBytes === 0 && conn.stats.updates < 20) {
        const before = conn.stats.updates;
        s.pixels.fill(0x00010101 * (before + 1));
        s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: width, h: height }] });
        peer.write(request);
        await until(() => conn.stats.updates > before, 5000, "the next update");
        await new Promise((r) => setTimeout(r, 20));
      }
      const sent = conn.stats.bytes;
      const wait = conn.whenCaughtUp();
      assert.equal(await settledWithin(wait, 300), false, "not caught up while the reader holds the bytes back");
      assert.ok(conn.transport.bufferedBytes > 0, "the server still holds unsent bytes");
      assert.equal(await s.server.whenCaughtUp(200), false, "the server-wide wait gives up at its timeout and says so");

      peer.resume();
      await within(wait, 5000, "caught up once the reader resumed");
      assert.ok(conn.caughtUp, "resolved only when nothing is left unsent");
      assert.equal(await s.server.whenCaughtUp(5000), true, "the server-wide wait says every client is caught up");
      // version, security types, security result, ServerInit with the console's name: then the updates
      const handshake = 12 + 2 + 4 + 24 + "test-console".length;
      await until(() => peer.received() >= handshake + sent, 5000, "every update at the reader");
      assert.equal(peer.received(), handshake + sent, "the reader has exactly what was sent");

      // a paused reader again, then the connection closes: the waiter is released, not left hanging
      peer.pause();
      for (let i = 0; conn.transport.bufferedBytes === 0 && i < 20; i++) {
        const before = conn.stats.updates;
        s.pixels.fill(0x00ff00ff ^ i);
        s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: width, h: height }] });
        peer.write(request);
        await until(() => conn.stats.updates > before, 5000, "the next update");
        await new Promise((r) => setTimeout(r, 20));
      }
      const closing = conn.whenCaughtUp();
      assert.equal(await settledWithin(closing, 200), false);
      conn.close("test over");
      assert.equal(await settledWithin(closing, 200), true, "closing releases the waiter");
    } finally {
      peer.destroy();
      await s.close();
    }
  });
}

test("DrainWatch: a write that leaves the buffer empty tells at once; one that leaves bytes behind tells once they are gone; nothing after stop", async () => {
  let buffered = 0;
  let told = 0;
  const watch = new DrainWatch(() => buffered);
  watch.add(() => told++);
  watch.written();
  assert.equal(told, 1, "an empty buffer after the write: told synchronously");

  buffered = 100;
  watch.written();
  watch.written(); // a second write meanwhile: still one recheck, one signal
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(told, 1, "not told while bytes wait");
  buffered = 0;
  await until(() => told === 2, 1000, "the recheck");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(told, 2, "told once for both writes");

  watch.notify();
  assert.equal(told, 3, "the transport's own drain event passes through");

  buffered = 5;
  watch.written();
  watch.stop();
  buffered = 0;
  await new Promise((r) => setTimeout(r, 20));
  watch.notify();
  watch.written();
  assert.equal(told, 3, "nothing after stop()");
});

test("a small update over TCP (never over the high-water mark) still tells the connection its buffer emptied", async () => {
  const s = await startServer({ width: 64, height: 32 });
  const client = await s.connect({ encodings: [Encoding.Raw] });
  try {
    await until(() => s.server.connections.length === 1, 5000, "the connection");
    const conn = s.server.connections[0]!;
    let drains = 0;
    conn.transport.onDrain(() => drains++);
    const got = client.nextUpdate((u) => u.pixels > 0);
    void client.requestUpdate({ incremental: false }).catch(() => {});
    await got;
    await within(conn.whenCaughtUp(), 5000, "caught up after a small update");
    assert.ok(drains >= 1, `the buffer-emptied signal came (${drains} times) for an update of ${conn.stats.bytes} bytes`);
  } finally {
    client.close();
    await s.close();
  }
});
