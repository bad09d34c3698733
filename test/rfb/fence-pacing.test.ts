/**
 * Continuous updates to a client with fences are paced by them (src/rfb/fence-pacer.ts): no more than two
 * updates, and about one framebuffer, go out beyond the last fence the client answered; an answer lets the next updates go;
 * a client that never answers is dropped after the stall limit. Seen through a hand-rolled client that
 * parses the server's messages (Raw only) and answers fences only when told to.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { MAX_UPDATES_IN_FLIGHT } from "../../src/rfb/fence-pacer.ts";
import { startServer, until } from "../helpers/rfb-server-fixture.ts";

interface FenceSeen {
  flags: number;
  payload: Buffer;
}

/** A TCP client: None security, Raw + ContinuousUpdates + Fence, parsing updates, EndOfContinuousUpdates and fences. */
class FenceClient {
  /** answer each of our fences as soon as it arrives (a well-behaved viewer) */
  autoAnswer = false;
  /** turn continuous updates on only once the first whole screen is in (as TigerVNC's viewer may) */
  continuousAfterFirst = false;
  private continuousMessage = Buffer.alloc(0);
  updates = 0;
  updateBytes = 0;
  readonly fences: FenceSeen[] = [];
  closed = false;
  private buf = Buffer.alloc(0);
  private stage: "version" | "security" | "result" | "init" | "messages" = "version";

  constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
    socket.on("error", () => {});
    socket.on("close", () => (this.closed = true));
  }

  static open(port: number): FenceClient {
    return new FenceClient(connect(port, "127.0.0.1"));
  }

  answer(f: FenceSeen): void {
    const m = Buffer.alloc(9 + f.payload.length);
    m[0] = 248;
    m.writeUInt32BE((f.flags & 0x7) >>> 0, 4);
    m[8] = f.payload.length;
    f.payload.copy(m, 9);
    this.socket.write(m);
  }

  private parse(): void {
    for (;;) {
      const b = this.buf;
      let used = 0;
      if (this.stage === "version" && b.length >= 12) {
        this.socket.write("RFB 003.008\n");
        used = 12;
        this.stage = "security";
      } else if (this.stage === "security" && b.length >= 1 && b.length >= 1 + b[0]!) {
        this.socket.write(Buffer.of(1));
        used = 1 + b[0]!;
        this.stage = "result";
      } else if (this.stage === "result" && b.length >= 4) {
        this.socket.write(Buffer.of(1)); // shared
        used = 4;
        this.stage = "init";
      } else if (this.stage === "init" && b.length >= 24 && b.length >= 24 + b.readUInt32BE(20)) {
        used = 24 + b.readUInt32BE(20);
        const enc = Buffer.alloc(4 + 3 * 4);
        enc[0] = 2;
        enc.writeUInt16BE(3, 2);
        enc.writeInt32BE(0, 4); // Raw
        enc.writeInt32BE(-313, 8); // ContinuousUpdates
        enc.writeInt32BE(-312, 12); // Fence
        const w = b.readUInt16BE(0);
        const h = b.readUInt16BE(2);
        const full = Buffer.from([3, 0, 0, 0, 0, 0, w >> 8, w & 0xff, h >> 8, h & 0xff]);
        const cu = Buffer.from([150, 1, 0, 0, 0, 0, w >> 8, w & 0xff, h >> 8, h & 0xff]);
        this.continuousMessage = cu;
        this.socket.write(Buffer.concat(this.continuousAfterFirst ? [enc, full] : [enc, full, cu]));
        this.stage = "messages";
      } else if (this.stage === "messages" && b.length >= 1) {
        used = this.message(b);
      }
      if (used === 0) return;
      this.buf = b.subarray(used);
    }
  }

  /** Bytes of one complete server message at the start of `b`, or 0 when it is not all here. */
  private message(b: Buffer): number {
    switch (b[0]) {
      case 0: {
        if (b.length < 4) return 0;
        let o = 4;
        for (let i = 0; i < b.readUInt16BE(2); i++) {
          if (b.length < o + 12) return 0;
          const w = b.readUInt16BE(o + 4);
          const h = b.readUInt16BE(o + 6);
          const enc = b.readInt32BE(o + 8);
          assert.equal(enc, 0, "only Raw rects were asked for");
          o += 12 + w * h * 4;
          if (b.length < o) return 0;
        }
        this.updates++;
        this.updateBytes += o;
        if (this.continuousAfterFirst && this.updates === 1) this.socket.write(this.continuousMessage);
        return o;
      }
      case 150:
        return 1;
      case 248: {
        if (b.length < 9 || b.length < 9 + b[8]!) return 0;
        const fence = { flags: b.readUInt32BE(4), payload: Buffer.from(b.subarray(9, 9 + b[8]!)) };
        this.fences.push(fence);
        if (this.autoAnswer && (fence.flags & 0x80000000) !== 0) this.answer(fence);
        return 9 + b[8]!;
      }
      default:
        throw new Error(`unexpected server message ${b[0]}`);
    }
  }
}

