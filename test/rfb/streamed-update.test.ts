/**
 * Streamed updates (streamed-update.ts): Raw and Hextile hand their bytes to a sink band by band, and a
 * connection writes a large update's pieces, each handed to the kernel, while the rest is still being
 * encoded — the viewer decodes the top of a frame while the server encodes the bottom. Checked here: the
 * pieces are exactly the rect's bytes, the same as without a sink; over real TCP the update leaves in
 * several flushed writes and decodes to the picture; small updates and other encodings leave at the tick's
 * end, unflushed;
 * a client that shares the encoding gets the same finished bytes without a second encoding. Raw to the only
 * client with its settings streams through one reused buffer instead, never over a piece still in flight.
 */
import { describe, test } from "node:test";
import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bandRows, STREAM_PIECE_BYTES, type EncodeContext, type RectEncoder } from "../../src/rfb/encoders/encoder.ts";
import { HextileEncoder } from "../../src/rfb/encoders/hextile.ts";
import { RawEncoder } from "../../src/rfb/encoders/raw.ts";
import { Encoding } from "../../src/rfb/encodings.ts";
import { StreamedUpdate } from "../../src/rfb/streamed-update.ts";
import { TcpTransport } from "../../src/rfb/tcp-transport.ts";
import { VeNCryptSecurity, VeNCryptSubtype } from "../../src/rfb/security/vencrypt.ts";
import type { RfbTransport } from "../../src/rfb/transport.ts";
import type { RfbClient } from "../../src/rfb/client/rfb-client.ts";
import type { RfbConnection } from "../../src/rfb/connection.ts";
import { assertShows, context, cornerRectCase, FORMATS, makeSurface, TestClient } from "./lossless-harness.ts";
import { encodesOfOneFrame, fullUpdate, startServer } from "../helpers/rfb-server-fixture.ts";

const ENCODERS: Record<string, () => RectEncoder> = {
  raw: () => new RawEncoder(),
  "hextile (C)": () => new HextileEncoder(),
  "hextile (TypeScript)": () => new HextileEncoder({ native: false }),
};

describe("piecewise encoders", () => {
  for (const [name, make] of Object.entries(ENCODERS)) {
    test(`${name}: with a sink, the pieces in order are the rect's bytes, those made without one, in pieces of at least half STREAM_PIECE_BYTES`, async () => {
      const encoder = make();
      assert.equal(encoder.piecewise, true);
      await fc.assert(
        fc.asyncProperty(cornerRectCase(420, 300), async ({ surface, format, x, y, w, h }) => {
          const plain = context(surface, format);
          const pieces: Uint8Array[] = [];
          const streamed: EncodeContext = { ...plain, sink: (p) => pieces.push(p) };
          const [whole] = await encoder.encode(plain, x, y, w, h);
          const got = await encoder.encode(streamed, x, y, w, h);
          assert.equal(got.length, 1, "one rect per rect");
          const rect = got[0]!;
          assert.deepEqual(Buffer.from(rect.bytes), Buffer.from(whole!.bytes), "the same bytes with a sink as without");
          assert.deepEqual(Buffer.concat(pieces), Buffer.from(rect.bytes), "the pieces are the rect, in order");
          const bpp = plain.translator.bytesPerPixel;
          const band = bandRows(w, bpp, name === "raw" ? 1 : 16);
          const bands = Math.ceil(h / band);
          if (name === "raw") assert.equal(pieces.length, bands, `a ${w}x${h} rect in bands of ${band} rows, a piece each`);
          else assert.ok(pieces.length >= 1 && pieces.length <= bands, `${pieces.length} pieces of ${bands} bands`);
          // Hextile gathers bands that compress well: every piece but the last is at least half a piece
          for (const p of pieces.slice(0, -1)) assert.ok(p.length >= STREAM_PIECE_BYTES / 2, `a piece of ${p.length} bytes before the last`);
          for (const p of pieces) assert.equal(p.buffer, rect.bytes.buffer, "each piece is a view of the rect's bytes (no copy)");
          const client = new TestClient(surface.width, surface.height, format);
          await client.receive([rect]);
          assertShows(client, surface, x, y, w, h);
        }),
        { numRuns: 60 },
      );
    });
  }

  test("raw with piecesLeft: the pieces are the rect's bytes; a piece's memory is written again only after piecesLeft said it left, and then it is; the rect keeps only its header", async () => {
    const encoder = new RawEncoder();
    assert.equal(encoder.reusesPieces, true);
    await fc.assert(
      fc.asyncProperty(cornerRectCase(420, 300), fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), async ({ surface, format, x, y, w, h }, answers) => {
        const plain = context(surface, format);
        const [whole] = await encoder.encode(plain, x, y, w, h);
        const pieces: Array<{ view: Uint8Array; copy: Buffer; left: boolean }> = [];
        const unchanged = (when: string): void => {
          for (const [i, p] of pieces.entries()) {
            if (!p.left) assert.deepEqual(Buffer.from(p.view), p.copy, `piece ${i} was written over while still in flight (${when})`);
          }
        };
        let asked = 0;
        let no = 0;
        const ctx: EncodeContext = {
          ...plain,
          sink: (p) => {
            unchanged(`before piece ${pieces.length}`);
            pieces.push({ view: p, copy: Buffer.from(p), left: false });
          },
          piecesLeft: () => {
            const left = answers[asked++ % answers.length]!;
            if (left) for (const p of pieces) p.left = true;
            else no++;
            return left;
          },
        };
        const got = await encoder.encode(ctx, x, y, w, h);
        unchanged("at the end");
        assert.equal(got.length, 1);
        const rect = got[0]!;
        assert.equal(rect.streamedOnly, true);
        assert.deepEqual(Buffer.from(rect.bytes), Buffer.from(whole!.bytes.subarray(0, 12)), "the rect keeps its header only");
        assert.deepEqual(Buffer.concat(pieces.map((p) => p.copy)), Buffer.from(whole!.bytes), "the pieces as given are the rect's bytes");
        assert.equal(asked, pieces.length - 1, "asked once before each piece after the first");
        const memories = new Set(pieces.map((p) => p.view.buffer));
        assert.equal(memories.size, 1 + no, "a new buffer exactly when a piece had not left; the same one otherwise");
      }),
      { numRuns: 80 },
    );
  });

  test("hextile: the C and TypeScript loops give the same bytes over several bands", async () => {
    const [w, h] = [256, 1200];
    const surface = makeSurface(w, h, "desktop", 11);
    for (const format of Object.values(FORMATS)) {
      const ctx = context(surface, format);
      assert.ok(bandRows(w, ctx.translator.bytesPerPixel, 16) * 2 < h, "three bands or more");
      const [fromC] = await new HextileEncoder().encode(ctx, 0, 0, w, h);
      const [fromTs] = await new HextileEncoder({ native: false }).encode(ctx, 0, 0, w, h);
      assert.deepEqual(Buffer.from(fromC!.bytes), Buffer.from(fromTs!.bytes));
    }
  });
});

