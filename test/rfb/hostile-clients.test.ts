/**
 * Hostile clients, measured (server-robustness.test.ts covers the behaviour; this file the bounds): how
 * much a client that never reads makes the server hold, by the server's own count of unsent bytes; a
 * 1 GiB clipboard declared over TCP and over a WebSocket, and a WebSocket frame declaring 1 GiB, refused
 * without allocating; 1,000 connections at once against the client limit, each refused with the reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Encoding } from "../../src/rfb/encodings.ts";
import type { RfbConnection } from "../../src/rfb/connection.ts";
import { ensureOpenFileLimit, openFdCount } from "../helpers/fd-limit.ts";
import { rawRfbClient } from "../helpers/raw-rfb-client.ts";
import { fullUpdate, startServer, until } from "../helpers/rfb-server-fixture.ts";

type Server = Awaited<ReturnType<typeof startServer>>;
const TRANSPORTS = ["tcp", "websocket"] as const;
const MiB = 1 << 20;

const target = (s: Server, transport: "tcp" | "websocket"): { tcp: number } | { ws: number } =>
  transport === "tcp" ? { tcp: s.ports.tcp!.port } : { ws: s.ports.websocket!.port };

/** The server side of the connection that is not `known`. */
async function newConnection(s: Server, known: readonly RfbConnection[]): Promise<RfbConnection> {
  await until(() => s.server.connections.length > known.length, 5000, "the new connection");
  return s.server.connections.find((c) => !known.includes(c))!;
}

/** Watch the server's count of bytes written to `conn` and not yet handed to the kernel, after every write. */
function peakUnsent(conn: RfbConnection): () => number {
  let peak = 0;
  const t = conn.transport;
  const write = t.write.bind(t);
  t.write = (data) => {
    write(data);
    peak = Math.max(peak, t.bufferedBytes);
  };
  return () => peak;
}

for (const transport of TRANSPORTS) {
  test(`a client that never reads (${transport}) makes the server hold at most one framebuffer plus the update in flight, then is dropped; a good client keeps getting frames`, async () => {
    const width = 640;
    const height = 480;
    const framebuffer = width * height * 4;
    const s = await startServer({ width, height, stallTimeoutMs: 1500 });
    const good = await s.connect({ encodings: [Encoding.Raw] });
    const stuck = await rawRfbClient(target(s, transport));
    try {
      const conn = await newConnection(s, s.server.connections.slice(0, 1));
      const peak = peakUnsent(conn);
      stuck.pause();
      // Raw, so every frame is a full framebuffer on the wire; requests keep coming, replies are never read
      stuck.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
      const request = Buffer.from([3, 1, 0, 0, 0, 0, width >> 8, width & 0xff, height >> 8, height & 0xff]);
      const noise = new Uint32Array(width * height);
      let frames = 0;
      // the stall timeout is 1.5 s: frames keep coming until the stuck client is dropped, or for 10 s (a
      // frame's count is no measure of time: the good client takes 640×480 Raw in well under a millisecond)
      const deadline = performance.now() + 10_000;
      while (!conn.isClosed && performance.now() < deadline) {
        for (let i = 0; i < noise.length; i++) noise[i] = (Math.imul(i, 2654435761) + frames * 7919) & 0xffffff;
        s.pixels.set(noise);
        s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: width, h: height }] });
        stuck.write(request);
        const next = good.nextUpdate((u) => u.pixels > 0);
        void good.requestUpdate({ incremental: true }).catch(() => {});
        await next;
        frames++;
      }
      assert.ok(conn.isClosed, `the stuck client was dropped (not after ${frames} frames in 10 s)`);
      assert.equal(s.server.stats.clients, 1);
      assert.ok(s.rec.logs.some((l) => /closing VNC client: (fell behind|not reading)/.test(l)), s.rec.logs.join(" | "));
      // The throttle (no new update while more than one framebuffer is unsent) was reached...
      assert.ok(peak() > framebuffer, `the server's queue reached the throttle (peak ${peak()} bytes)`);
      // ...and never exceeded by more than the one update written just under it (a full Raw frame + header).
      assert.ok(peak() <= 2 * framebuffer + 64, `peak unsent ${peak()} bytes ≤ 2 × ${framebuffer}`);
      assert.equal(good.framebuffer.pixels[12345], s.pixels[12345], "the good client has the latest frame");
      console.log(`# never-reading ${transport} client: peak unsent ${peak()} bytes (framebuffer ${framebuffer}), dropped after ${frames} frames`);
    } finally {
      good.close();
      stuck.destroy();
      await s.close();
    }
  });
}

