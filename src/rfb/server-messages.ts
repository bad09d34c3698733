/**
 * Server-to-client messages and pseudo-encoding rectangles, as bytes (RFC 6143 §7.6, rfbproto.rst). Small
 * and built per use; the pixel rectangles come from the encoders.
 */
import { deflateSync } from "node:zlib";
import { PseudoEncoding } from "./encodings.ts";
import { RECT_HEADER_BYTES, writeRectHeader } from "./encoders/encoder.ts";
import type { Screen } from "./client-messages.ts";
import type { PixelTranslator } from "./pixel-translator.ts";

export const ServerMessageType = {
  FramebufferUpdate: 0,
  SetColourMapEntries: 1,
  Bell: 2,
  ServerCutText: 3,
  EndOfContinuousUpdates: 150,
  ServerFence: 248,
  Xvp: 250,
} as const;

/** FramebufferUpdate header; 0xFFFF rectangles means "until a LastRect". */
export function framebufferUpdateHeader(rects: number): Buffer {
  const b = Buffer.alloc(4);
  b[0] = ServerMessageType.FramebufferUpdate;
  b.writeUInt16BE(rects, 2);
  return b;
}

function pseudoRect(x: number, y: number, w: number, h: number, encoding: number, dataBytes = 0): Buffer {
  const b = Buffer.alloc(RECT_HEADER_BYTES + dataBytes);
  writeRectHeader(b, 0, x, y, w, h, encoding);
  return b;
}

export function desktopSizeRect(width: number, height: number): Buffer {
  return pseudoRect(0, 0, width, height, PseudoEncoding.DesktopSize);
}

export const ExtendedDesktopSizeReason = { Server: 0, ThisClient: 1, OtherClient: 2 } as const;
export const ExtendedDesktopSizeStatus = { Ok: 0, Prohibited: 1, OutOfResources: 2, InvalidLayout: 3, Forwarded: 4 } as const;

export function extendedDesktopSizeRect(reason: number, status: number, width: number, height: number, screens: readonly Screen[]): Buffer {
  const b = pseudoRect(reason, status, width, height, PseudoEncoding.ExtendedDesktopSize, 4 + 16 * screens.length);
  let o = RECT_HEADER_BYTES;
  b[o] = screens.length;
  o += 4;
  for (const s of screens) {
    b.writeUInt32BE(s.id >>> 0, o);
    b.writeUInt16BE(s.x, o + 4);
    b.writeUInt16BE(s.y, o + 6);
    b.writeUInt16BE(s.w, o + 8);
    b.writeUInt16BE(s.h, o + 10);
    b.writeUInt32BE(s.flags >>> 0, o + 12);
    o += 16;
  }
  return b;
}

export function desktopNameRect(name: string): Buffer {
  const text = Buffer.from(name, "utf8");
  const b = pseudoRect(0, 0, 0, 0, PseudoEncoding.DesktopName, 4 + text.length);
  b.writeUInt32BE(text.length, RECT_HEADER_BYTES);
  text.copy(b, RECT_HEADER_BYTES + 4);
  return b;
}

export function lastRect(): Buffer {
  return pseudoRect(0, 0, 0, 0, PseudoEncoding.LastRect);
}

export function ledStateRect(state: number): Buffer {
  const b = pseudoRect(0, 0, 0, 0, PseudoEncoding.QemuLedState, 1);
  b[RECT_HEADER_BYTES] = state & 7;
  return b;
}

/** The acknowledgement that lets a client send QEMU extended key events. */
export function qemuExtendedKeyAckRect(): Buffer {
  return pseudoRect(0, 0, 0, 0, PseudoEncoding.QemuExtendedKeyEvent);
}

/** Absolute pointer (a tablet): x = 1. */
export function pointerMotionChangeRect(absolute: boolean): Buffer {
  return pseudoRect(absolute ? 1 : 0, 0, 0, 0, PseudoEncoding.QemuPointerMotionChange);
}

/** A cursor as ARGB words (0xAARRGGBB, straight alpha) with its hotspot; an empty one hides the cursor. */
export interface CursorImage {
  width: number;
  height: number;
  pixels: Uint32Array;
  hotX: number;
  hotY: number;
}

const clampHot = (c: CursorImage): [number, number] => [
  Math.min(c.hotX, Math.max(0, c.width - 1)),
  Math.min(c.hotY, Math.max(0, c.height - 1)),
];

/** Cursor with alpha (−314): raw-encoded R, G, B, A bytes with pre-multiplied alpha (TigerVNC). */
export function alphaCursorRect(c: CursorImage): Buffer {
  const [hx, hy] = clampHot(c);
  const n = c.width * c.height;
  const b = pseudoRect(hx, hy, c.width, c.height, PseudoEncoding.CursorWithAlpha, 4 + 4 * n);
  b.writeInt32BE(0, RECT_HEADER_BYTES); // the pixels are Raw-encoded
  let o = RECT_HEADER_BYTES + 4;
  for (let i = 0; i < n; i++) {
    const p = c.pixels[i]!;
    const a = p >>> 24;
    b[o] = Math.round((((p >>> 16) & 0xff) * a) / 255);
    b[o + 1] = Math.round((((p >>> 8) & 0xff) * a) / 255);
    b[o + 2] = Math.round(((p & 0xff) * a) / 255);
    b[o + 3] = a;
    o += 4;
  }
  return b;
}