test("StreamedUpdate: the head goes with the first piece; sent is called once, after the last piece has left, whenever finish comes", () => {
  const written: Buffer[] = [];
  const callbacks: Array<() => void> = [];
  let flushes = 0;
  const transport = {
    write: (data: Uint8Array, sent?: () => void) => {
      written.push(Buffer.from(data));
      if (sent) callbacks.push(sent);
    },
    flush: () => flushes++,
  } as unknown as RfbTransport;

  const unused = new StreamedUpdate(transport, Buffer.from([0, 0, 0, 1]));
  assert.equal(unused.started, false);
  assert.equal(written.length, 0, "nothing is written before a piece");

  const update = new StreamedUpdate(transport, Buffer.from([0, 0, 0, 1]));
  update.piece(Buffer.alloc(100_000, 7));
  assert.equal(update.started, true);
  assert.deepEqual(written[0], Buffer.from([0, 0, 0, 1]), "the header first");
  assert.equal(flushes, 1, "about half a piece's worth gathered: handed to the kernel");
  update.piece(Buffer.alloc(10, 8));
  assert.equal(flushes, 1, "a small piece waits for more (or the tick's end)");
  assert.equal(update.bytes, 4 + 100_000 + 10);

  let sentCalls = 0;
  callbacks.shift()!();
  update.finish(() => sentCalls++);
  assert.equal(sentCalls, 0, "two pieces are still in flight");
  callbacks.shift()!();
  assert.equal(sentCalls, 0, "one is");
  callbacks.shift()!();
  assert.equal(sentCalls, 1, "all have left");
  assert.equal(callbacks.length, 0);

  const early = new StreamedUpdate(transport, Buffer.from([0, 0, 0, 1]));
  early.piece(Buffer.alloc(10));
  for (const c of callbacks.splice(0)) c();
  let earlyCalls = 0;
  early.finish(() => earlyCalls++);
  assert.equal(earlyCalls, 1, "finish after everything left: sent at once");
});

