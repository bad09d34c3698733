/**
 * An RFB client for testing servers (ours first): it connects over TCP or WebSocket, speaks every
 * message and pseudo-encoding our server may send, keeps an XRGB framebuffer, the cursor, LED state,
 * desktop name, clipboard and ExtendedDesktopSize replies, and measures every update. It is strict: any
 * protocol violation by the server closes the connection with a precise error (that is how it finds
 * server bugs). Promise based: `await RfbClient.connect(...)`, `await client.requestUpdate()`.
 */
import { EventEmitter } from "node:events";
import type { ConnectionOptions } from "node:tls";
import { Encoding, PseudoEncoding, encodingName } from "../encodings.ts";
import { pixelFormatProblem, type PixelFormat } from "../pixel-format.ts";
import { ConnectionClosed, type ByteSource } from "./byte-source.ts";
import { clientHandshake, ProtocolViolation, readString, type HandshakeResult, type RfbVersion } from "./client-handshake.ts";
import * as msg from "./client-messages.ts";
import { openTcp, openWebSocket, type ClientStream } from "./client-stream.ts";
import { DecodeError, type ClientFramebuffer, type DecodeContext, type RectDecoder } from "./decoder.ts";
import { createDecoders } from "./decoder-registry.ts";
import {
  capsPayload,
  ClipboardAction,
  ClipboardError,
  ClipboardFormat,
  decodeClipboardText,
  parseClipboardMessage,
  providePayload,
} from "./extended-clipboard.ts";
import { PixelReader } from "./pixel-reader.ts";

export { ProtocolViolation, ServerRefused } from "./client-handshake.ts";
export type { Screen } from "./client-messages.ts";

export type RfbAddress = { host: string; port: number } | { url: string; protocols?: string[] };

export interface RfbClientOptions {
  version?: RfbVersion;
  securityTypes?: number[];
  password?: string | Uint8Array;
  vencryptSubtypes?: number[];
  /** TLS options for VeNCrypt X509 subtypes, e.g. { ca, rejectUnauthorized } */
  tls?: ConnectionOptions;
  shared?: boolean;
  timeoutMs?: number;
  /** encodings sent with SetEncodings right after the handshake (none sent when absent) */
  encodings?: number[];
  /** pixel format set right after the handshake (the server's is kept when absent) */
  pixelFormat?: PixelFormat;
  /** size limits we announce for extended-clipboard text (default 10 MiB) */
  clipboardTextLimit?: number;
}

export interface CursorShape {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** straight (not pre-multiplied) ARGB words, row-major */
  argb: Uint32Array;
  /** which pseudo-encoding delivered it */
  encoding: number;
}

export interface DesktopSizeReply {
  /** rect x: 0 server/other, 1 this client's request, 2 another client's request */
  reason: number;
  /** rect y: 0 ok, 1 prohibited, 2 out of resources, 3 invalid layout, 4 forwarded */
  status: number;
  width: number;
  height: number;
  screens: msg.Screen[];
}

export interface UpdateStats {
  /** bytes of the whole FramebufferUpdate message */
  bytes: number;
  rects: number;
  /** rectangles per encoding name (pseudo-encodings included) */
  rectsByEncoding: Map<string, number>;
  /** pixel area of the pixel rectangles */
  pixels: number;
  /** from sending the request (or, unrequested, the first byte) to the last byte decoded */
  durationMs: number;
  /** whether a request was outstanding when it arrived */
  requested: boolean;
}

export interface ServerFence {
  flags: number;
  payload: Buffer;
}

const ExtendedClipboard = PseudoEncoding.ExtendedClipboard;
const SPONTANEOUS = new Set(
  [PseudoEncoding.QemuExtendedKeyEvent, PseudoEncoding.QemuLedState, PseudoEncoding.QemuPointerMotionChange].map(encodingName),
);
const QEMU_LED_BITS = 0b111;
const MAX_CUT_TEXT = 64 << 20;

