/**
 * Client-to-server messages after the handshake (RFC 6143 §7.5 plus the extensions we advertise), parsed
 * from a byte stream that may be split anywhere. Every length a client declares is checked against a limit
 * before anything is allocated for it; a message we cannot accept is a ProtocolViolation whose text is the
 * reason the connection is closed with. One reader per connection.
 */
import { PIXEL_FORMAT_BYTES, decodePixelFormat, type PixelFormat } from "./pixel-format.ts";

export class ProtocolViolation extends Error {}

export interface ClientMessageLimits {
  /** most encodings in one SetEncodings (TigerVNC sends ~30, noVNC ~25) */
  maxEncodings: number;
  /** most bytes of clipboard text in one ClientCutText (QEMU: 1 MiB) */
  maxCutText: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientMessageLimits = { maxEncodings: 512, maxCutText: 1 << 20 };

export interface Screen {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  flags: number;
}

export type ClientMessage =
  | { type: "setPixelFormat"; format: PixelFormat }
  | { type: "setEncodings"; encodings: number[] }
  | { type: "updateRequest"; incremental: boolean; x: number; y: number; w: number; h: number }
  | { type: "key"; down: boolean; keysym: number }
  | { type: "pointer"; buttons: number; x: number; y: number }
  /** plain ClientCutText: Latin-1 text */
  | { type: "cutText"; text: string }
  /** ExtendedClipboard form (negative length): flags and the rest of the payload */
  | { type: "extendedClipboard"; flags: number; payload: Buffer }
  | { type: "enableContinuousUpdates"; enable: boolean; x: number; y: number; w: number; h: number }
  | { type: "fence"; flags: number; payload: Buffer }
  | { type: "xvp"; version: number; code: number }
  | { type: "setDesktopSize"; width: number; height: number; screens: Screen[] }
  | { type: "qemuKey"; down: boolean; keysym: number; scancode: number };

export const ClientMessageType = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
  EnableContinuousUpdates: 150,
  ClientFence: 248,
  Xvp: 250,
  SetDesktopSize: 251,
  Qemu: 255,
} as const;

export class ClientMessageReader {
  private data = Buffer.alloc(4096);
  private r = 0;
  private w = 0;

  constructor(private readonly limits: ClientMessageLimits = DEFAULT_CLIENT_LIMITS) {}

  /** Bytes received and not yet parsed. */
  get pendingBytes(): number {
    return this.w - this.r;
  }

  push(chunk: Uint8Array): void {
    if (this.w + chunk.length > this.data.length) {
      const live = this.w - this.r;
      if (live + chunk.length <= this.data.length && this.r > 0) {
        this.data.copy(this.data, 0, this.r, this.w);
      } else {
        const bigger = Buffer.alloc(Math.max(this.data.length * 2, live + chunk.length));
        this.data.copy(bigger, 0, this.r, this.w);
        this.data = bigger;
      }
      this.r = 0;
      this.w = live;
    }
    this.data.set(chunk, this.w);
    this.w += chunk.length;
  }