test("TcpTransport: a tick's writes wait for its end, unless flushed; flushed or not, they arrive in order", async () => {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, "connection");
  const peer = connect(port, "127.0.0.1");
  const [socket] = (await accepted) as [Socket];
  try {
    const transport = new TcpTransport(socket);
    const received: Buffer[] = [];
    peer.on("data", (d: Buffer) => received.push(d));
    transport.write(Buffer.alloc(1000, 1));
    assert.equal(transport.bufferedBytes, 1000, "corked: held until the tick ends");
    transport.flush();
    assert.equal(transport.bufferedBytes, 0, "flushed: handed to the kernel now");
    transport.write(Buffer.alloc(500, 2));
    assert.equal(transport.bufferedBytes, 500, "a write after a flush is corked again");
    await new Promise((r) => setImmediate(r));
    assert.equal(transport.bufferedBytes, 0, "and leaves at the tick's end");
    while (received.reduce((n, b) => n + b.length, 0) < 1500) await once(peer, "data");
    const all = Buffer.concat(received);
    assert.deepEqual(all, Buffer.concat([Buffer.alloc(1000, 1), Buffer.alloc(500, 2)]));
  } finally {
    peer.destroy();
    socket.destroy();
    server.close();
  }
});

/** Counts what a connection's transport is asked to do: each write's size and each flush, in order. */
function spyOn(conn: RfbConnection): string[] {
  const events: string[] = [];
  const t = conn.transport;
  const write = t.write.bind(t);
  const flush = t.flush.bind(t);
  t.write = (data, sent) => {
    events.push(`write ${data.length}`);
    write(data, sent);
  };
  t.flush = () => {
    events.push("flush");
    flush();
  };
  return events;
}

/** The memory each write of a connection's transport was a view of, in order (from now on). */
function writtenMemory(conn: RfbConnection): ArrayBufferLike[] {
  const memory: ArrayBufferLike[] = [];
  const t = conn.transport;
  const write = t.write.bind(t);
  t.write = (data, sent) => {
    memory.push(data.buffer);
    write(data, sent);
  };
  return memory;
}

/** Paint noise over the area and wait for the client's update with it. */
async function noiseFrame(s: Awaited<ReturnType<typeof startServer>>, client: RfbClient, x: number, y: number, w: number, h: number, seed: number): Promise<void> {
  const got = client.nextUpdate((u) => u.pixels > 0);
  void client.requestUpdate({ incremental: true }).catch(() => {});
  let v = seed;
  for (let yy = y; yy < y + h; yy++) {
    for (let xx = x; xx < x + w; xx++) {
      v = (Math.imul(v, 1103515245) + 12345) >>> 0;
      s.pixels[yy * s.width + xx] = v >>> 8;
    }
  }
  s.console.publishUpdate({ count: 1, rects: [{ x, y, w, h }] });
  await got;
}

function assertClientShows(client: RfbClient, pixels: Uint32Array): void {
  const fb = client.framebuffer.pixels;
  for (let i = 0; i < pixels.length; i++) {
    if ((fb[i]! & 0xffffff) !== (pixels[i]! & 0xffffff)) assert.fail(`pixel ${i}: got 0x${fb[i]!.toString(16)}, want 0x${pixels[i]!.toString(16)}`);
  }
}

