/** A real eventfd polled on a koffi worker thread: listeners hear a signal, the counter reads and resets. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Errno } from "../../src/abi/index.ts";
import { NativeEventFd, fdKind } from "../../src/native/index.ts";

function created(): NativeEventFd {
  const e = NativeEventFd.create();
  if (typeof e === "number") throw new Error(`eventfd: ${e}`);
  return e;
}

test("a real eventfd: the counter adds up and read() resets it (0 when nothing came)", () => {
  const e = created();
  assert.equal(fdKind(e.fd), "anon_inode:[eventfd]");
  assert.equal(e.read(), 0);
  e.signal(1);
  e.signal(2);
  assert.equal(e.read(), 3);
  assert.equal(e.read(), 0);
  assert.equal(e.close(), 0);
  assert.equal(e.read(), -Errno.EBADF);
  assert.equal(e.close(), -Errno.EBADF);
});

test("poll: a listener is told once per signal, without blocking the event loop", async (t) => {
  const e = created();
  // closed whatever happens: an outstanding poll would keep the test process alive
  t.after(() => void e.close());
  let heard = 0;
  const signalled = new Promise<number>((resolve) => {
    e.onSignal(() => {
      heard++;
      resolve(Date.now());
    });
  });
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  const sent = Date.now();
  setTimeout(() => e.signal(1), 30);
  const at = await signalled;
  clearInterval(ticker);
  assert.equal(heard, 1);
  assert.ok(at - sent >= 25 && at - sent < 1000, `told after ${at - sent} ms`);
  // a blocked loop would not tick at all (how often it ticks depends on the machine's load)
  assert.ok(ticks >= 1, `the event loop kept running (${ticks} ticks)`);
  // The backend drained the counter for the listener: no second notification without a new signal.
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(heard, 1);
  assert.equal(e.close(), 0);
});

test("close while a poll is outstanding: the fd is released after the poll returns, listeners stop", async () => {
  const e = created();
  let heard = 0;
  e.onSignal(() => heard++);
  assert.equal(e.close(), 0);
  assert.equal(e.signal(1), -Errno.EBADF);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(heard, 0);
});
