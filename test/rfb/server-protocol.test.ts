/**
 * The VNC server's protocol behaviour with our strict client: handshake versions, desktop size (with the
 * statuses the spec gives), input and clipboard to the guest and back, cursors in the three encodings,
 * LED state and QEMU key acknowledgement, continuous updates and fences, SetPixelFormat mid-session, and the
 * share policy of ClientInit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Encoding, PseudoEncoding as P } from "../../src/rfb/encodings.ts";
import { RGBX_PIXEL_FORMAT, SERVER_PIXEL_FORMAT } from "../../src/rfb/pixel-format.ts";
import { Leds } from "../../src/display/console.ts";
import type { DesktopSizeReply } from "../../src/rfb/client/rfb-client.ts";
import { encodesOfOneFrame, fullUpdate, startServer, until } from "../helpers/rfb-server-fixture.ts";
import { rawRfbClient } from "../helpers/raw-rfb-client.ts";
import * as msg from "../../src/rfb/client/client-messages.ts";
import { ClipboardAction, ClipboardFormat, providePayload } from "../../src/rfb/client/extended-clipboard.ts";
import { CLIPBOARD_WAIT_MS } from "../../src/rfb/clipboard-input-gate.ts";

test("RFB 3.3, 3.7 and 3.8 clients all get the picture; ServerInit names the console and its size", async () => {
  const s = await startServer({ width: 64, height: 48, name: "my vGPU" });
  try {
    for (const version of ["3.3", "3.7", "3.8"] as const) {
      const c = await s.connect({ version, encodings: [Encoding.Raw] });
      assert.equal(c.desktopName, "my vGPU");
      assert.deepEqual([c.framebuffer.width, c.framebuffer.height], [64, 48]);
      await fullUpdate(c);
      assert.equal(c.framebuffer.pixels[10 * 64 + 10], s.pixels[10 * 64 + 10]);
      c.close();
    }
  } finally {
    await s.close();
  }
});

test("a non-incremental request is answered with the screen layout; SetDesktopSize gets status 4 (forwarded), 0, 1 or 3 as the spec says", async () => {
  const s = await startServer({ width: 100, height: 80 });
  const c = await s.connect({ encodings: [Encoding.Raw, P.ExtendedDesktopSize] });
  try {
    await fullUpdate(c);
    const first = c.desktopSizeReplies[0]!;
    assert.deepEqual([first.reason, first.status, first.width, first.height], [0, 0, 100, 80]);
    assert.equal(first.screens.length, 1);

    const reply = (): Promise<DesktopSizeReply> => c.nextDesktopSize();
    let r = reply();
    c.setDesktopSize(640, 480);
    assert.deepEqual(pick(await r), [1, 4, 640, 480]);
    assert.deepEqual(s.rec.sizeRequests, [{ width: 640, height: 480 }]);

    r = reply();
    c.setDesktopSize(100, 80);
    assert.deepEqual(pick(await r), [1, 0, 100, 80], "the current size is a layout-only change: ok at once");

    r = reply();
    c.setDesktopSize(100, 80, [{ id: 0, x: 50, y: 0, width: 100, height: 80, flags: 0 }]);
    assert.deepEqual(pick(await r), [1, 3, 100, 80], "a screen outside the framebuffer is an invalid layout");

    // the guest follows: a new surface is announced to the client with reason 0
    const announced = reply();
    s.console.publishSurface({ width: 640, height: 480, pixels: new Uint32Array(640 * 480).fill(0x336699) });
    void c.requestUpdate({ incremental: true }).catch(() => {});
    assert.deepEqual(pick(await announced), [0, 0, 640, 480]);
    await until(() => c.framebuffer.width === 640 && c.framebuffer.pixels[640 * 479 + 639] === 0x336699, 5000, "pixels after the resize");
  } finally {
    c.close();
    await s.close();
  }
  const u = await startServer({ width: 100, height: 80, sizeHandler: "none" });
  const d = await u.connect({ encodings: [Encoding.Raw, P.ExtendedDesktopSize] });
  try {
    await fullUpdate(d);
    const r = d.nextDesktopSize();
    d.setDesktopSize(320, 200);
    assert.deepEqual(pick(await r), [1, 1, 100, 80], "a device without EDID: prohibited, current size");
  } finally {
    d.close();
    await u.close();
  }
});

function pick(r: DesktopSizeReply): number[] {
  return [r.reason, r.status, r.width, r.height];
}

test("a client without ExtendedDesktopSize gets DesktopSize on a mode change, and the new pixels", async () => {
  const s = await startServer({ width: 50, height: 40 });
  const c = await s.connect({ encodings: [Encoding.Hextile, P.DesktopSize] });
  try {
    await fullUpdate(c);
    void c.requestUpdate({ incremental: true }).catch(() => {});
    const resized = once(c, "desktop-size");
    s.console.publishSurface({ width: 70, height: 30, pixels: new Uint32Array(70 * 30).fill(0xff0000) });
    await resized;
    await until(() => c.framebuffer.width === 70 && c.framebuffer.pixels[0] === 0xff0000, 5000, "pixels");
  } finally {
    c.close();
    await s.close();
  }
});

test("pointer, keysym and QEMU scancode events reach the guest; the ext-key acknowledgement comes first", async () => {
  const s = await startServer({ width: 100, height: 80 });
  const c = await s.connect({ encodings: [Encoding.Raw, P.QemuExtendedKeyEvent, P.QemuLedState] });
  try {
    await fullUpdate(c);
    assert.equal(c.qemuExtendedKeys, true);
    assert.equal(c.ledState, 0);
    c.pointerEvent(1, 10, 20);
    c.pointerEvent(0, 5000, 5000); // outside: clamped to the surface
    c.keyEvent(true, 0x61);
    c.keyEvent(false, 0x61);
    c.qemuKeyEvent(true, 0xff53, 0xcd); // Right arrow: 0xE0 0x4D as 0xCD
    await until(() => s.rec.inputs.length === 5, 3000, "5 input events");
    assert.deepEqual(s.rec.inputs, [
      { type: "pointer", x: 10, y: 20, buttons: 1 },
      { type: "pointer", x: 99, y: 79, buttons: 0 },
      { type: "key", down: true, keysym: 0x61 },
      { type: "key", down: false, keysym: 0x61 },
      { type: "key", down: true, scancode: 0xcd, keysym: 0xff53 },
    ]);
    // the guest's keyboard LEDs
    void c.requestUpdate({ incremental: true }).catch(() => {});
    const led = once(c, "led");
    s.console.publishLeds(Leds.CAPS | Leds.NUM);
    assert.deepEqual(await led, [6]);
  } finally {
    c.close();
    await s.close();
  }
});

test("clipboard both ways: plain cut text (Latin-1) and the extended clipboard (UTF-8)", async () => {
  const s = await startServer({ width: 40, height: 30 });
  const plain = await s.connect({ encodings: [Encoding.Raw] });
  const ext = await s.connect({ encodings: [Encoding.Raw, P.ExtendedClipboard] });
  try {
    await fullUpdate(ext);
    assert.ok(ext.serverClipboardCaps, "the server announced its clipboard caps");
    plain.sendCutText("from plain\r\nclient");
    await until(() => s.rec.clipboard.length === 1, 3000, "plain cut text");
    assert.equal(s.rec.clipboard[0], "from plain\nclient");
    ext.setClipboard("extended ✓ text\nline 2");
    await until(() => s.rec.clipboard.length === 2, 3000, "extended cut text");
    assert.equal(s.rec.clipboard[1], "extended ✓ text\nline 2");

    const gotPlain = once(plain, "clipboard");
    const gotExt = once(ext, "clipboard");
    s.console.publishClipboard("guest copied ✓");
    assert.deepEqual(await gotPlain, ["guest copied ?"]);
    assert.deepEqual(await gotExt, ["guest copied ✓"]);
  } finally {
    plain.close();
    ext.close();
    await s.close();
  }
});

test("the cursor arrives as alpha cursor (−314), VMware cursor or rich cursor, whichever the client listed", async () => {
  const s = await startServer({ width: 60, height: 40 });
  const pixels = new Uint32Array(4 * 3);
  pixels.fill(0xff00ff00);
  pixels[0] = 0x80ff0000; // half-transparent red
  pixels[11] = 0x00000000; // transparent
  s.console.publishCursor({ width: 4, height: 3, pixels, hotX: 1, hotY: 2 });
  try {
    for (const [enc, name] of [[P.CursorWithAlpha, "alpha"], [P.VMwareCursor, "vmware"], [P.Cursor, "rich"]] as const) {
      const c = await s.connect({ encodings: [Encoding.Raw, enc] });
      try {
        await fullUpdate(c);
        await until(() => c.cursor !== undefined, 3000, `${name} cursor`);
        const cur = c.cursor!;
        assert.deepEqual([cur.width, cur.height, cur.hotX, cur.hotY, cur.encoding], [4, 3, 1, 2, enc], name);
        assert.equal(cur.argb[5], 0xff00ff00, `${name}: opaque green`);
        assert.equal(cur.argb[11]! >>> 24, 0, `${name}: transparent pixel`);
        if (name !== "rich") assert.ok(Math.abs((cur.argb[0]! >>> 24) - 0x80) <= 1 && ((cur.argb[0]! >>> 16) & 0xff) >= 0xfd, `${name}: alpha kept`);
      } finally {
        c.close();
      }
    }
  } finally {
    await s.close();
  }
});

test("continuous updates: EndOfContinuousUpdates on first sight, then damage is pushed without requests; fences are answered", async () => {
  const s = await startServer({ width: 80, height: 60 });
  const c = await s.connect({ encodings: [Encoding.Raw, P.ContinuousUpdates, P.Fence] });
  try {
    await until(() => c.continuousUpdatesSupported && c.fenceSupported, 3000, "CU and fence support");
    await fullUpdate(c);
    c.enableContinuousUpdates(true);
    for (let i = 0; i < 3; i++) {
      const pushed = c.nextUpdate((u) => u.pixels > 0);
      s.paint(i * 10, 0, 10, 10, 0x0000ff + i);
      const u = await pushed;
      assert.equal(u.requested, false, "pushed, not requested");
    }
    assert.equal(c.framebuffer.pixels[25], 0x0000ff + 2);
    const f = await c.fence(0x3, Buffer.from("ping"));
    assert.equal(f.flags, 0x3);
    assert.equal(f.payload.toString(), "ping");
    const ended = once(c, "end-of-continuous-updates");
    c.enableContinuousUpdates(false);
    await ended;
  } finally {
    c.close();
    await s.close();
  }
});

test("SetPixelFormat mid-session (TigerVNC's 8-bit switch) applies from the next update", async () => {
  const s = await startServer({ width: 64, height: 32 });
  const c = await s.connect({ encodings: [Encoding.ZRLE] });
  try {
    await fullUpdate(c);
    assert.equal(c.framebuffer.pixels[5], s.pixels[5]);
    const bgr233 = { bitsPerPixel: 8 as const, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 };
    c.setPixelFormat(bgr233);
    await fullUpdate(c);
    s.paint(0, 0, 8, 8, 0xffffff);
    await c.requestUpdate({ incremental: true });
    assert.equal(c.framebuffer.pixels[0], 0xffffff);
    c.setPixelFormat(RGBX_PIXEL_FORMAT);
    await fullUpdate(c);
    assert.equal(c.framebuffer.pixels[40 * 1 + 63 - 40], s.pixels[40 * 1 + 63 - 40]);
  } finally {
    c.close();
    await s.close();
  }
});

test("share policy: an exclusive ClientInit disconnects the others; a shared one is refused while an exclusive client is on", async () => {
  const s = await startServer({ width: 32, height: 32 });
  try {
    const a = await s.connect({ shared: true, encodings: [Encoding.Raw] });
    const aClosed = a.waitClosed();
    const b = await s.connect({ shared: false, encodings: [Encoding.Raw] });
    await aClosed;
    await fullUpdate(b);
    const late = await s.connect({ shared: true, encodings: [Encoding.Raw] }).then(
      async (c) => (await c.waitClosed(), "closed"),
      () => "refused",
    );
    assert.ok(late === "closed" || late === "refused");
    assert.equal(s.server.stats.clients, 1);
    b.close();
  } finally {
    await s.close();
  }
  const f = await startServer({ width: 32, height: 32, sharePolicy: "force-shared" });
  try {
    const a = await f.connect({ shared: false, encodings: [Encoding.Raw] });
    const b = await f.connect({ shared: false, encodings: [Encoding.Raw] });
    await Promise.all([fullUpdate(a), fullUpdate(b)]);
    assert.equal(f.server.stats.clients, 2);
    a.close();
    b.close();
  } finally {
    await f.close();
  }
});

test("XRGB clients share one encoding: ten up-to-date viewers cost one encode per frame", async () => {
  const s = await startServer({ width: 320, height: 200 });
  const clients = await Promise.all(Array.from({ length: 10 }, () => s.connect({ pixelFormat: SERVER_PIXEL_FORMAT, encodings: [Encoding.Tight, P.CompressLevel0 + 1] })));
  try {
    const { misses, hits } = await encodesOfOneFrame(s, clients, () => s.paint(20, 20, 100, 50, 0x445566));
    assert.equal(misses, 1, "one encode for the frame");
    assert.equal(hits, 9, "nine clients took it");
    for (const c of clients) assert.equal(c.framebuffer.pixels[30 * 320 + 30], 0x445566);
  } finally {
    for (const c of clients) c.close();
    await s.close();
  }
});

test("input sent right after an extended clipboard notify waits for the text: Ctrl-V pastes what was just offered", async () => {
  const s = await startServer({ width: 40, height: 30 });
  const order: string[] = [];
  s.console.setInputSink({
    input: (e) => order.push(e.type === "key" ? `key ${e.down ? "down" : "up"} ${e.keysym}` : `pointer ${e.x},${e.y}`),
    clipboard: (t) => order.push(`clipboard ${t}`),
  });
  const c = await rawRfbClient({ tcp: s.ports.tcp!.port });
  try {
    c.write(msg.setEncodings([Encoding.Raw, P.ExtendedClipboard]));
    const notify = msg.clientCutTextExtended((ClipboardAction.Notify | ClipboardFormat.Text) >>> 0, new Uint8Array(0));
    // a paste into the client's clipboard panel, then Ctrl-V and a pointer move at once (one write, as a fast user's)
    c.write(Buffer.concat([notify, msg.keyEvent(true, 0xffe3), msg.keyEvent(true, 0x76), msg.keyEvent(false, 0x76), msg.pointerEvent(0, 5, 6)]));
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(order, [], "the keys wait: the server asked for the text and it has not come");
    const p = providePayload("fresh text");
    c.write(msg.clientCutTextExtended(p.flags, p.payload));
    await until(() => order.length === 5, 3000, "clipboard and the held input");
    assert.deepEqual(order, ["clipboard fresh text", "key down 65507", "key down 118", "key up 118", "pointer 5,6"]);

    // a client that announces text and never provides it: its input is late by the bound, not lost
    order.length = 0;
    const t0 = Date.now();
    c.write(Buffer.concat([notify, msg.keyEvent(false, 0xffe3)]));
    await until(() => order.length === 1, 3000, "the key after the wait ran out");
    const waited = Date.now() - t0;
    assert.deepEqual(order, ["key up 65507"]);
    assert.ok(waited >= CLIPBOARD_WAIT_MS - 50, `held ${waited} ms (the wait is ${CLIPBOARD_WAIT_MS} ms)`);
    // and input without a notify before it goes straight through
    c.write(msg.keyEvent(true, 0x61));
    await until(() => order.length === 2, 1000, "an ordinary key");
  } finally {
    c.destroy();
    await s.close();
  }
});