describe("streamed updates over real sockets", () => {
  for (const encoding of [Encoding.Raw, Encoding.Hextile]) {
    test(`encoding ${encoding}: a full frame leaves in flushed pieces while it is encoded, and decodes to the picture; a small change is not flushed`, async () => {
      const s = await startServer({ width: 640, height: 480 });
      const client = await s.connect({ encodings: [encoding] });
      try {
        await fullUpdate(client);
        const events = spyOn(s.server.connections[0]!);
        await noiseFrame(s, client, 0, 0, 640, 480, 1);
        const writes = events.filter((e) => e.startsWith("write")).length;
        const flushes = events.filter((e) => e === "flush").length;
        // 640x480 at 32 bpp: 1.2 MB in bands of about 128 KiB
        assert.ok(writes >= 8, `the update went in ${writes} writes: ${events.join(", ")}`);
        assert.ok(flushes >= 4, `${flushes} of its pieces were handed to the kernel while the rest was encoded`);
        assertClientShows(client, s.pixels);

        events.length = 0;
        await noiseFrame(s, client, 10, 20, 50, 40, 2);
        assert.ok(events.length > 0 && events.length <= 2 && !events.includes("flush"), `a small update: its header and its rect, no flush (${events.join(", ")})`);
        assertClientShows(client, s.pixels);
      } finally {
        client.close();
        await s.close();
      }
    });
  }

  for (const transport of ["tcp", "tls", "websocket"] as const) {
    test(`Raw over ${transport}, a 4K frame more than the sockets hold, to two clients of different pixel formats that cannot read while it is encoded: each streams its own, from one buffer while the kernel takes the pieces and from new ones after; both decode the picture`, async () => {
      const [width, height] = [3840, 2160];
      const tls = transport === "tls";
      const s = await startServer({ width, height, ...(tls ? { security: [new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.TLSNone] })] } : {}) });
      const over = tls ? "tcp" : transport;
      const security = tls ? { vencryptSubtypes: [VeNCryptSubtype.TLSNone] } : {};
      const clients = [
        await s.connect({ encodings: [Encoding.Raw], ...security }, over),
        await s.connect({ encodings: [Encoding.Raw], pixelFormat: FORMATS.xrgbBE!, ...security }, over),
      ];
      try {
        const conns = s.server.connections;
        const memories = conns.map((c) => writtenMemory(c));
        // the clients run on this thread: while the server encodes a frame, nothing reads it
        const { misses, hits } = await encodesOfOneFrame(s, clients, () => {
          for (const m of memories) m.length = 0; // the frame's writes only, not the first full update's
          for (let i = 0; i < s.pixels.length; i++) s.pixels[i] = Math.imul(i + 7, 2654435761) >>> 8;
          s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: width, h: height }] });
        });
        assert.equal(misses, 2, "each client encoded its own");
        assert.equal(hits, 0, "nothing shared");
        for (const [i, m] of memories.entries()) {
          const pieces = m.filter((b) => b.byteLength >= STREAM_PIECE_BYTES / 2);
          const distinct = new Set(pieces).size;
          assert.ok(pieces.length >= 200, `client ${i}: 33 MB in ${pieces.length} pieces`);
          assert.ok(distinct > 1, `client ${i}: pieces the kernel could not take kept their buffers (${distinct} buffers)`);
          // inside TLS a write completes only once its ciphertext was written, never before write() returns:
          // no piece is known to have left at once, so no buffer is reused
          if (!tls) assert.ok(distinct < pieces.length, `client ${i}: pieces it took at once left their buffer to the next (${distinct} buffers for ${pieces.length} pieces)`);
        }
        for (const c of clients) assertClientShows(c, s.pixels);
      } finally {
        for (const c of clients) c.close();
        await s.close();
      }
    });
  }

  test("ZRLE and Tight are not streamed: a full frame leaves without a flush", async () => {
    for (const encoding of [Encoding.ZRLE, Encoding.Tight]) {
      const s = await startServer({ width: 640, height: 480 });
      const client = await s.connect({ encodings: [encoding] });
      try {
        await fullUpdate(client);
        const events = spyOn(s.server.connections[0]!);
        await noiseFrame(s, client, 0, 0, 640, 480, 3);
        assert.equal(events.filter((e) => e === "flush").length, 0, `encoding ${encoding}: ${events.join(", ")}`);
        assertClientShows(client, s.pixels);
      } finally {
        client.close();
        await s.close();
      }
    }
  });

  for (const encoding of [Encoding.Hextile, Encoding.Raw]) {
    test(`encoding ${encoding}: two clients of the same settings share one encoding: the one that made it streamed it, the other got the same finished bytes`, async () => {
      const s = await startServer({ width: 640, height: 480 });
      const clients = [await s.connect({ encodings: [encoding] }), await s.connect({ encodings: [encoding] })];
      try {
        for (const c of clients) await fullUpdate(c);
        const conns = s.server.connections;
        const events = conns.map((c) => spyOn(c));
        const bytesBefore = conns.map((c) => c.stats.bytes);
        const before = { ...s.server.stats };
        const got = clients.map((c) => c.nextUpdate((u) => u.pixels > 0));
        for (const c of clients) void c.requestUpdate({ incremental: true }).catch(() => {});
        await new Promise((r) => setTimeout(r, 30));
        for (let i = 0; i < s.pixels.length; i++) s.pixels[i] = Math.imul(i, 2654435761) >>> 8;
        s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: 640, h: 480 }] });
        await Promise.all(got);
        const after = s.server.stats;
        assert.equal(after.encodeCacheMisses - before.encodeCacheMisses, 1, "encoded once");
        assert.equal(after.encodeCacheHits - before.encodeCacheHits, 1, "and shared");
        const flushes = events.map((e) => e.filter((x) => x === "flush").length);
        assert.equal(flushes.filter((n) => n > 0).length, 1, `exactly one connection streamed (flushes ${flushes.join(", ")})`);
        for (const c of clients) assertClientShows(c, s.pixels);
        const sent = conns.map((c, i) => c.stats.bytes - bytesBefore[i]!);
        assert.equal(sent[0], sent[1], "both sent the same bytes for the frame");
      } finally {
        for (const c of clients) c.close();
        await s.close();
      }
    });
  }
});