test("a ClientCutText declaring 1 GiB is refused with its reason before anything is allocated, over TCP and WebSocket, plain and extended", async () => {
  const s = await startServer({ width: 64, height: 64 });
  const good = await s.connect({ encodings: [Encoding.Raw] });
  try {
    const forms: Array<[string, Buffer]> = [
      ["plain", Buffer.from([6, 0, 0, 0, 0x40, 0, 0, 0])],
      ["extended", Buffer.from([6, 0, 0, 0, 0xc0, 0, 0, 0])], // -2^30: the extended form's length is negative
    ];
    for (const transport of TRANSPORTS) {
      for (const [form, bytes] of forms) {
        const before = process.memoryUsage();
        const raw = await rawRfbClient(target(s, transport));
        raw.write(bytes);
        raw.write(Buffer.alloc(64 * 1024, 0x41)); // the start of the "text", as a client would stream it
        await raw.closed;
        const after = process.memoryUsage();
        const what = `${transport}, ${form}`;
        assert.ok(
          s.rec.logs.includes("closing VNC client: protocol violation: ClientCutText of 1073741824 bytes (at most 1048576)"),
          `${what}: ${s.rec.logs.slice(-2).join(" | ")}`,
        );
        assert.ok(after.arrayBuffers - before.arrayBuffers < 16 * MiB, `${what}: buffers grew by ${after.arrayBuffers - before.arrayBuffers}`);
        assert.ok(after.rss - before.rss < 64 * MiB, `${what}: RSS grew by ${after.rss - before.rss}`);
        s.rec.logs.length = 0;
      }
    }
    s.paint(0, 0, 8, 8, 0x00ff00);
    await fullUpdate(good);
    assert.equal(good.framebuffer.pixels[0], 0x00ff00);
  } finally {
    good.close();
    await s.close();
  }
});

/** Upgrade by hand, then send only a frame header declaring `length` bytes; the close code the server sends back. */
async function wsFrameDeclaring(port: number, length: bigint): Promise<number | undefined> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  let got = Buffer.alloc(0);
  socket.on("data", (d: Buffer) => (got = Buffer.concat([got, d])));
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  await new Promise<void>((r) => socket.once("connect", () => r()));
  socket.write(
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n",
  );
  while (got.indexOf("\r\n\r\n") < 0) await new Promise((r) => socket.once("data", r));
  assert.match(got.toString("latin1", 0, 12), /^HTTP\/1.1 101/);
  const header = Buffer.alloc(14);
  header[0] = 0x82; // FIN, binary
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(length, 2);
  socket.write(header); // mask key 0, no payload: the server decides on the header alone
  await closed;
  // walk the server's frames after the HTTP response: the version string, then a close frame
  let p = got.indexOf("\r\n\r\n") + 4;
  while (p + 2 <= got.length) {
    const opcode = got[p]! & 0x0f;
    let len = got[p + 1]! & 0x7f;
    let at = p + 2;
    if (len === 126) {
      len = got.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(got.readBigUInt64BE(at));
      at += 8;
    }
    if (opcode === 8) return len >= 2 ? got.readUInt16BE(at) : undefined;
    p = at + len;
  }
  return undefined;
}

