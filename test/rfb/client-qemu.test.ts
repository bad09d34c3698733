/**
 * Our RFB client against a real reference server: QEMU's VNC server (SeaBIOS screen, 720x400), over
 * TCP and WebSocket, every pixel encoding QEMU has, and VNC authentication.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Encoding, PseudoEncoding } from "../../src/rfb/encodings.ts";
import { RfbClient, ServerRefused } from "../../src/rfb/client/rfb-client.ts";
import { PixelReader } from "../../src/rfb/client/pixel-reader.ts";
import type { PixelFormat } from "../../src/rfb/pixel-format.ts";
import { startQemuVnc, type QemuVnc } from "./helpers/qemu-vnc.ts";

const RGB565: PixelFormat = { bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 };
const BGR233: PixelFormat = { bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 };

async function fullFrame(c: RfbClient, encoding: number): Promise<Uint32Array> {
  c.setEncodings([encoding]);
  const s = await c.requestUpdate({ incremental: false });
  assert.ok(s.pixels >= c.framebuffer.width * c.framebuffer.height, `a full update (${s.pixels} pixels)`);
  return Uint32Array.from(c.framebuffer.pixels);
}

function equal(a: Uint32Array, b: Uint32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe("RFB client against QEMU's VNC server", () => {
  let qemu: QemuVnc;
  before(async () => {
    qemu = await startQemuVnc();
  });
  after(() => qemu.stop());

  it("ServerInit over TCP and WebSocket: 720x400, 32 bpp depth 24, name QEMU", async () => {
    for (const address of [{ host: "127.0.0.1", port: qemu.port }, { url: `ws://127.0.0.1:${qemu.wsPort}` }]) {
      const c = await RfbClient.connect(address);
      assert.equal(c.desktopName, "QEMU");
      assert.equal(c.handshake.serverVersion, "3.8");
      assert.deepEqual([c.framebuffer.width, c.framebuffer.height, c.pixelFormat.bitsPerPixel, c.pixelFormat.depth], [720, 400, 32, 24]);
      const s = await c.requestUpdate();
      assert.equal(s.rectsByEncoding.get("Raw"), 1);
      assert.equal(s.bytes, 4 + 12 + 720 * 400 * 4, "header + one raw rect");
      let lit = 0;
      for (const p of c.framebuffer.pixels) if (p !== 0) lit++;
      assert.ok(lit > 500, `SeaBIOS text is on screen (${lit} lit pixels)`);
      c.close();
    }
  });

  it("RFB 3.3 and 3.7 handshakes", async () => {
    for (const version of ["3.3", "3.7"] as const) {
      const c = await RfbClient.connect({ host: "127.0.0.1", port: qemu.port }, { version });
      assert.equal(c.desktopName, "QEMU");
      c.close();
    }
  });

  it("Hextile, Zlib, ZRLE, Tight and TightPNG full updates equal Raw pixel for pixel", async () => {
    const c = await RfbClient.connect({ host: "127.0.0.1", port: qemu.port });
    try {
      for (const enc of [Encoding.Hextile, Encoding.Zlib, Encoding.ZRLE, Encoding.Tight, Encoding.TightPNG]) {
        // The VGA text cursor blinks: the frame must equal a raw frame taken just before or just after it.
        let matched = false;
        for (let attempt = 0; attempt < 6 && !matched; attempt++) {
          const before = await fullFrame(c, Encoding.Raw);
          const encoded = await fullFrame(c, enc);
          assert.ok(c.lastUpdate!.rectsByEncoding.has(encodingLabel(enc)), `QEMU answered with ${encodingLabel(enc)}`);
          const afterFrame = await fullFrame(c, Encoding.Raw);
          matched = equal(encoded, before) || equal(encoded, afterFrame);
        }
        assert.ok(matched, `${encodingLabel(enc)} frame equals a raw frame`);
      }
    } finally {
      c.close();
    }
  });

  it("16 and 8 bpp pixel formats decode to the quantised raw frame", async () => {
    const ref = await RfbClient.connect({ host: "127.0.0.1", port: qemu.port });
    for (const pf of [RGB565, BGR233]) {
      const c = await RfbClient.connect({ host: "127.0.0.1", port: qemu.port }, { pixelFormat: pf });
      const q = new PixelReader(pf);
      let matched = false;
      // QEMU's screen may change while we capture (the console's cursor blinks): the ZRLE frame is taken
      // between two raw ones and must equal one of them exactly, quantised
      for (let attempt = 0; attempt < 6 && !matched; attempt++) {
        const before = await fullFrame(ref, Encoding.Raw);
        const frame = await fullFrame(c, Encoding.ZRLE);
        const after = await fullFrame(ref, Encoding.Raw);
        matched = [before, after].some((raw) => equal(frame, raw.map((p) => truncate(q, pf, p))));
      }
      assert.ok(matched, `${pf.bitsPerPixel} bpp ZRLE equals the quantised raw frame`);
      c.close();
    }
    ref.close();
  });

  it("pseudo-encodings: ExtendedDesktopSize on a non-incremental request, QEMU key ack, pointer mode, LED state", async () => {
    const c = await RfbClient.connect({ host: "127.0.0.1", port: qemu.port });
    const keyAck = new Promise((r) => c.once("qemu-extended-keys", r));
    c.setEncodings([Encoding.ZRLE, PseudoEncoding.ExtendedDesktopSize, PseudoEncoding.DesktopSize, PseudoEncoding.QemuExtendedKeyEvent, PseudoEncoding.QemuLedState, PseudoEncoding.QemuPointerMotionChange]);
    const pixels = c.nextUpdate((s) => s.pixels > 0);
    const first = await c.requestUpdate({ incremental: false });
    await pixels;
    await keyAck;
    assert.equal(first.rectsByEncoding.get("ExtendedDesktopSize"), 1);
    assert.deepEqual(c.desktopSizeReplies.at(-1), { reason: 0, status: 0, width: 720, height: 400, screens: [{ id: 0, x: 0, y: 0, width: 720, height: 400, flags: 0 }] });
    assert.equal(c.qemuExtendedKeys, true);
    assert.equal(c.absolutePointer, false, "no tablet: relative pointer");
    assert.equal(c.ledState, 0);
    // The connection survives input: a QEMU extended key (Shift), a pointer move, an incremental request.
    c.qemuKeyEvent(true, 0xffe1, 0x2a);
    c.qemuKeyEvent(false, 0xffe1, 0x2a);
    c.pointerEvent(0, 10, 10);
    c.keyEvent(true, 0x61);
    c.keyEvent(false, 0x61);
    const s = await c.requestUpdate({ incremental: false });
    assert.ok(s.rects >= 1);
    assert.equal(c.closed, false);
    c.close();
  });
});

describe("RFB client against QEMU with VNC authentication", () => {
  let qemu: QemuVnc;
  before(async () => {
    qemu = await startQemuVnc(",password-secret=vncpw", ["-object", "secret,id=vncpw,data=qemupass"]);
  });
  after(() => qemu.stop());

  it("accepts the right password and refuses a wrong one with the 3.8 reason", async () => {
    const c = await RfbClient.connect({ host: "127.0.0.1", port: qemu.port }, { password: "qemupass" });
    assert.equal(c.handshake.securityType, 2);
    assert.equal(c.desktopName, "QEMU");
    c.close();
    const ws = await RfbClient.connect({ url: `ws://127.0.0.1:${qemu.wsPort}` }, { password: "qemupass" });
    assert.equal(ws.handshake.securityType, 2);
    ws.close();
    await assert.rejects(
      RfbClient.connect({ host: "127.0.0.1", port: qemu.port }, { password: "qemupasx" }),
      // QEMU sends sizeof("Authentication failed"): the C string's NUL goes on the wire too.
      (e) => e instanceof ServerRefused && e.reason === "Authentication failed\u0000",
    );
    await assert.rejects(RfbClient.connect({ host: "127.0.0.1", port: qemu.port }), /no common security type: server offers \[2\]/);
  });
});

/** QEMU narrows channels by truncation ((c << bits) >> 8), not rounding; the reader scales back up. */
function truncate(q: PixelReader, pf: PixelFormat, xrgb: number): number {
  const ch = (c: number, max: number): number => Math.floor((c * (max + 1)) / 256);
  const value = (ch((xrgb >>> 16) & 0xff, pf.redMax) << pf.redShift) | (ch((xrgb >>> 8) & 0xff, pf.greenMax) << pf.greenShift) | (ch(xrgb & 0xff, pf.blueMax) << pf.blueShift);
  return q.toXrgb(value >>> 0);
}

function encodingLabel(n: number): string {
  return ({ 5: "Hextile", 6: "Zlib", 16: "ZRLE", 7: "Tight", [-260]: "TightPNG" } as Record<number, string>)[n]!;
}
