/**
 * The websocket-frames fuzz target's frames over a real socket (the server's own WebSocket listener on
 * 127.0.0.1), fewer cases: the same close codes come back through the kernel's TCP stack, and a good
 * client connected the whole time still gets its updates.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import fc from "fast-check";
import { Encoding } from "../../src/rfb/encodings.ts";
import { fullUpdate, startServer } from "../helpers/rfb-server-fixture.ts";
import { MAX_CUT_TEXT, encode, expectedOutcome, framesOf, serverClose, step } from "./targets/websocket-frames.ts";

/** Upgrade a raw socket; resolves once the 101 response is in. */
async function upgraded(port: number): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  const chunks: Buffer[] = [];
  socket.on("data", (d: Buffer) => chunks.push(d));
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 7).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  while (!Buffer.concat(chunks).includes("\r\n\r\n")) await new Promise((r) => socket.once("data", r));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

test("fuzzed WebSocket frames over TCP: the same close codes as in process; a good client keeps getting updates", async () => {
  const s = await startServer({ width: 32, height: 32, limits: { maxCutText: MAX_CUT_TEXT } });
  const good = await s.connect({ encodings: [Encoding.Raw] }, "websocket");
  try {
    let closes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 5 }), fc.nat(), async (steps, maskKey) => {
        const frames = framesOf(steps);
        const { expected } = expectedOutcome(frames);
        const raw = await upgraded(s.ports.websocket!.port);
        for (const f of frames) raw.socket.write(encode(f, maskKey));
        if (expected.close === "code") {
          closes++;
          // the server's close frame, then it ends the TCP connection (a client close is answered, then ended)
          const deadline = Date.now() + 3000;
          while (!serverClose(raw.received()).found && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
          assert.equal(serverClose(raw.received()).code, expected.code);
        } else {
          await new Promise((r) => setTimeout(r, 10));
          assert.equal(serverClose(raw.received()).found, false);
        }
        raw.socket.destroy();
        await raw.closed;
      }),
      { numRuns: 150, seed: 0x5eed },
    );
    assert.ok(closes > 30, `${closes} cases ended in a close`);
    s.paint(0, 0, 8, 8, 0x00ff00);
    await fullUpdate(good);
    assert.equal(good.framebuffer.pixels[0], 0x00ff00);
  } finally {
    good.close();
    await s.close();
  }
});