test("a WebSocket frame declaring 1 GiB (or 8 MiB) is refused on its header with 1009, nothing buffered", async () => {
  const s = await startServer({ width: 64, height: 64 });
  try {
    for (const length of [1n << 30n, 8n * 1024n * 1024n]) {
      const before = process.memoryUsage().arrayBuffers;
      assert.equal(await wsFrameDeclaring(s.ports.websocket!.port, length), 1009, `a frame of ${length} bytes`);
      assert.ok(process.memoryUsage().arrayBuffers - before < 16 * MiB);
    }
    // a clipboard at the limit still fits one message
    const c = await s.connect({ encodings: [Encoding.Raw] }, "websocket");
    c.sendCutText("x".repeat(1 << 20));
    await until(() => s.rec.clipboard.length === 1, 5000, "the 1 MiB clipboard");
    assert.equal(s.rec.clipboard[0]!.length, 1 << 20);
    c.close();
  } finally {
    await s.close();
  }
});

type Outcome = { kind: "accepted" } | { kind: "refused"; reason: string } | { kind: "error"; error: string };

/** One raw 3.8 handshake (None), as far as the server lets it go. Accepted sockets stay open for the caller. */
function handshake(port: number, open: Array<() => void>): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let got = Buffer.alloc(0);
    let stage = 0;
    const done = (o: Outcome): void => {
      stage = -1;
      resolve(o);
    };
    socket.on("error", (e) => done({ kind: "error", error: e.message }));
    socket.on("close", () => {
      if (stage >= 0) done({ kind: "error", error: `closed at stage ${stage} after ${got.length} bytes` });
    });
    socket.on("data", (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (stage === 0 && got.length >= 12) {
        socket.write("RFB 003.008\n");
        stage = 1;
      }
      if (stage === 1 && got.length >= 13) {
        if (got[12] === 0) {
          if (got.length < 17 || got.length < 17 + got.readUInt32BE(13)) return;
          done({ kind: "refused", reason: got.toString("utf8", 17, 17 + got.readUInt32BE(13)) });
          socket.destroy();
          return;
        }
        socket.write(Buffer.of(1));
        stage = 2;
      }
      if (stage === 2 && got.length >= 12 + 2 + 4) {
        socket.write(Buffer.of(1));
        stage = 3;
      }
      if (stage === 3 && got.length >= 12 + 2 + 4 + 24) {
        open.push(() => socket.destroy());
        done({ kind: "accepted" });
      }
    });
  });
}

test("1,000 connections at once: at most the client limit get in, every other one is refused with the reason, the server keeps serving", async () => {
  ensureOpenFileLimit(4096); // both ends of each connection are in this process
  const s = await startServer({ width: 32, height: 32 });
  const open: Array<() => void> = [];
  try {
    const fdsBefore = openFdCount();
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => handshake(s.ports.tcp!.port, open)));
    const accepted = outcomes.filter((o) => o.kind === "accepted").length;
    const refused = outcomes.filter((o): o is Extract<Outcome, { kind: "refused" }> => o.kind === "refused");
    const errors = outcomes.filter((o) => o.kind === "error");
    assert.deepEqual(errors, [], "no connection was reset or cut without a reason");
    assert.equal(accepted + refused.length, 1000);
    assert.ok(accepted <= 64, `${accepted} accepted (limit 64)`);
    assert.deepEqual(new Set(refused.map((o) => o.reason)), new Set(["too many clients (at most 64)"]));
    assert.equal(s.server.stats.clients, accepted);
    for (const close of open.splice(0)) close();
    await until(() => s.server.stats.clients === 0, 10_000, "every accepted client gone");
    const good = await s.connect({ encodings: [Encoding.Raw] });
    s.paint(0, 0, 4, 4, 0x123456);
    await fullUpdate(good);
    assert.equal(good.framebuffer.pixels[0], 0x123456);
    good.close();
    await until(() => s.server.stats.clients === 0, 5000, "the good client gone");
    // refused sockets are closed after their reason has gone out (each lingers at most CLOSE_LINGER_MS)
    await until(() => openFdCount() <= fdsBefore + 2, 15_000, `fds back near ${fdsBefore} (now ${openFdCount()})`);
    console.log(`# 1,000 at once: ${accepted} accepted, ${refused.length} refused with the reason, 0 errors`);
  } finally {
    for (const close of open) close();
    await s.close();
  }
});
