/**
 * Client → server messages (RFC 6143 §7.5 and the community extensions), as byte arrays. Each encoder
 * validates its arguments: this client tests servers, it must never send a malformed message by accident.
 */
import { PIXEL_FORMAT_BYTES, encodePixelFormat, type PixelFormat } from "../pixel-format.ts";

export const ClientMessageType = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
  EnableContinuousUpdates: 150,
  ClientFence: 248,
  SetDesktopSize: 251,
  Qemu: 255,
} as const;

export interface Screen {
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
  flags: number;
}

function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what} must be a 16-bit unsigned integer, got ${v}`);
  return v;
}

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} must be a 32-bit unsigned integer, got ${v}`);
  return v;
}

export function setPixelFormat(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(4 + PIXEL_FORMAT_BYTES);
  b[0] = ClientMessageType.SetPixelFormat;
  encodePixelFormat(pf, b, 4);
  return b;
}

export function setEncodings(encodings: readonly number[]): Buffer {
  u16(encodings.length, "number of encodings");
  const b = Buffer.alloc(4 + 4 * encodings.length);
  b[0] = ClientMessageType.SetEncodings;
  b.writeUInt16BE(encodings.length, 2);
  encodings.forEach((e, i) => {
    if (!Number.isInteger(e) || e < -0x80000000 || e > 0xffffffff) throw new RangeError(`encoding ${e} is not a 32-bit number`);
    b.writeInt32BE(e | 0, 4 + 4 * i);
  });
  return b;
}

export function framebufferUpdateRequest(incremental: boolean, x: number, y: number, w: number, h: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = ClientMessageType.FramebufferUpdateRequest;
  b[1] = incremental ? 1 : 0;
  b.writeUInt16BE(u16(x, "x"), 2);
  b.writeUInt16BE(u16(y, "y"), 4);
  b.writeUInt16BE(u16(w, "width"), 6);
  b.writeUInt16BE(u16(h, "height"), 8);
  return b;
}

export function keyEvent(down: boolean, keysym: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = ClientMessageType.KeyEvent;
  b[1] = down ? 1 : 0;
  b.writeUInt32BE(u32(keysym, "keysym"), 4);
  return b;
}

export function pointerEvent(buttons: number, x: number, y: number): Buffer {
  if (!Number.isInteger(buttons) || buttons < 0 || buttons > 0xff) throw new RangeError(`button mask must be 0..255, got ${buttons}`);
  const b = Buffer.alloc(6);
  b[0] = ClientMessageType.PointerEvent;
  b[1] = buttons;
  b.writeUInt16BE(u16(x, "x"), 2);
  b.writeUInt16BE(u16(y, "y"), 4);
  return b;
}

/** Plain ClientCutText: Latin-1 text (RFB's original clipboard charset); anything else is refused. */
export function clientCutText(text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) throw new RangeError(`plain cut text must be Latin-1; character ${i} is U+${text.charCodeAt(i).toString(16).toUpperCase()}`);
  }
  const body = Buffer.from(text, "latin1");
  const b = Buffer.alloc(8 + body.length);
  b[0] = ClientMessageType.ClientCutText;
  b.writeUInt32BE(body.length, 4);
  body.copy(b, 8);
  return b;
}

/** Extended-clipboard ClientCutText: the length is negative, the body is u32 flags + payload. */
export function clientCutTextExtended(flags: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = ClientMessageType.ClientCutText;
  b.writeInt32BE(-(4 + payload.length), 4);
  b.writeUInt32BE(u32(flags, "clipboard flags"), 8);
  b.set(payload, 12);
  return b;
}

/** QEMU extended key event (255/0): keysym plus the XT scancode (0xE0-prefixed codes with bit 7 set). */
export function qemuExtendedKeyEvent(down: boolean, keysym: number, keycode: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = ClientMessageType.Qemu;
  b[1] = 0;
  b.writeUInt16BE(down ? 1 : 0, 2);
  b.writeUInt32BE(u32(keysym, "keysym"), 4);
  b.writeUInt32BE(u32(keycode, "keycode"), 8);
  return b;
}

export function setDesktopSize(width: number, height: number, screens: readonly Screen[]): Buffer {
  if (screens.length < 1 || screens.length > 255) throw new RangeError(`SetDesktopSize needs 1 to 255 screens, got ${screens.length}`);
  const b = Buffer.alloc(8 + 16 * screens.length);
  b[0] = ClientMessageType.SetDesktopSize;
  b.writeUInt16BE(u16(width, "width"), 2);
  b.writeUInt16BE(u16(height, "height"), 4);
  b[6] = screens.length;
  screens.forEach((s, i) => writeScreen(b, 8 + 16 * i, s));
  return b;
}

export function writeScreen(b: Buffer, off: number, s: Screen): void {
  b.writeUInt32BE(u32(s.id, "screen id"), off);
  b.writeUInt16BE(u16(s.x, "screen x"), off + 4);
  b.writeUInt16BE(u16(s.y, "screen y"), off + 6);
  b.writeUInt16BE(u16(s.width, "screen width"), off + 8);
  b.writeUInt16BE(u16(s.height, "screen height"), off + 10);
  b.writeUInt32BE(u32(s.flags, "screen flags"), off + 12);
}

export function enableContinuousUpdates(enable: boolean, x: number, y: number, w: number, h: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = ClientMessageType.EnableContinuousUpdates;
  b[1] = enable ? 1 : 0;
  b.writeUInt16BE(u16(x, "x"), 2);
  b.writeUInt16BE(u16(y, "y"), 4);
  b.writeUInt16BE(u16(w, "width"), 6);
  b.writeUInt16BE(u16(h, "height"), 8);
  return b;
}

export const FenceFlag = {
  BlockBefore: 1 << 0,
  BlockAfter: 1 << 1,
  SyncNext: 1 << 2,
  Request: 0x80000000,
} as const;
export const FENCE_KNOWN_FLAGS = FenceFlag.BlockBefore | FenceFlag.BlockAfter | FenceFlag.SyncNext;
export const FENCE_MAX_PAYLOAD = 64;

export function clientFence(flags: number, payload: Uint8Array): Buffer {
  if (payload.length > FENCE_MAX_PAYLOAD) throw new RangeError(`fence payload is at most ${FENCE_MAX_PAYLOAD} bytes, got ${payload.length}`);
  const b = Buffer.alloc(9 + payload.length);
  b[0] = ClientMessageType.ClientFence;
  b.writeUInt32BE(u32(flags >>> 0, "fence flags"), 4);
  b[8] = payload.length;
  b.set(payload, 9);
  return b;
}
