/**
 * Our RFB client holds a bounded backlog: when it decodes slower than the server sends, its ByteSource
 * pauses the socket above BYTE_SOURCE_HIGH_WATER unread bytes (TCP's window then slows the server, whose
 * flow control coalesces damage) and resumes below half of it — never while a read waits for more.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BYTE_SOURCE_HIGH_WATER, ByteSource } from "../../src/rfb/client/byte-source.ts";

function recordingSource() {
  const source = new ByteSource();
  const calls: string[] = [];
  source.setFlowControl({ pause: () => calls.push("pause"), resume: () => calls.push("resume") });
  return { source, calls };
}

test("paused above the high-water mark, resumed below half of it", async () => {
  const { source, calls } = recordingSource();
  const chunk = Buffer.alloc(256 * 1024, 7);
  const chunks = (BYTE_SOURCE_HIGH_WATER / chunk.length) + 1;
  for (let i = 0; i < chunks; i++) source.push(chunk);
  assert.deepEqual(calls, ["pause"], "once over the mark");
  for (let i = 0; i < chunks; i++) source.push(chunk);
  assert.deepEqual(calls, ["pause"], "no repeated pause");
  // read down to just above half: still paused
  await source.read(source.available - BYTE_SOURCE_HIGH_WATER / 2);
  assert.deepEqual(calls, ["pause"]);
  await source.read(1);
  assert.deepEqual(calls, ["pause", "resume"], "below half: resumed");
  assert.equal(source.available, BYTE_SOURCE_HIGH_WATER / 2 - 1);
});

test("a read that needs more than the mark keeps the stream flowing until it is served", async () => {
  const { source, calls } = recordingSource();
  const big = 3 * BYTE_SOURCE_HIGH_WATER;
  const pending = source.read(big);
  const chunk = Buffer.alloc(1024 * 1024, 1);
  for (let got = 0; got < big; got += chunk.length) {
    source.push(chunk);
    if (got + chunk.length < big) assert.deepEqual(calls, [], `not paused at ${got + chunk.length} bytes while the read waits for ${big}`);
  }
  assert.equal((await pending).length, big);
  assert.deepEqual(calls, [], "never paused");
  for (let i = 0; i <= BYTE_SOURCE_HIGH_WATER / chunk.length; i++) source.push(chunk);
  assert.deepEqual(calls, ["pause"], "with no read waiting, the mark applies again");
  void source.read(source.available + 1);
  assert.deepEqual(calls, ["pause", "resume"], "a read wanting more than is buffered resumes at once");
});