  /** The next whole message, or undefined until more bytes arrive. Throws ProtocolViolation. */
  next(): ClientMessage | undefined {
    const avail = this.w - this.r;
    if (avail < 1) return undefined;
    const d = this.data;
    const p = this.r;
    const type = d[p]!;
    switch (type) {
      case ClientMessageType.SetPixelFormat: {
        if (avail < 4 + PIXEL_FORMAT_BYTES) return undefined;
        const format = decodePixelFormat(d, p + 4);
        this.r += 4 + PIXEL_FORMAT_BYTES;
        return { type: "setPixelFormat", format };
      }
      case ClientMessageType.SetEncodings: {
        if (avail < 4) return undefined;
        const n = d.readUInt16BE(p + 2);
        if (n > this.limits.maxEncodings) throw new ProtocolViolation(`SetEncodings lists ${n} encodings (at most ${this.limits.maxEncodings})`);
        if (avail < 4 + 4 * n) return undefined;
        const encodings = new Array<number>(n);
        for (let i = 0; i < n; i++) encodings[i] = d.readInt32BE(p + 4 + 4 * i);
        this.r += 4 + 4 * n;
        return { type: "setEncodings", encodings };
      }
      case ClientMessageType.FramebufferUpdateRequest: {
        if (avail < 10) return undefined;
        this.r += 10;
        return { type: "updateRequest", incremental: d[p + 1] !== 0, x: d.readUInt16BE(p + 2), y: d.readUInt16BE(p + 4), w: d.readUInt16BE(p + 6), h: d.readUInt16BE(p + 8) };
      }
      case ClientMessageType.KeyEvent: {
        if (avail < 8) return undefined;
        this.r += 8;
        return { type: "key", down: d[p + 1] !== 0, keysym: d.readUInt32BE(p + 4) };
      }
      case ClientMessageType.PointerEvent: {
        if (avail < 6) return undefined;
        this.r += 6;
        return { type: "pointer", buttons: d[p + 1]!, x: d.readUInt16BE(p + 2), y: d.readUInt16BE(p + 4) };
      }
      case ClientMessageType.ClientCutText: {
        if (avail < 8) return undefined;
        const len = d.readInt32BE(p + 4);
        const size = Math.abs(len);
        if (size > this.limits.maxCutText) throw new ProtocolViolation(`ClientCutText of ${size} bytes (at most ${this.limits.maxCutText})`);
        if (len < 0 && size < 4) throw new ProtocolViolation(`extended ClientCutText of ${size} bytes has no flags`);
        if (avail < 8 + size) return undefined;
        this.r += 8 + size;
        if (len >= 0) return { type: "cutText", text: d.toString("latin1", p + 8, p + 8 + size) };
        return { type: "extendedClipboard", flags: d.readUInt32BE(p + 8), payload: Buffer.from(d.subarray(p + 12, p + 8 + size)) };
      }
      case ClientMessageType.EnableContinuousUpdates: {
        if (avail < 10) return undefined;
        this.r += 10;
        return { type: "enableContinuousUpdates", enable: d[p + 1] !== 0, x: d.readUInt16BE(p + 2), y: d.readUInt16BE(p + 4), w: d.readUInt16BE(p + 6), h: d.readUInt16BE(p + 8) };
      }
      case ClientMessageType.ClientFence: {
        if (avail < 9) return undefined;
        const len = d[p + 8]!;
        if (len > 64) throw new ProtocolViolation(`ClientFence payload of ${len} bytes (at most 64)`);
        if (avail < 9 + len) return undefined;
        this.r += 9 + len;
        return { type: "fence", flags: d.readUInt32BE(p + 4), payload: Buffer.from(d.subarray(p + 9, p + 9 + len)) };
      }
      case ClientMessageType.Xvp: {
        if (avail < 4) return undefined;
        this.r += 4;
        return { type: "xvp", version: d[p + 2]!, code: d[p + 3]! };
      }
      case ClientMessageType.SetDesktopSize: {
        if (avail < 8) return undefined;
        const n = d[p + 6]!;
        if (avail < 8 + 16 * n) return undefined;
        const screens: Screen[] = [];
        for (let i = 0; i < n; i++) {
          const o = p + 8 + 16 * i;
          screens.push({ id: d.readUInt32BE(o), x: d.readUInt16BE(o + 4), y: d.readUInt16BE(o + 6), w: d.readUInt16BE(o + 8), h: d.readUInt16BE(o + 10), flags: d.readUInt32BE(o + 12) });
        }
        this.r += 8 + 16 * n;
        return { type: "setDesktopSize", width: d.readUInt16BE(p + 2), height: d.readUInt16BE(p + 4), screens };
      }
      case ClientMessageType.Qemu: {
        if (avail < 2) return undefined;
        const sub = d[p + 1]!;
        if (sub !== 0) throw new ProtocolViolation(`QEMU client message subtype ${sub} is not supported (no audio here)`);
        if (avail < 12) return undefined;
        this.r += 12;
        return { type: "qemuKey", down: d.readUInt16BE(p + 2) !== 0, keysym: d.readUInt32BE(p + 4), scancode: d.readUInt32BE(p + 8) };
      }
      default:
        throw new ProtocolViolation(`unknown client message type ${type}`);
    }
  }
}
