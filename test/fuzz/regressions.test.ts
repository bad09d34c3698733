/**
 * Every failure the fuzzers found, as the exact input that showed it (docs/reliability.md, "Fuzzing",
 * lists them with the fix).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Errno, VFIO_DEVICE_GET_INFO } from "../../src/abi/index.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";

test("ioctl-mbochs: GET_INFO on a plane-notify mbochs with argsz 40 in a 20-byte buffer fails with -EFAULT and writes nothing", () => {
  const { dev } = bochsFixture({ type: "mbochs-small", planeNotify: true });
  // found by ioctl-mbochs (seed 1): the driver wrote flags and num_irqs, then answered -EFAULT
  const arg = Uint8Array.from([40, 0, 0, 0, 0x82, 0, 0, 0, 10, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
  const before = arg.slice();
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, arg), -Errno.EFAULT);
  assert.deepEqual(arg, before);
  // with room for the capability it succeeds and describes it
  const full = new Uint8Array(40);
  full[0] = 40;
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, full), 0);
  assert.equal(full[16], 24, "cap_offset");
});