test("continuous updates are paced by fences: at most two updates and one framebuffer beyond the last answer, more after an answer, dropped when never answered", async () => {
  const width = 320;
  const height = 240;
  const s = await startServer({ width, height, stallTimeoutMs: 1500 });
  const c = FenceClient.open(s.ports.tcp!.port);
  let frame = 0;
  const publish = (): void => {
    frame++;
    for (let i = 0; i < s.pixels.length; i++) s.pixels[i] = (i * 2654435761 + frame) & 0xffffff;
    s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: width, h: height }] });
  };
  try {
    await until(() => c.updates >= 1, 5000, "the first update");
    // 30 frames of full damage (307 KB each, Raw): without pacing every one would go out
    for (let i = 0; i < 30; i++) {
      publish();
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 200));
    const throttle = Math.max(1 << 20, width * height * 4);
    const before = c.updates;
    assert.ok(c.updateBytes <= throttle + 2 * (width * height * 4 + 16), `at most about one framebuffer past the unanswered fence: ${c.updateBytes} bytes`);
    assert.ok(before <= 1 + MAX_UPDATES_IN_FLIGHT, `updates stopped while the fences are unanswered: ${before} of 31`);
    const ours = c.fences.filter((f) => f.payload.length === 8);
    assert.equal(ours.length, MAX_UPDATES_IN_FLIGHT, "a fence behind each update, as many out as updates may be in flight");
    assert.ok((ours[0]!.flags & 0x80000000) !== 0 && (ours[0]!.flags & 1) !== 0, "a request with BlockBefore");

    // answering the oldest lets the pending damage go, with the next fence behind it
    c.answer(ours[0]!);
    await until(() => c.updates > before, 5000, "an update after the answer");
    await until(() => c.fences.filter((f) => f.payload.length === 8).length === MAX_UPDATES_IN_FLIGHT + 1, 5000, "the next fence");
    assert.equal(s.server.stats.clients, 1);

    // never answered again: dropped after the stall limit, with the reason
    publish();
    await until(() => c.closed, 8000, "the client dropped");
    assert.ok(s.rec.logs.some((l) => /did not answer a fence/.test(l)), s.rec.logs.join(" | "));
  } finally {
    c.socket.destroy();
    await s.close();
  }
});

test("a first whole screen bigger than one framebuffer, sent before continuous updates were on, does not stall the pacing", async () => {
  // 640x480 Raw: the first update (1,228,816 bytes) is over the in-flight limit (max(1 MiB, 1,228,800)) and
  // went out unfenced, before EnableContinuousUpdates was read; waiting for an answer to it would wait for ever
  const width = 640;
  const height = 480;
  const s = await startServer({ width, height });
  const c = FenceClient.open(s.ports.tcp!.port);
  c.autoAnswer = true;
  c.continuousAfterFirst = true;
  try {
    await until(() => c.updates >= 1, 5000, "the first update");
    for (let frame = 1; frame <= 5; frame++) {
      for (let i = 0; i < s.pixels.length; i++) s.pixels[i] = (i * 2654435761 + frame) & 0xffffff;
      s.console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: width, h: height }] });
      await until(() => c.updates >= frame + 1, 5000, `update ${frame + 1}`);
    }
    assert.ok(c.fences.filter((f) => f.payload.length === 8).length >= 5, "each paced update was fenced");
  } finally {
    c.socket.destroy();
    await s.close();
  }
});
