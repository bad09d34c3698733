/** GuestDisplay over the bochs and mdpy guests, seen from the host through QUERY_GFX_PLANE. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DrmPlaneType, setU32 } from "../../src/abi/index.ts";
import { createMdpyParent } from "../../src/drivers/mdpy/index.ts";
import { BochsDisplay } from "../../src/guest/bochs-display.ts";
import { edidPreferredMode } from "../../src/guest/edid-preferred-mode.ts";
import { generateEdid } from "../../src/display/edid-generate.ts";
import { MdpyDisplay } from "../../src/guest/mdpy-display.ts";
import { MdpyGuest } from "../../src/guest/mdpy-guest.ts";
import { HostKernel } from "../../src/kernel/host-kernel.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { getDmabuf, nextUuid, query } from "../helpers/ioctl-args.ts";

/** A valid EDID 1.4 block preferring w x h, made by the host's own generator. */
const edidFor = (w: number, h: number): Uint8Array => generateEdid({ width: w, height: h });

test("edidPreferredMode reads the first detailed timing and refuses bad headers, checksums and non-timings", () => {
  assert.deepEqual(edidPreferredMode(edidFor(1920, 1080)), { width: 1920, height: 1080 });
  assert.deepEqual(edidPreferredMode(edidFor(3840, 2160)), { width: 3840, height: 2160 });
  const badSum = edidFor(800, 600);
  badSum[100] = badSum[100]! ^ 1;
  assert.equal(edidPreferredMode(badSum), undefined);
  const badHeader = edidFor(800, 600);
  badHeader[0] = 1;
  badHeader[127] = (badHeader[127]! - 1) & 0xff;
  assert.equal(edidPreferredMode(badHeader), undefined);
  assert.equal(edidPreferredMode(new Uint8Array(64)), undefined);
});

test("BochsDisplay: two buffers, drawing lands in VRAM, present() flips what the host sees", () => {
  const { dev, guest } = bochsFixture();
  const display = new BochsDisplay(guest);
  display.setMode({ width: 1024, height: 768 });
  assert.equal(display.bufferCount, 2);
  const back = display.buffer(1);
  back.pixels.fill(0x00ff8800, 0, back.stridePixels * back.height);
  const before = query(dev, 2, DrmPlaneType.PRIMARY).info;
  display.present(1);
  const after = query(dev, 2, DrmPlaneType.PRIMARY).info;
  assert.notEqual(after.id, before.id, "a flip is a new framebuffer for the host");
  assert.equal(guest.getPixel(5, 5, 1), 0x00ff8800);
  assert.throws(() => display.buffer(2), RangeError);
  display.disable();
  assert.equal(display.mode, undefined);
  assert.equal(query(dev, 2, DrmPlaneType.PRIMARY).info.drmFormat, 0);
});

test("BochsDisplay: the preferred mode comes from the EDID the host publishes", () => {
  const { dev, guest } = bochsFixture();
  const display = new BochsDisplay(guest);
  assert.equal(display.preferredMode(), undefined, "link down");
  const blob = edidFor(1280, 720);
  const reg = new Uint8Array(4);
  setU32(reg, 0, 128);
  dev.pwrite(reg, 0x2000 + 8);
  dev.pwrite(blob, 0x2000 + 0x800);
  setU32(reg, 0, 1);
  dev.pwrite(reg, 0x2000 + 20);
  assert.deepEqual(display.preferredMode(), { width: 1280, height: 720 });
  const max = display.maxMode;
  assert.ok(max.width * max.height * 4 <= 16 * 1024 * 1024);
});

test("MdpyDisplay: one fixed mode and buffer; another mode is a RangeError", () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const uuid = nextUuid();
  assert.equal(kernel.bus.create("mdpy", "mdpy-xga", uuid), 0);
  const dev = kernel.openDevice(uuid);
  assert.ok(typeof dev !== "number");
  const display = new MdpyDisplay(MdpyGuest.attach(dev));
  assert.deepEqual(display.mode, { width: 1024, height: 768 });
  assert.throws(() => display.setMode({ width: 800, height: 600 }), RangeError);
  const img = display.buffer(0);
  img.pixels[img.stridePixels * 10 + 10] = 0x00123456;
  const host = new Uint8Array(4);
  assert.equal(dev.pread(host, 0x1000 + (10 * 1024 + 10) * 4), 4);
  assert.deepEqual([...host], [0x56, 0x34, 0x12, 0]);
});

test("BochsDisplay at 800x600: buffer 1 starts on a page, so the host can export both buffers", () => {
  const { dev, guest } = bochsFixture({ type: "mbochs-small" });
  const display = new BochsDisplay(guest);
  display.setMode({ width: 800, height: 600 });
  assert.equal(display.bufferCount, 2);
  display.buffer(1).pixels.fill(0x00445566);
  display.present(1);
  const { info } = query(dev, 2, DrmPlaneType.PRIMARY);
  assert.equal(guest.bufferOffset(1) % 4096, 0);
  assert.ok(getDmabuf(dev, info.id) >= 0, "buffer 1 is exportable");
  assert.equal(guest.readReg(8) * 4 + guest.readReg(9) * 3200, guest.bufferOffset(1), "X/Y offsets address the page-aligned buffer");
});