/** VMware cursor (0x574d5664) type 1: straight-alpha R, G, B, A bytes (what noVNC draws best). */
export function vmwareAlphaCursorRect(c: CursorImage): Buffer {
  const [hx, hy] = clampHot(c);
  const n = c.width * c.height;
  const b = pseudoRect(hx, hy, c.width, c.height, PseudoEncoding.VMwareCursor, 2 + 4 * n);
  b[RECT_HEADER_BYTES] = 1;
  let o = RECT_HEADER_BYTES + 2;
  for (let i = 0; i < n; i++) {
    const p = c.pixels[i]!;
    b[o] = (p >>> 16) & 0xff;
    b[o + 1] = (p >>> 8) & 0xff;
    b[o + 2] = p & 0xff;
    b[o + 3] = p >>> 24;
    o += 4;
  }
  return b;
}

/** Rich cursor (−239): pixels in the client's format plus a 1-bit mask (alpha ≥ 128 is visible). */
export function richCursorRect(c: CursorImage, t: PixelTranslator): Buffer {
  const [hx, hy] = clampHot(c);
  const maskStride = (c.width + 7) >>> 3;
  const pixelBytes = c.width * c.height * t.bytesPerPixel;
  const b = pseudoRect(hx, hy, c.width, c.height, PseudoEncoding.Cursor, pixelBytes + maskStride * c.height);
  let o = RECT_HEADER_BYTES;
  for (let i = 0; i < c.width * c.height; i++) o = t.writePixel(t.pixel(c.pixels[i]! & 0xffffff), b, o);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      if (c.pixels[y * c.width + x]! >>> 24 >= 128) b[o + y * maskStride + (x >>> 3)]! |= 0x80 >>> (x & 7);
    }
  }
  return b;
}

export function bell(): Buffer {
  return Buffer.of(ServerMessageType.Bell);
}

/** Plain ServerCutText: Latin-1; characters outside it become '?'. */
export function serverCutText(text: string): Buffer {
  const latin = text.replace(/[^\u0000-\u00ff]/g, "?").replace(/\r\n/g, "\n");
  const body = Buffer.from(latin, "latin1");
  const b = Buffer.alloc(8 + body.length);
  b[0] = ServerMessageType.ServerCutText;
  b.writeInt32BE(body.length, 4);
  body.copy(b, 8);
  return b;
}

export const ClipboardFlag = {
  Text: 1 << 0,
  Caps: 1 << 24,
  Request: 1 << 25,
  Peek: 1 << 26,
  Notify: 1 << 27,
  Provide: 1 << 28,
} as const;

/** An ExtendedClipboard ServerCutText: negative length, flags, then the payload. */
export function extendedClipboardMessage(flags: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = ServerMessageType.ServerCutText;
  b.writeInt32BE(-(4 + payload.length), 4);
  b.writeUInt32BE(flags >>> 0, 8);
  b.set(payload, 12);
  return b;
}

/** Our clipboard capabilities: UTF-8 text up to `maxText` bytes; request, peek, notify, provide. */
export function clipboardCaps(maxText: number): Buffer {
  const sizes = Buffer.alloc(4);
  sizes.writeUInt32BE(maxText, 0);
  const f = ClipboardFlag;
  return extendedClipboardMessage(f.Caps | f.Text | f.Request | f.Peek | f.Notify | f.Provide, sizes);
}

/** Provide text: a zlib stream of u32 length + UTF-8 with CRLF line ends and a terminating NUL. */
export function clipboardProvide(text: string): Buffer {
  const utf8 = Buffer.from(text.replace(/\r?\n/g, "\r\n") + "\0", "utf8");
  const plain = Buffer.alloc(4 + utf8.length);
  plain.writeUInt32BE(utf8.length, 0);
  utf8.copy(plain, 4);
  return extendedClipboardMessage(ClipboardFlag.Provide | ClipboardFlag.Text, deflateSync(plain));
}

export function endOfContinuousUpdates(): Buffer {
  return Buffer.of(ServerMessageType.EndOfContinuousUpdates);
}

export const FenceFlag = { BlockBefore: 1, BlockAfter: 2, SyncNext: 4, Request: 0x80000000 } as const;

export function serverFence(flags: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b[0] = ServerMessageType.ServerFence;
  b.writeUInt32BE(flags >>> 0, 4);
  b[8] = payload.length;
  b.set(payload, 9);
  return b;
}

export const XvpCode = { Fail: 0, Init: 1 } as const;

export function xvpMessage(code: number): Buffer {
  return Buffer.of(ServerMessageType.Xvp, 0, 1, code);
}