interface UpdateWaiter {
  sentAt: number;
  resolve: (s: UpdateStats) => void;
  reject: (e: Error) => void;
}

export class RfbClient extends EventEmitter {
  readonly framebuffer: ClientFramebuffer;
  pixelFormat: PixelFormat;
  private pixels: PixelReader;
  desktopName: string;
  cursor: CursorShape | undefined;
  /** QEMU LED state: bit0 Scroll, bit1 Num, bit2 Caps */
  ledState: number | undefined;
  /** last clipboard text from the server (plain or extended) */
  clipboardText: string | undefined;
  readonly desktopSizeReplies: DesktopSizeReply[] = [];
  screens: msg.Screen[] = [];
  /** QEMU pointer motion change: true absolute, false relative, undefined not told */
  absolutePointer: boolean | undefined;
  qemuExtendedKeys = false;
  continuousUpdatesSupported = false;
  continuousUpdatesActive = false;
  fenceSupported = false;
  /** extended clipboard caps from the server: format → size limit */
  serverClipboardCaps: Map<number, number> | undefined;
  bells = 0;
  lastUpdate: UpdateStats | undefined;
  updates = 0;
  /** why the connection ended, once it has */
  closeError: Error | undefined;
  closed = false;

  private readonly decoders: Map<number, RectDecoder> = createDecoders();
  private advertised = new Set<number>([Encoding.Raw]);
  private readonly waiters: UpdateWaiter[] = [];
  private readonly fenceWaiters: Array<{ resolve: (f: ServerFence) => void; reject: (e: Error) => void }> = [];
  private localClipboard = "";
  private readonly clipboardTextLimit: number;

  private constructor(
    private readonly stream: ClientStream,
    readonly handshake: HandshakeResult,
    options: RfbClientOptions,
  ) {
    super();
    const init = handshake.serverInit;
    this.framebuffer = { width: init.width, height: init.height, pixels: new Uint32Array(init.width * init.height) };
    this.pixelFormat = init.pixelFormat;
    this.pixels = new PixelReader(init.pixelFormat);
    this.desktopName = init.name;
    this.clipboardTextLimit = options.clipboardTextLimit ?? 10 << 20;
    stream.onClose((e) => this.fail(e ? new ConnectionClosed(`connection lost: ${e.message}`) : new ConnectionClosed("the server closed the connection")));
  }

