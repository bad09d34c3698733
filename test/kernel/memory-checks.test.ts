/** The fuzzer's checked-memory mode: off, views are the plain arrays; on, out-of-range access faults. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GuestMemoryFault, checkedView, setMemoryChecks } from "../../src/kernel/memory-checks.ts";
import { GuestRam } from "../../src/kernel/guest-ram.ts";

test("checks off: GuestRam views are plain typed arrays (the fast path is unchanged)", () => {
  setMemoryChecks(false);
  const ram = new GuestRam(8192);
  const v = ram.view(4096, 16)!;
  assert.ok(ArrayBuffer.isView(v));
  assert.equal(v[16], undefined);
});

test("checks on: reads, writes and clamping subarray/slice outside a view throw GuestMemoryFault; inside they work", () => {
  setMemoryChecks(true);
  try {
    const ram = new GuestRam(8192);
    ram.bytes[4096 + 3] = 7;
    const v = ram.view(4096, 16)!;
    assert.equal(v[3], 7);
    assert.equal(v.length, 16);
    v[15] = 9;
    assert.equal(ram.bytes[4096 + 15], 9);
    assert.throws(() => v[16], GuestMemoryFault);
    assert.throws(() => v[-1], GuestMemoryFault);
    assert.throws(() => {
      v[16] = 1;
    }, GuestMemoryFault);
    assert.throws(() => v.subarray(8, 17), /subarray\(8, 17\) of a 16-element view/);
    assert.throws(() => v.slice(-1), GuestMemoryFault);
    const part = v.subarray(2, 4);
    assert.equal(part[1], 7);
    assert.throws(() => part[2], GuestMemoryFault);
    // methods and properties still work on the real array
    assert.equal(v.byteOffset, 4096);
    const copy = new Uint8Array(16);
    copy.set(v);
    assert.equal(copy[3], 7);
    assert.deepEqual([...v.slice(3, 4)], [7]);
    assert.throws(() => ram.page(0)![4096], GuestMemoryFault);
    const words = checkedView(new Uint32Array(4));
    assert.throws(() => words[4], GuestMemoryFault);
  } finally {
    setMemoryChecks(false);
  }
});
