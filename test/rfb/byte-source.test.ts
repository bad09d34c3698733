/**
 * The ByteSource reads decoders use besides read(): head() (what is buffered now, contiguous, unconsumed),
 * skip() (consume without waiting) and peek() (wait for bytes without consuming them).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BYTE_SOURCE_HIGH_WATER, ByteSource } from "../../src/rfb/client/byte-source.ts";

const bytes = (...v: number[]) => Buffer.from(v);

test("head() is the oldest chunk's unread part, consumed only by skip(); skip() crosses chunks", async () => {
  const source = new ByteSource();
  assert.equal(source.head().length, 0, "nothing buffered: empty");
  source.push(bytes(1, 2, 3));
  source.push(bytes(4, 5));
  source.push(bytes(6));
  assert.deepEqual([...source.head()], [1, 2, 3]);
  assert.deepEqual([...source.head()], [1, 2, 3], "looking consumes nothing");
  source.skip(2);
  assert.deepEqual([...source.head()], [3]);
  assert.equal(source.available, 4);
  source.skip(2); // 3 and 4: the rest of the first chunk and into the second
  assert.deepEqual([...source.head()], [5]);
  assert.equal(source.consumed, 4);
  assert.deepEqual([...(await source.read(2))], [5, 6]);
  assert.equal(source.head().length, 0);
});

test("peek() waits for its bytes and leaves them for the next read, across chunks", async () => {
  const source = new ByteSource();
  source.push(bytes(9, 8));
  let seen: Buffer | undefined;
  const peeked = source.peek(4).then((b) => (seen = b));
  await new Promise((r) => setImmediate(r));
  assert.equal(seen, undefined, "two of four bytes: still waiting");
  source.push(bytes(7, 6, 5));
  await peeked;
  assert.deepEqual([...seen!], [9, 8, 7, 6]);
  assert.equal(source.available, 5, "nothing consumed");
  assert.deepEqual([...(await source.read(5))], [9, 8, 7, 6, 5]);
});

test("skip() refuses more than is buffered, and while a read waits", async () => {
  const source = new ByteSource();
  source.push(bytes(1, 2));
  assert.throws(() => source.skip(3), /skip 3 of 2 buffered bytes/);
  assert.throws(() => source.skip(-1), RangeError);
  assert.equal(source.available, 2, "a refused skip consumes nothing");
  const waiting = source.read(3);
  assert.throws(() => source.skip(1), /skip while a read waits/);
  source.push(bytes(3));
  assert.deepEqual([...(await waiting)], [1, 2, 3]);
});

test("a paused stream resumes when skip() brings the backlog under half the mark", () => {
  const source = new ByteSource();
  const calls: string[] = [];
  source.setFlowControl({ pause: () => calls.push("pause"), resume: () => calls.push("resume") });
  source.push(Buffer.alloc(BYTE_SOURCE_HIGH_WATER + 1));
  assert.deepEqual(calls, ["pause"]);
  source.skip(BYTE_SOURCE_HIGH_WATER / 2 + 1);
  assert.deepEqual(calls, ["pause"], "at half: still paused");
  source.skip(1);
  assert.deepEqual(calls, ["pause", "resume"]);
});