  static async connect(address: RfbAddress, options: RfbClientOptions = {}): Promise<RfbClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const stream = "url" in address ? await openWebSocket(address.url, address.protocols ?? ["binary"], timeoutMs) : await openTcp(address.host, address.port, timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    try {
      const handshake = await Promise.race([
        clientHandshake(stream, {
          version: options.version ?? "3.8",
          securityTypes: options.securityTypes,
          password: options.password,
          vencryptSubtypes: options.vencryptSubtypes,
          tls: options.tls,
          shared: options.shared ?? true,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`handshake not finished within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const client = new RfbClient(stream, handshake, options);
      if (options.pixelFormat) client.setPixelFormat(options.pixelFormat);
      if (options.encodings) client.setEncodings(options.encodings);
      void client.readLoop();
      return client;
    } catch (e) {
      stream.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  get transportKind(): "tcp" | "websocket" {
    return this.stream.kind;
  }

  // ---- sending -------------------------------------------------------------------------------

  setPixelFormat(pf: PixelFormat): void {
    const problem = pixelFormatProblem(pf);
    if (problem) throw new RangeError(`pixel format: ${problem}`);
    // RFB: a client must not change the format while an update request is outstanding.
    if (this.waiters.length > 0) throw new Error("SetPixelFormat with an update request outstanding");
    this.send(msg.setPixelFormat(pf));
    this.pixelFormat = pf;
    this.pixels = new PixelReader(pf);
  }

  setEncodings(encodings: number[]): void {
    this.send(msg.setEncodings(encodings));
    this.advertised = new Set([Encoding.Raw, ...encodings.map((e) => e | 0)]);
  }

  /** Send a FramebufferUpdateRequest (whole screen by default); resolves when the update is decoded. */
  requestUpdate(opts: { incremental?: boolean; x?: number; y?: number; width?: number; height?: number } = {}): Promise<UpdateStats> {
    const x = opts.x ?? 0;
    const y = opts.y ?? 0;
    const w = opts.width ?? this.framebuffer.width - x;
    const h = opts.height ?? this.framebuffer.height - y;
    if (this.closed) return Promise.reject(this.closeError);
    const p = new Promise<UpdateStats>((resolve, reject) => this.waiters.push({ sentAt: performance.now(), resolve, reject }));
    this.send(msg.framebufferUpdateRequest(opts.incremental ?? false, x, y, w, h));
    return p;
  }

  /**
   * The next FramebufferUpdate that satisfies `accept`, without requesting one (continuous updates, or a
   * server like QEMU that answers one non-incremental request with two updates: ExtendedDesktopSize, then
   * pixels). Call it before the request to never miss the update.
   */
  nextUpdate(accept: (s: UpdateStats) => boolean = () => true): Promise<UpdateStats> {
    if (this.closed) return Promise.reject(this.closeError);
    return new Promise((resolve, reject) => {
      const onUpdate = (s: UpdateStats): void => {
        if (!accept(s)) return;
        this.off("update", onUpdate);
        this.off("close", onClose);
        resolve(s);
      };
      const onClose = (e: Error): void => {
        this.off("update", onUpdate);
        reject(e);
      };
      this.on("update", onUpdate);
      this.once("close", onClose);
    });
  }

  keyEvent(down: boolean, keysym: number): void {
    this.send(msg.keyEvent(down, keysym));
  }

  pointerEvent(buttons: number, x: number, y: number): void {
    this.send(msg.pointerEvent(buttons, x, y));
  }

  qemuKeyEvent(down: boolean, keysym: number, keycode: number): void {
    if (!this.qemuExtendedKeys) throw new Error("the server has not acknowledged QEMU extended key events");
    this.send(msg.qemuExtendedKeyEvent(down, keysym, keycode));
  }

  /** Plain ClientCutText (Latin-1). */
  sendCutText(text: string): void {
    this.send(msg.clientCutText(text));
  }

  /** Offer clipboard text the extended way (notify; the server requests it, we provide). */
  setClipboard(text: string): void {
    this.localClipboard = text;
    if (!this.serverClipboardCaps) {
      this.sendCutText(text);
      return;
    }
    this.send(msg.clientCutTextExtended((ClipboardAction.Notify | ClipboardFormat.Text) >>> 0, new Uint8Array(0)));
  }

  /** Send text at once with an extended provide message. */
  provideClipboard(text: string): void {
    if (!this.serverClipboardCaps) throw new Error("the server has not sent extended clipboard caps");
    this.localClipboard = text;
    const p = providePayload(text);
    this.send(msg.clientCutTextExtended(p.flags, p.payload));
  }

  /** Ask the server for its clipboard text (extended clipboard). */
  requestClipboard(): void {
    if (!this.serverClipboardCaps) throw new Error("the server has not sent extended clipboard caps");
    this.send(msg.clientCutTextExtended((ClipboardAction.Request | ClipboardFormat.Text) >>> 0, new Uint8Array(0)));
  }

  setDesktopSize(width: number, height: number, screens?: msg.Screen[]): void {
    const layout = screens ?? [{ id: this.screens[0]?.id ?? 0, x: 0, y: 0, width, height, flags: this.screens[0]?.flags ?? 0 }];
    this.send(msg.setDesktopSize(width, height, layout));
  }

  /** Wait for the next ExtendedDesktopSize rectangle (e.g. the reply to setDesktopSize). */
  nextDesktopSize(): Promise<DesktopSizeReply> {
    if (this.closed) return Promise.reject(this.closeError);
    return new Promise((resolve) => this.once("desktop-size", resolve));
  }

  enableContinuousUpdates(enable: boolean, area?: { x: number; y: number; width: number; height: number }): void {
    if (!this.continuousUpdatesSupported) throw new Error("the server has not announced continuous updates (EndOfContinuousUpdates)");
    const a = area ?? { x: 0, y: 0, width: this.framebuffer.width, height: this.framebuffer.height };
    this.send(msg.enableContinuousUpdates(enable, a.x, a.y, a.width, a.height));
    if (enable) this.continuousUpdatesActive = true;
  }

  /** Send a fence request and wait for the server's response. */
  fence(flags = 0, payload: Uint8Array = new Uint8Array(0)): Promise<ServerFence> {
    if (!this.fenceSupported) return Promise.reject(new Error("the server has not sent a fence (no Fence support)"));
    if (this.closed) return Promise.reject(this.closeError);
    const p = new Promise<ServerFence>((resolve, reject) => this.fenceWaiters.push({ resolve, reject }));
    this.send(msg.clientFence((flags | msg.FenceFlag.Request) >>> 0, payload));
    return p;
  }

  /** Send raw bytes (tests of the server's handling of malformed input). */
  sendRaw(data: Uint8Array): void {
    this.send(data);
  }

  close(): void {
    this.stream.close();
    this.fail(new ConnectionClosed("closed by the client"));
  }

  /** Resolves when the connection has ended (with the error that ended it). */
  waitClosed(): Promise<Error | undefined> {
    if (this.closed) return Promise.resolve(this.closeError);
    return new Promise((resolve) => this.once("close", resolve));
  }

  private send(data: Uint8Array): void {
    if (this.closed) throw this.closeError ?? new ConnectionClosed("the connection is closed");
    this.stream.write(data);
  }

  // ---- receiving ------------------------------------------------------------------------------

  private async readLoop(): Promise<void> {
    const src = this.stream.source;
    try {
      for (;;) {
        const type = await src.u8();
        switch (type) {
          case 0:
            await this.framebufferUpdate(src);
            break;
          case 1:
            throw new ProtocolViolation("SetColourMapEntries although the client uses a true-colour pixel format");
          case 2:
            this.bells++;
            this.emit("bell");
            break;
          case 3:
            await this.serverCutText(src);
            break;
          case 150:
            if (!this.advertised.has(PseudoEncoding.ContinuousUpdates)) throw new ProtocolViolation("EndOfContinuousUpdates without the ContinuousUpdates pseudo-encoding");
            this.continuousUpdatesSupported = true;
            this.continuousUpdatesActive = false;
            this.emit("end-of-continuous-updates");
            break;
          case 248:
            await this.serverFence(src);
            break;
          case 250: {
            if (!this.advertised.has(PseudoEncoding.Xvp)) throw new ProtocolViolation("xvp message without the xvp pseudo-encoding");
            const b = await src.read(3);
            if (b[1] !== 1) throw new ProtocolViolation(`xvp version ${b[1]} (1 expected)`);
            if (b[2] !== 0 && b[2] !== 1) throw new ProtocolViolation(`xvp code ${b[2]} (0 FAIL or 1 INIT expected)`);
            this.emit("xvp", b[2]);
            break;
          }
          default:
            throw new ProtocolViolation(`unknown server message type ${type}`);
        }
      }
    } catch (e) {
      this.fail(e as Error);
      this.stream.close();
    }
  }

  private async framebufferUpdate(src: ByteSource): Promise<void> {
    const start = src.consumed - 1;
    const arrived = performance.now();
    const head = await src.read(3);
    let count = head.readUInt16BE(1);
    const stats: UpdateStats = { bytes: 0, rects: 0, rectsByEncoding: new Map(), pixels: 0, durationMs: 0, requested: this.waiters.length > 0 };
    const lastRectAllowed = this.advertised.has(PseudoEncoding.LastRect);
    const ctx: DecodeContext = { source: src, framebuffer: this.framebuffer, pixels: this.pixels };
    for (let i = 0; count === 0xffff && lastRectAllowed ? true : i < count; i++) {
      const r = await src.read(12);
      const x = r.readUInt16BE(0);
      const y = r.readUInt16BE(2);
      const w = r.readUInt16BE(4);
      const h = r.readUInt16BE(6);
      const enc = r.readInt32BE(8);
      const where = `rectangle ${i} (${encodingName(enc)} ${w}x${h}+${x}+${y})`;
      stats.rects++;
      const name = encodingName(enc);
      stats.rectsByEncoding.set(name, (stats.rectsByEncoding.get(name) ?? 0) + 1);
      if (enc !== Encoding.Raw && !this.advertised.has(enc)) throw new ProtocolViolation(`${where}: encoding ${enc} was not requested`);
      // LastRect ends the update (normally with count 0xFFFF; with a real count nothing may follow it).
      if (enc === PseudoEncoding.LastRect) break;
      const decoder = this.decoders.get(enc);
      if (decoder) {
        if (x + w > this.framebuffer.width || y + h > this.framebuffer.height) {
          throw new ProtocolViolation(`${where} lies outside the ${this.framebuffer.width}x${this.framebuffer.height} framebuffer`);
        }
        try {
          await decoder.decode(ctx, x, y, w, h);
        } catch (e) {
          if (e instanceof DecodeError) throw new ProtocolViolation(`${where}: ${e.message}`);
          throw e;
        }
        stats.pixels += w * h;
        continue;
      }
      await this.pseudoRect(src, enc, x, y, w, h, where, ctx);
    }
    stats.bytes = src.consumed - start;
    // QEMU sends some pseudo-rectangles on its own, outside any request (the extended-key ack right after
    // SetEncodings, LED and pointer-mode changes): an update made only of those answers no request.
    let spontaneous = stats.rects > 0;
    for (const name of stats.rectsByEncoding.keys()) if (!SPONTANEOUS.has(name)) spontaneous = false;
    stats.requested &&= !spontaneous;
    const waiter = spontaneous ? undefined : this.waiters.shift();
    stats.durationMs = performance.now() - (waiter ? waiter.sentAt : arrived);
    this.lastUpdate = stats;
    this.updates++;
    waiter?.resolve(stats);
    this.emit("update", stats);
  }

  private async pseudoRect(src: ByteSource, enc: number, x: number, y: number, w: number, h: number, where: string, ctx: DecodeContext): Promise<void> {
    switch (enc) {
      case PseudoEncoding.DesktopSize:
        this.resize(w, h, where);
        this.emit("desktop-size", { reason: 0, status: 0, width: w, height: h, screens: [] } satisfies DesktopSizeReply);
        return;
      case PseudoEncoding.ExtendedDesktopSize: {
        const n = (await src.read(4))[0]!;
        const body = await src.read(16 * n);
        if (x > 2) throw new ProtocolViolation(`${where}: reason ${x} (0, 1 or 2 expected)`);
        if (y > 4) throw new ProtocolViolation(`${where}: status ${y} (0..4 expected)`);
        const screens: msg.Screen[] = [];
        for (let s = 0; s < n; s++) {
          const o = 16 * s;
          const screen = {
            id: body.readUInt32BE(o),
            x: body.readUInt16BE(o + 4),
            y: body.readUInt16BE(o + 6),
            width: body.readUInt16BE(o + 8),
            height: body.readUInt16BE(o + 10),
            flags: body.readUInt32BE(o + 12),
          };
          if (y === 0 && (screen.x + screen.width > w || screen.y + screen.height > h)) {
            throw new ProtocolViolation(`${where}: screen ${s} (${screen.width}x${screen.height}+${screen.x}+${screen.y}) outside ${w}x${h}`);
          }
          screens.push(screen);
        }
        if (y === 0 && n === 0) throw new ProtocolViolation(`${where}: no screens`);
        const reply: DesktopSizeReply = { reason: x, status: y, width: w, height: h, screens };
        this.desktopSizeReplies.push(reply);
        // A failed request's reply carries the current size; only a successful one can change it.
        if (y === 0) {
          this.screens = screens;
          if (w !== this.framebuffer.width || h !== this.framebuffer.height) this.resize(w, h, where);
        }
        this.emit("desktop-size", reply);
        return;
      }
      case PseudoEncoding.DesktopName: {
        this.desktopName = await readString(src, `${where}: desktop name`);
        this.emit("desktop-name", this.desktopName);
        return;
      }
      case PseudoEncoding.Cursor:
        return this.richCursor(src, x, y, w, h, where);
      case PseudoEncoding.CursorWithAlpha:
        return this.alphaCursor(src, x, y, w, h, where, ctx);
      case PseudoEncoding.VMwareCursor:
        return this.vmwareCursor(src, x, y, w, h, where);
      case PseudoEncoding.QemuLedState: {
        const led = await src.u8();
        if ((led & ~QEMU_LED_BITS) !== 0) throw new ProtocolViolation(`${where}: LED state 0x${led.toString(16)} has bits beyond Scroll/Num/Caps`);
        this.ledState = led;
        this.emit("led", led);
        return;
      }
      case PseudoEncoding.QemuExtendedKeyEvent:
        this.qemuExtendedKeys = true;
        this.emit("qemu-extended-keys");
        return;
      case PseudoEncoding.QemuPointerMotionChange:
        if (x > 1) throw new ProtocolViolation(`${where}: pointer mode ${x} (0 relative or 1 absolute)`);
        this.absolutePointer = x === 1;
        this.emit("pointer-mode", this.absolutePointer);
        return;
      default:
        throw new ProtocolViolation(`${where}: no decoder for encoding ${enc}`);
    }
  }

  private resize(w: number, h: number, where: string): void {
    if (w === 0 || h === 0) throw new ProtocolViolation(`${where}: framebuffer size ${w}x${h}`);
    this.framebuffer.width = w;
    this.framebuffer.height = h;
    this.framebuffer.pixels = new Uint32Array(w * h);
  }

  private checkHotspot(x: number, y: number, w: number, h: number, where: string): void {
    if (w * h > 0 && (x >= w || y >= h)) throw new ProtocolViolation(`${where}: hotspot ${x},${y} outside the ${w}x${h} cursor`);
  }

  private async richCursor(src: ByteSource, x: number, y: number, w: number, h: number, where: string): Promise<void> {
    this.checkHotspot(x, y, w, h, where);
    const bpp = this.pixels.bytesPerPixel;
    const image = await src.read(w * h * bpp);
    const stride = (w + 7) >> 3;
    const mask = await src.read(stride * h);
    const argb = new Uint32Array(w * h);
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const visible = (mask[row * stride + (col >> 3)]! >> (7 - (col & 7))) & 1;
        const i = row * w + col;
        argb[i] = visible ? (0xff000000 | this.pixels.xrgb(image, i * bpp)) >>> 0 : 0;
      }
    }
    this.setCursor({ width: w, height: h, hotX: x, hotY: y, argb, encoding: PseudoEncoding.Cursor });
  }

  private async alphaCursor(src: ByteSource, x: number, y: number, w: number, h: number, where: string, ctx: DecodeContext): Promise<void> {
    this.checkHotspot(x, y, w, h, where);
    const enc = await src.s32();
    const argb = new Uint32Array(w * h);
    if (enc === Encoding.Raw) {
      const data = await src.read(w * h * 4);
      for (let i = 0; i < w * h; i++) argb[i] = unpremultiply(data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!, data[i * 4 + 3]!, where);
    } else {
      const decoder = this.decoders.get(enc);
      if (!decoder || !this.advertised.has(enc)) throw new ProtocolViolation(`${where}: cursor data in encoding ${encodingName(enc)}, which was not requested or is not a pixel encoding`);
      // The decoder draws into a cursor-sized framebuffer through a reader that keeps the alpha byte.
      const fb: ClientFramebuffer = { width: w, height: h, pixels: new Uint32Array(w * h) };
      try {
        await decoder.decode({ source: ctx.source, framebuffer: fb, pixels: new AlphaPixelReader() }, 0, 0, w, h);
      } catch (e) {
        if (e instanceof DecodeError) throw new ProtocolViolation(`${where}: ${e.message}`);
        throw e;
      }
      for (let i = 0; i < w * h; i++) {
        const v = fb.pixels[i]!;
        argb[i] = unpremultiply((v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff, v >>> 24, where);
      }
    }
    this.setCursor({ width: w, height: h, hotX: x, hotY: y, argb, encoding: PseudoEncoding.CursorWithAlpha });
  }

  private async vmwareCursor(src: ByteSource, x: number, y: number, w: number, h: number, where: string): Promise<void> {
    this.checkHotspot(x, y, w, h, where);
    const head = await src.read(2);
    const kind = head[0]!;
    const argb = new Uint32Array(w * h);
    if (kind === 0) {
      const bpp = this.pixels.bytesPerPixel;
      const and = await src.read(w * h * bpp);
      const xor = await src.read(w * h * bpp);
      for (let i = 0; i < w * h; i++) {
        const a = this.pixels.value(and, i * bpp);
        const xv = this.pixels.value(xor, i * bpp);
        // AND 0: opaque XOR colour; AND set with XOR 0: transparent; AND set with XOR set: screen inversion,
        // which an ARGB cursor cannot express — shown opaque, as noVNC does.
        argb[i] = a === 0 || xv !== 0 ? (0xff000000 | this.pixels.toXrgb(xv)) >>> 0 : 0;
      }
    } else if (kind === 1) {
      const data = await src.read(w * h * 4);
      for (let i = 0; i < w * h; i++) {
        argb[i] = ((data[i * 4 + 3]! << 24) | (data[i * 4]! << 16) | (data[i * 4 + 1]! << 8) | data[i * 4 + 2]!) >>> 0;
      }
    } else {
      throw new ProtocolViolation(`${where}: VMware cursor type ${kind} (0 classic or 1 alpha expected)`);
    }
    this.setCursor({ width: w, height: h, hotX: x, hotY: y, argb, encoding: PseudoEncoding.VMwareCursor });
  }

  private setCursor(c: CursorShape): void {
    this.cursor = c;
    this.emit("cursor", c);
  }

  private async serverCutText(src: ByteSource): Promise<void> {
    const head = await src.read(7);
    const len = head.readInt32BE(3);
    if (len < 0) {
      if (!this.advertised.has(ExtendedClipboard)) throw new ProtocolViolation("extended ServerCutText (negative length) without the ExtendedClipboard pseudo-encoding");
      const n = -len;
      if (n > MAX_CUT_TEXT) throw new ProtocolViolation(`extended ServerCutText of ${n} bytes (limit ${MAX_CUT_TEXT})`);
      const body = await src.read(n);
      try {
        this.extendedClipboard(body);
      } catch (e) {
        if (e instanceof ClipboardError) throw new ProtocolViolation(e.message);
        throw e;
      }
      return;
    }
    if (len > MAX_CUT_TEXT) throw new ProtocolViolation(`ServerCutText of ${len} bytes (limit ${MAX_CUT_TEXT})`);
    this.clipboardText = (await src.read(len)).toString("latin1");
    this.emit("clipboard", this.clipboardText);
  }

  private extendedClipboard(body: Buffer): void {
    const m = parseClipboardMessage(body, this.clipboardTextLimit + 64);
    switch (m.action) {
      case "caps": {
        this.serverClipboardCaps = m.sizes;
        const mine = capsPayload(new Map([[ClipboardFormat.Text, this.clipboardTextLimit]]));
        this.send(msg.clientCutTextExtended(mine.flags, mine.payload));
        this.emit("clipboard-caps", m.sizes);
        return;
      }
      case "request":
        if (m.formats & ClipboardFormat.Text) {
          const p = providePayload(this.localClipboard);
          this.send(msg.clientCutTextExtended(p.flags, p.payload));
        }
        return;
      case "peek":
        this.send(msg.clientCutTextExtended((ClipboardAction.Notify | (this.localClipboard ? ClipboardFormat.Text : 0)) >>> 0, new Uint8Array(0)));
        return;
      case "notify":
        this.emit("clipboard-notify", m.formats);
        if (m.formats & ClipboardFormat.Text) this.send(msg.clientCutTextExtended((ClipboardAction.Request | ClipboardFormat.Text) >>> 0, new Uint8Array(0)));
        return;
      case "provide": {
        const text = m.data.get(ClipboardFormat.Text);
        if (text !== undefined) {
          this.clipboardText = decodeClipboardText(text);
          this.emit("clipboard", this.clipboardText);
        }
        return;
      }
    }
  }

  private async serverFence(src: ByteSource): Promise<void> {
    if (!this.advertised.has(PseudoEncoding.Fence)) throw new ProtocolViolation("ServerFence without the Fence pseudo-encoding");
    const head = await src.read(8);
    const flags = head.readUInt32BE(3);
    const len = head[7]!;
    if (len > msg.FENCE_MAX_PAYLOAD) throw new ProtocolViolation(`ServerFence payload of ${len} bytes (at most ${msg.FENCE_MAX_PAYLOAD})`);
    const payload = Buffer.from(await src.read(len));
    this.fenceSupported = true;
    if (flags & msg.FenceFlag.Request) {
      // Answer with the request bit and any flag we do not know cleared, payload echoed.
      this.send(msg.clientFence(flags & msg.FENCE_KNOWN_FLAGS, payload));
      this.emit("fence-request", { flags, payload } satisfies ServerFence);
      return;
    }
    const waiter = this.fenceWaiters.shift();
    if (!waiter) throw new ProtocolViolation("ServerFence response without a fence request from us");
    waiter.resolve({ flags, payload });
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
    for (const w of this.fenceWaiters.splice(0)) w.reject(e);
    this.emit("close", e);
  }
}

/** Cursor-with-alpha pixels: 32-bit R,G,B,A bytes; toXrgb keeps the alpha byte on top (ARGB). */
const RGBA_FORMAT: PixelFormat = Object.freeze({
  bitsPerPixel: 32,
  depth: 32,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
});

class AlphaPixelReader extends PixelReader {
  constructor() {
    super(RGBA_FORMAT);
  }
  // the bulk readers drop the top byte; this reader's point is to keep it
  protected override bulkAllowed(): boolean {
    return false;
  }
  override toXrgb(value: number): number {
    return ((value & 0xff000000) | ((value & 0xff) << 16) | (value & 0xff00) | ((value >>> 16) & 0xff)) >>> 0;
  }
}

/** Pre-multiplied RGBA → straight ARGB. A colour channel above alpha is impossible when pre-multiplied. */
function unpremultiply(r: number, g: number, b: number, a: number, where: string): number {
  if (r > a || g > a || b > a) throw new ProtocolViolation(`${where}: pre-multiplied pixel (${r},${g},${b}) brighter than its alpha ${a}`);
  if (a === 0) return 0;
  if (a === 255) return (0xff000000 | (r << 16) | (g << 8) | b) >>> 0;
  const un = (c: number): number => Math.min(255, Math.round((c * 255) / a));
  return ((a << 24) | (un(r) << 16) | (un(g) << 8) | un(b)) >>> 0;
}
