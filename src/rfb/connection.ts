/**
 * One client after the handshake: its pixel format and encodings, what it has not been sent yet, and the
 * messages it sends. Updates are produced only when the client can take them: a request is outstanding (or
 * continuous updates are on), nothing of ours is being encoded for it, and its unsent output is below about
 * one framebuffer (QEMU's rule: max(1 MiB, w×h×Bpp)); with continuous updates and fences, what it has not
 * yet been seen to handle is below that too (fence-pacer.ts). Everything else waits as damage, which merges;
 * a client that stops reading is dropped once its output passes five framebuffers or takes nothing for the
 * stall limit, and one that does not answer a fence for that long is dropped too.
 */
import { constants as zlibConstants, inflateSync } from "node:zlib";
import type { ConsoleInputEvent as InputEvent, ConsoleSurface } from "../display/console.ts";
import type { Rect } from "../display/damage-tracker.ts";
import { ClientMessageReader, ProtocolViolation, type ClientMessage, type ClientMessageLimits, type Screen } from "./client-messages.ts";
import { settingsFromEncodings, type ClientSettings } from "./client-settings.ts";
import { encodeRects, writeSegments, type EncodeCache, type EncodeLease } from "./encode-cache.ts";
import { FencePacer } from "./fence-pacer.ts";
import { ClipboardInputGate } from "./clipboard-input-gate.ts";
import { ClientZlibStreams } from "./client-zlib-streams.ts";
import { STREAM_PIECE_BYTES, type EncodeContext, type EncodedRect, type RectEncoder } from "./encoders/encoder.ts";
import { PixelTranslator } from "./pixel-translator.ts";
import { SERVER_PIXEL_FORMAT, bytesPerPixel, pixelFormatKey, pixelFormatProblem, type PixelFormat } from "./pixel-format.ts";
import { PendingDamage, cursorCopies, type FrameMoves } from "./pending-damage.ts";
import { clip } from "../display/rect-geometry.ts";
import { LosslessRefresh } from "./lossless-refresh.ts";
import { composite, cursorBox, cutOutCursor, placedAt } from "./rendered-cursor.ts";
import {
  ClipboardFlag,
  ExtendedDesktopSizeReason as Reason,
  ExtendedDesktopSizeStatus as Status,
  XvpCode,
  alphaCursorRect,
  clipboardCaps,
  clipboardProvide,
  desktopNameRect,
  desktopSizeRect,
  endOfContinuousUpdates,
  extendedClipboardMessage,
  extendedDesktopSizeRect,
  FenceFlag,
  framebufferUpdateHeader,
  lastRect,
  ledStateRect,
  pointerMotionChangeRect,
  qemuExtendedKeyAckRect,
  richCursorRect,
  serverCutText,
  serverFence,
  vmwareAlphaCursorRect,
  xvpMessage,
  type CursorImage,
} from "./server-messages.ts";
import type { RfbTransport } from "./transport.ts";
import type { Logger } from "./logger.ts";
import { StreamedUpdate } from "./streamed-update.ts";

/** What a connection needs from the server it belongs to. */
export interface ConnectionHost {
  readonly log: Logger;
  readonly limits: ClientMessageLimits;
  readonly cache: EncodeCache;
  readonly name: string;
  /** the surface clients see (a blank placeholder before the guest's first frame) */
  surface(): ConsoleSurface;
  cursor(): CursorImage | undefined;
  /** top-left of the cursor image on the surface */
  cursorPosition(): { x: number; y: number };
  /** changes whenever the cursor image does (cache keys of a composited cursor) */
  cursorVersion(): number;
  leds(): number;
  guestClipboard(): string | undefined;
  screens(): Screen[];
  encoderFor(encoding: number): RectEncoder;
  /** whether another connection's settings would take the same encodings as `conn`'s (key `encodeKey`) */
  othersShare(conn: RfbConnection, encodeKey: string): boolean;
  /** the client asked for a new size: "forwarded" | "unsupported" | "invalid" | "same" */
  requestSize(from: RfbConnection, width: number, height: number, screens: Screen[]): "forwarded" | "unsupported" | "invalid" | "same";
  input(from: RfbConnection, event: InputEvent): void;
  clipboardFromClient(from: RfbConnection, text: string): void;
  viewOnly: boolean;
  /** the connection is gone (closed by either side) */
  closed(conn: RfbConnection): void;
  /** one encoding was made (not a cache hit): which encoding, how long it took */
  encoded(encoding: number, seconds: number): void;
  /** an update went out: its bytes, its rects, and how many of those were CopyRects */
  sent(conn: RfbConnection, bytes: number, rects: number, copies: number): void;
}

export interface UpdateStats {
  updates: number;
  bytes: number;
  rects: number;
  /** rects that were CopyRects: areas the client copied instead of receiving */
  copyRects: number;
}

const THROTTLE_MIN = 1 << 20;
const DROP_FACTOR = 5;

let nextId = 1;

export class RfbConnection {
  readonly id = nextId++;
  private readonly reader: ClientMessageReader;
  private format: PixelFormat = SERVER_PIXEL_FORMAT;
  private pendingFormat: PixelFormat | undefined;
  private translator = new PixelTranslator(SERVER_PIXEL_FORMAT);
  private settings: ClientSettings;
  private encodingsSeen = false;
  private readonly pending: PendingDamage;
  /** the framebuffer size this client knows */
  private clientWidth: number;
  private clientHeight: number;
  private requestOutstanding = false;
  private continuous: Rect | undefined;
  private busy = false;
  private closedFlag = false;
  /** the client's zlib streams: header splicing and its own history for small updates */
  private readonly zlibStreams = new ClientZlibStreams();
  // pseudo-encoding state still to be sent
  private resizeDue = false;
  private readonly desktopSizeReplies: Buffer[] = [];
  private edsOnRequest = false;
  private cursorDue = false;
  private ledsDue = false;
  private extKeyAckDue = false;
  private pointerTypeDue = false;
  private nameDue = false;
  private everSeen = new Set<number>();
  private stuckSince: number | undefined;
  private readonly pacer = new FencePacer();
  private readonly inputGate = new ClipboardInputGate((e) => this.host.input(this, e));
  private readonly refresh: LosslessRefresh;
  /** where this client's framebuffer has the cursor drawn in (clients without a cursor pseudo-encoding) */
  private drawnCursor: Rect | undefined;
  /** stats.bytes − unsent bytes at the last stall check */
  private drainedAtCheck = 0;
  /** whenCaughtUp() promises still waiting */
  private caughtUpWaiters: Array<() => void> = [];
  readonly stats: UpdateStats = { updates: 0, bytes: 0, rects: 0, copyRects: 0 };
  readonly connectedAt = Date.now();

  constructor(
    readonly transport: RfbTransport,
    private readonly host: ConnectionHost,
    readonly shared: boolean,
    readonly version: number,
    readonly security: string,
  ) {
    this.reader = new ClientMessageReader(host.limits);
    this.settings = settingsFromEncodings([], pixelFormatKey(this.format));
    const s = host.surface();
    this.clientWidth = s.width;
    this.clientHeight = s.height;
    this.pending = new PendingDamage(s.width, s.height);
    this.refresh = new LosslessRefresh(s.width, s.height, () => this.pump());
    transport.onDrain(() => {
      this.stuckSince = undefined;
      this.pump();
      this.settleCaughtUp();
    });
    transport.onClose(() => this.finish("the client closed the connection"));
  }

  get address(): string {
    return this.transport.remoteAddress;
  }

  get clientSettings(): ClientSettings {
    return this.settings;
  }

  get pixelFormat(): PixelFormat {
    return this.format;
  }

  /** Nothing pending, nothing being encoded, nothing unsent in our buffers (benchmarks wait for this). */
  get caughtUp(): boolean {
    return !this.busy && this.pending.isEmpty && this.transport.bufferedBytes === 0;
  }

  /**
   * Resolves once the connection is caught up (at once if it is now) or closed: woken by the end of an update
   * and by the transport's buffer running empty, so a waiter spends no CPU meanwhile.
   */
  whenCaughtUp(): Promise<void> {
    if (this.caughtUp || this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  private settleCaughtUp(): void {
    if (this.caughtUpWaiters.length === 0 || !(this.caughtUp || this.closedFlag)) return;
    const waiters = this.caughtUpWaiters;
    this.caughtUpWaiters = [];
    for (const w of waiters) w();
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** The handshake is done: take the bytes that came with its end, then every message after. */
  begin(leftover: Buffer): void {
    this.transport.onData((chunk) => this.receive(chunk));
    if (leftover.length > 0) this.receive(leftover);
  }

  /** Close with a reason (logged); the server stays up. */
  close(reason: string, level: "info" | "warn" = "info"): void {
    if (this.closedFlag) return;
    this.host.log[level]({ client: this.id, address: this.address }, `closing VNC client: ${reason}`);
    this.transport.close(level === "warn");
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.inputGate.discard();
    this.zlibStreams.end();
    this.refresh.cancel();
    this.host.log.debug({ client: this.id }, `VNC client gone: ${reason}`);
    this.host.closed(this);
    this.settleCaughtUp();
  }

  // ---- events from the console (through the server) ----

  /** A new surface: size changes are announced, everything is re-sent. */
  surfaceChanged(s: ConsoleSurface): void {
    if (s.width !== this.clientWidth || s.height !== this.clientHeight) {
      if (this.settings.extendedDesktopSize || this.settings.desktopSize) {
        this.resizeDue = true;
        this.clientWidth = s.width;
        this.clientHeight = s.height;
      }
    }
    this.pending.resize(s.width, s.height);
    this.refresh.resize(s.width, s.height);
    this.pump();
  }

  frameDamage(rects: readonly Rect[], moves?: FrameMoves): void {
    this.pending.addFrame(rects, moves);
    this.pump();
  }

  cursorChanged(): void {
    if (this.settings.cursor !== "none") this.cursorDue = true;
    else this.cursorDamage();
    this.pump();
  }

  cursorMoved(): void {
    if (this.settings.cursor !== "none") return;
    this.cursorDamage();
    this.pump();
  }

  /** A client that gets the cursor drawn in: where it was drawn and where it is now must be sent again. */
  private cursorDamage(): void {
    const s = this.host.surface();
    for (const r of [this.drawnCursor, cursorBox(this.host.cursor(), this.host.cursorPosition(), s.width, s.height)]) {
      if (r) this.pending.addArea(r.x, r.y, r.w, r.h);
    }
  }

  ledsChanged(): void {
    if (this.settings.qemuLedState) {
      this.ledsDue = true;
      this.pump();
    }
  }

  guestCopied(text: string): void {
    if (this.settings.extendedClipboard) this.transport.write(extendedClipboardMessage(ClipboardFlag.Notify | ClipboardFlag.Text));
    else this.transport.write(serverCutText(text));
  }

  /** Another client resized the desktop (status 0): tell this one with reason 2. */
  resizedByOther(width: number, height: number, screens: Screen[]): void {
    if (!this.settings.extendedDesktopSize) return;
    this.desktopSizeReplies.push(extendedDesktopSizeRect(Reason.OtherClient, Status.Ok, width, height, screens));
    this.pump();
  }

  /**
   * Flow control, checked by the server once a second: drop a client that stopped reading. A slow client
   * that keeps reading is not stuck: its output hovers around the throttle (an update goes out each time it
   * falls below), so what counts is whether any of it left our buffer since the last check.
   */
  checkStall(now: number, stallMs: number): void {
    const buffered = this.transport.bufferedBytes;
    if (buffered > DROP_FACTOR * this.throttleBytes()) {
      this.close(`not reading: ${buffered} bytes unsent (limit ${DROP_FACTOR * this.throttleBytes()})`, "warn");
      return;
    }
    const fenceWait = this.pacer.waitingMs(now);
    if (fenceWait > stallMs) {
      this.close(`did not answer a fence for ${fenceWait} ms`, "warn");
      return;
    }
    // update bytes handed to the transport minus what it still holds: grows while the client reads (other
    // small writes only make it lag a little)
    const drained = this.stats.bytes - buffered;
    const progressed = drained > this.drainedAtCheck;
    this.drainedAtCheck = drained;
    if (buffered > this.throttleBytes() && !progressed) {
      this.stuckSince ??= now;
      if (now - this.stuckSince > stallMs) this.close(`fell behind: no output taken for ${stallMs} ms with more than one framebuffer unsent`, "warn");
    } else {
      this.stuckSince = undefined;
    }
  }

  private throttleBytes(): number {
    return Math.max(THROTTLE_MIN, this.clientWidth * this.clientHeight * bytesPerPixel(this.format));
  }

  // ---- client messages ----

  private receive(chunk: Buffer): void {
    if (this.closedFlag) return;
    this.reader.push(chunk);
    try {
      for (let m = this.reader.next(); m && !this.closedFlag; m = this.reader.next()) this.handle(m);
    } catch (e) {
      if (e instanceof ProtocolViolation) this.close(`protocol violation: ${e.message}`, "warn");
      else this.close(`internal error handling a message: ${(e as Error).stack ?? e}`, "warn");
    }
  }

  private handle(m: ClientMessage): void {
    switch (m.type) {
      case "setPixelFormat": {
        const problem = pixelFormatProblem(m.format);
        if (problem) throw new ProtocolViolation(`SetPixelFormat: ${problem}`);
        // applied between updates: an update being encoded keeps the format it started with
        this.pendingFormat = m.format;
        if (!this.busy) this.applyPendingFormat();
        return;
      }
      case "setEncodings":
        this.setEncodings(m.encodings);
        return;
      case "updateRequest":
        this.updateRequest(m.incremental, { x: m.x, y: m.y, w: m.w, h: m.h });
        return;
      case "key":
        if (!this.host.viewOnly) this.inputGate.input({ type: "key", down: m.down, keysym: m.keysym });
        return;
      case "qemuKey": {
        if (this.host.viewOnly) return;
        // XT scancodes with 0xE0-prefixed keys as 0x80 | code; anything wider is not a scancode we know
        const scancode = m.scancode > 0 && m.scancode <= 0xff ? m.scancode : undefined;
        const ev: InputEvent = { type: "key", down: m.down };
        if (scancode !== undefined) ev.scancode = scancode;
        if (m.keysym !== 0) ev.keysym = m.keysym;
        if (ev.scancode === undefined && ev.keysym === undefined) return;
        this.inputGate.input(ev);
        return;
      }
      case "pointer": {
        if (this.host.viewOnly) return;
        const s = this.host.surface();
        this.inputGate.input({ type: "pointer", x: Math.min(m.x, s.width - 1), y: Math.min(m.y, s.height - 1), buttons: m.buttons });
        return;
      }
      case "cutText":
        if (!this.host.viewOnly) this.host.clipboardFromClient(this, m.text.replace(/\r\n/g, "\n"));
        return;
      case "extendedClipboard":
        this.extendedClipboard(m.flags, m.payload);
        return;
      case "enableContinuousUpdates":
        if (!this.settings.continuousUpdates) throw new ProtocolViolation("EnableContinuousUpdates before the client announced ContinuousUpdates");
        if (m.enable) {
          this.continuous = { x: m.x, y: m.y, w: m.w, h: m.h };
          this.pump();
        } else {
          this.continuous = undefined;
          this.transport.write(endOfContinuousUpdates());
        }
        return;
      case "fence":
        if ((m.flags & FenceFlag.Request) !== 0) {
          // answer in order (BlockBefore holds by construction); keep only the flags we understand
          this.transport.write(serverFence(m.flags & (FenceFlag.BlockBefore | FenceFlag.BlockAfter | FenceFlag.SyncNext), m.payload));
        } else if (this.pacer.answered(m.payload)) {
          // what was sent since that fence is now the in-flight part: fence it too, then send what is due
          this.fenceIfPaced();
          this.pump();
        }
        return;
      case "xvp":
        this.transport.write(xvpMessage(XvpCode.Fail));
        return;
      case "setDesktopSize":
        this.setDesktopSize(m.width, m.height, m.screens);
        return;
    }
  }

  private applyPendingFormat(): void {
    if (!this.pendingFormat) return;
    this.format = this.pendingFormat;
    this.pendingFormat = undefined;
    this.translator = new PixelTranslator(this.format);
    this.settings = settingsFromEncodings(this.lastEncodings, pixelFormatKey(this.format));
    // what the client holds is in the old format only in its own memory; nothing to resend, but a
    // client that changes format mid-session (TigerVNC's auto-select) asks for a full update itself
  }

  private lastEncodings: readonly number[] = [];

  private setEncodings(list: number[]): void {
    const before = this.settings;
    this.lastEncodings = list;
    this.settings = settingsFromEncodings(list, pixelFormatKey(this.format));
    const s = this.settings;
    const first = (n: number): boolean => list.includes(n) && !this.everSeen.has(n);
    if (s.continuousUpdates && first(-313)) this.transport.write(endOfContinuousUpdates());
    if (s.fence && first(-312)) this.transport.write(serverFence(FenceFlag.Request, Buffer.alloc(0)));
    if (s.extendedClipboard) this.transport.write(clipboardCaps(this.host.limits.maxCutText));
    if (s.qemuExtendedKey && first(-258)) this.extKeyAckDue = true;
    if (s.qemuLedState && first(-261)) this.ledsDue = true;
    if (s.qemuPointerMotionChange && first(-257)) this.pointerTypeDue = true;
    if (s.desktopName && first(-307)) this.nameDue = true;
    if (s.cursor !== "none" && (s.cursor !== before.cursor || !this.encodingsSeen)) this.cursorDue = true;
    // the cursor goes from drawn-in to a pseudo-encoding or back: the picture under it is sent again
    if ((s.cursor === "none") !== (before.cursor === "none") && this.encodingsSeen) this.cursorDamage();
    for (const e of list) this.everSeen.add(e);
    this.encodingsSeen = true;
    this.pump();
  }

  private updateRequest(incremental: boolean, area: Rect): void {
    if (!incremental) {
      const s = this.host.surface();
      const r = clip(area, s.width, s.height);
      if (r) this.pending.addArea(r.x, r.y, r.w, r.h);
      // every non-incremental request is answered with the layout (how clients learn SetDesktopSize works)
      if (this.settings.extendedDesktopSize) this.edsOnRequest = true;
      this.requestOutstanding = true;
    } else if (!this.continuous) {
      this.requestOutstanding = true;
    }
    this.pump();
  }

  private setDesktopSize(width: number, height: number, screens: Screen[]): void {
    const reply = (status: number, w: number, h: number, sc: Screen[]): void => {
      this.desktopSizeReplies.push(extendedDesktopSizeRect(Reason.ThisClient, status, w, h, sc));
      this.pump();
    };
    const s = this.host.surface();
    if (this.host.viewOnly) return reply(Status.Prohibited, s.width, s.height, this.host.screens());
    const valid =
      width > 0 && height > 0 && screens.length > 0 &&
      screens.every((sc) => sc.w > 0 && sc.h > 0 && sc.x + sc.w <= width && sc.y + sc.h <= height);
    if (!valid) return reply(Status.InvalidLayout, s.width, s.height, this.host.screens());
    const answer = this.host.requestSize(this, width, height, screens);
    switch (answer) {
      case "same":
        return reply(Status.Ok, width, height, screens);
      case "forwarded":
        return reply(Status.Forwarded, width, height, screens);
      case "unsupported":
        return reply(Status.Prohibited, s.width, s.height, this.host.screens());
      case "invalid":
        return reply(Status.InvalidLayout, s.width, s.height, this.host.screens());
    }
  }

  private extendedClipboard(flags: number, payload: Buffer): void {
    const F = ClipboardFlag;
    if (flags & F.Caps) return; // the client's capabilities: we only deal in text, which every client has
    if (flags & F.Request && flags & F.Text) {
      this.transport.write(clipboardProvide(this.host.guestClipboard() ?? ""));
    } else if (flags & F.Peek) {
      this.transport.write(extendedClipboardMessage(F.Notify | (this.host.guestClipboard() !== undefined ? F.Text : 0)));
    } else if (flags & F.Notify) {
      if (flags & F.Text && !this.host.viewOnly) {
        this.transport.write(extendedClipboardMessage(F.Request | F.Text));
        this.inputGate.expectText();
      }
    } else if (flags & F.Provide) {
      if (!(flags & F.Text) || this.host.viewOnly) return this.inputGate.release();
      let plain: Buffer;
      try {
        plain = inflateSync(payload, { maxOutputLength: this.host.limits.maxCutText + 4, finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch (e) {
        throw new ProtocolViolation(`extended clipboard provide: bad zlib data (${(e as Error).message})`);
      }
      if (plain.length < 4) throw new ProtocolViolation("extended clipboard provide: no text length");
      const len = plain.readUInt32BE(0);
      if (len > plain.length - 4) throw new ProtocolViolation(`extended clipboard provide: text of ${len} bytes in ${plain.length - 4}`);
      const text = plain.toString("utf8", 4, 4 + len).replace(/\0+$/, "").replace(/\r\n/g, "\n");
      this.host.clipboardFromClient(this, text);
      this.inputGate.release();
    }
  }

  // ---- updates ----

  private wantsUpdate(): boolean {
    return (
      this.resizeDue || this.desktopSizeReplies.length > 0 || this.edsOnRequest || this.cursorDue || this.ledsDue ||
      this.extKeyAckDue || this.pointerTypeDue || this.nameDue || !this.pending.isEmpty || this.refresh.isDue
    );
  }

  /** Send what is due, if the client can take it now. */
  pump(): void {
    if (this.closedFlag || this.busy || !this.encodingsSeenOrRequested()) return;
    // replies to SetDesktopSize go out as soon as possible, request or not (QEMU does the same)
    if (!this.requestOutstanding && !this.continuous && this.desktopSizeReplies.length === 0) return;
    if (this.transport.bufferedBytes > this.throttleBytes()) return;
    if (this.paced && !this.pacer.canSend(this.stats.bytes, this.throttleBytes())) return;
    if (!this.wantsUpdate()) return;
    this.busy = true;
    this.sendUpdate()
      .catch((e: unknown) => this.close(`encoding failed: ${(e as Error).stack ?? e}`, "warn"))
      .finally(() => {
        this.busy = false;
        this.applyPendingFormat();
        if (!this.closedFlag && this.wantsUpdate()) setImmediate(() => this.pump());
        this.settleCaughtUp();
      });
  }

  private encodingsSeenOrRequested(): boolean {
    return this.encodingsSeen || this.requestOutstanding;
  }

  private async sendUpdate(): Promise<void> {
    const s = this.settings;
    // a size change goes alone, before any pixels (clients drop their framebuffer on it)
    if (this.resizeDue || this.desktopSizeReplies.length > 0 || this.edsOnRequest) {
      const rects: Buffer[] = [...this.desktopSizeReplies];
      this.desktopSizeReplies.length = 0;
      const resize = this.resizeDue || this.edsOnRequest;
      if (resize && s.extendedDesktopSize) {
        rects.push(extendedDesktopSizeRect(Reason.Server, Status.Ok, this.clientWidth, this.clientHeight, this.host.screens()));
      } else if (this.resizeDue && s.desktopSize) {
        rects.push(desktopSizeRect(this.clientWidth, this.clientHeight));
      }
      this.resizeDue = false;
      this.edsOnRequest = false;
      if (rects.length > 0) {
        const wasRequested = this.requestOutstanding;
        this.writeUpdate(rects, []);
        // pixels follow in their own update, without waiting for another request
        if (!wasRequested || this.pending.isEmpty) {
          this.requestOutstanding = false;
          return;
        }
      }
    }

    const pseudo: Buffer[] = [];
    if (this.extKeyAckDue) pseudo.push(qemuExtendedKeyAckRect());
    if (this.pointerTypeDue) pseudo.push(pointerMotionChangeRect(true));
    if (this.nameDue) pseudo.push(desktopNameRect(this.host.name));
    if (this.ledsDue) pseudo.push(ledStateRect(this.host.leds()));
    if (this.cursorDue) {
      const c = this.host.cursor() ?? { width: 0, height: 0, pixels: new Uint32Array(0), hotX: 0, hotY: 0 };
      if (s.cursor === "alpha") pseudo.push(alphaCursorRect(c));
      else if (s.cursor === "vmware") pseudo.push(vmwareAlphaCursorRect(c));
      else if (s.cursor === "rich") pseudo.push(richCursorRect(c, this.translator));
    }
    this.extKeyAckDue = this.pointerTypeDue = this.nameDue = this.ledsDue = this.cursorDue = false;

    const surface = this.host.surface();
    const sameSize = surface.width === this.clientWidth && surface.height === this.clientHeight;
    const moved = this.pending.pendingMoves;
    let rects = this.pending.take();
    let copies = 0;
    // moves over exactly the frame this client has: it copies them on its side (in the detector's order, so
    // no copy reads what an earlier one wrote), and only the rest goes as pixels
    if (moved && s.copyRect && sameSize) {
      pseudo.push(...moved.copies);
      copies = moved.copies.length;
      rects = moved.rest;
      this.refresh.moved(moved.moves);
      // a drawn-in cursor inside a move's source was copied along with it: send where it landed again
      const landed = this.drawnCursor ? cursorCopies(this.drawnCursor, moved.moves) : [];
      if (landed.length > 0) rects = [...rects, ...landed];
    }
    if (!sameSize) {
      // a client that cannot be told about a resize sees the part of the surface that fits its framebuffer
      const w = Math.min(surface.width, this.clientWidth);
      const h = Math.min(surface.height, this.clientHeight);
      rects = rects.map((r) => clip(r, w, h)).filter((r): r is Rect => r !== undefined);
    }
    // areas this client holds as JPEG that stopped changing go again losslessly, before this update's damage
    let refreshRects = sameSize ? this.refresh.takeDue() : [];
    // the cursor drawn in for a client without a cursor pseudo-encoding: its box from a composited copy
    let cursorRects: Rect[] = [];
    let drawnCursor = this.drawnCursor;
    if (s.cursor === "none") {
      const box = cursorBox(this.host.cursor(), this.host.cursorPosition(), Math.min(surface.width, this.clientWidth), Math.min(surface.height, this.clientHeight));
      const cut = cutOutCursor([rects, refreshRects], box, drawnCursor);
      [rects, refreshRects] = cut.outside as [Rect[], Rect[]];
      cursorRects = cut.box ? [cut.box] : [];
      drawnCursor = cut.drawn;
    }
    // every encoding starts before the first await: one snapshot of the surface. The cursor's box goes first
    // and the damage last, so the update still ends with the damage's last rect (clients such as gvnccapture
    // take a rect that reaches the bottom-right corner as the end of the picture)
    const parts: Array<Promise<EncodedRect[]>> = [];
    // the encodings' buffers stay ours until the transport has sent them (or nothing is sent)
    const leases: EncodeLease[] = [];
    // a large update that is only damage, in Raw or Hextile: written as it is encoded (streamed-update.ts)
    const stream = cursorRects.length === 0 && refreshRects.length === 0 ? this.streamFor(pseudo, rects) : undefined;
    let handedOver = false;
    try {
      for (const box of cursorRects) {
        const key = `${s.losslessEncodeKey}|cursor ${this.host.cursorVersion()} at ${box.x},${box.y}`;
        const withCursor = composite(surface, this.host.cursor()!, this.host.cursorPosition(), box);
        parts.push(this.encode(withCursor, [{ x: 0, y: 0, w: box.w, h: box.h }], -1, key, leases).then((r) => placedAt(r, box.x, box.y)));
      }
      if (refreshRects.length > 0) parts.push(this.encode(surface, refreshRects, -1, s.losslessEncodeKey, leases));
      if (rects.length > 0) parts.push(this.encode(surface, rects, s.jpegQuality, s.encodeKey, leases, stream));
      const results = await Promise.all(parts);
      // one part is the shared cache entry itself: kept as that array, its segments are made once for all
      // clients (EncodeCache.segments is keyed by it), not once per client
      const encoded = results.length === 1 ? results[0]! : results.flat();
      // its header told the client how many rects follow
      if (stream?.started && encoded.length !== rects.length) throw new Error(`a piecewise encoder made ${encoded.length} rects of ${rects.length}`);
      // rects whose pixels went only to the stream cannot be written again
      if (stream && !stream.started && encoded.some((r) => r.streamedOnly)) throw new Error("an update's pixels were streamed but the update never started");
      if (this.closedFlag) return;
      this.drawnCursor = drawnCursor;
      if (sameSize && parts.length > 0) this.refresh.sent([...refreshRects, ...rects, ...cursorRects], lossyRects(encoded));
      if (pseudo.length === 0 && encoded.length === 0) return;
      this.requestOutstanding = false;
      if (stream?.started) {
        this.updateWritten(stream.bytes, pseudo.length + encoded.length, copies);
        return;
      }
      this.writeUpdate(pseudo, encoded, copies, leases.length > 0 ? () => releaseAll(leases) : undefined);
      handedOver = true;
    } finally {
      // a streamed update is written already, whatever failed after: its buffers are released only once its
      // last piece has left (closed or not), never while a piece still waits in the transport
      if (stream?.started) stream.finish(() => releaseAll(leases));
      else if (!handedOver) releaseAll(leases);
    }
  }

  /**
   * Encode rects of the surface for this client, sharing the work with every client of the same key: the
   * same settings and the same rects of the same surface give the same bytes, whoever asks, so clients that
   * keep up share one frame's encoding, and so do clients that fell behind by the same frames. The lease
   * goes into `leases`. Streamed by an encoder that reusesPieces (Raw) to the only client with its
   * settings, the encoding is this client's alone.
   */
  private encode(
    surface: ConsoleSurface,
    rects: readonly Rect[],
    jpegQuality: number,
    key: string,
    leases: EncodeLease[],
    stream?: StreamedUpdate,
  ): Promise<EncodedRect[]> {
    const s = this.settings;
    const encoder = this.host.encoderFor(s.pixelEncoding);
    const sink = stream && encoder.piecewise ? stream.piece : undefined;
    // sharing saves the copy for every other client; for one client alone, the copy into a reused buffer is cheaper
    const piecesLeft = stream && sink && encoder.reusesPieces && !this.host.othersShare(this, s.encodeKey) ? stream.piecesLeft : undefined;
    const lease = this.host.cache.lease(piecesLeft ? undefined : `${key}|${rectsKey(rects)}`, (output) => {
      const ctx: EncodeContext = {
        pixels: surface.pixels,
        width: surface.width,
        height: surface.height,
        translator: this.translator,
        compressLevel: s.compressLevel,
        jpegQuality,
        subsampling: s.subsampling,
        output,
        // used only if this connection makes the encoding: a cache hit has nothing to stream
        ...(sink ? { sink } : {}),
        ...(piecesLeft ? { piecesLeft } : {}),
      };
      const t0 = performance.now();
      return encodeRects(encoder, ctx, rects).then((r) => {
        this.host.encoded(s.pixelEncoding, (performance.now() - t0) / 1000);
        return r;
      });
    });
    leases.push(lease);
    return lease.rects;
  }

  /**
   * A streamed update for these rects when it pays: a piecewise encoder, one FramebufferUpdate (at most
   * 65,535 rects, one per rect: its count goes first), and at least two pieces' worth of pixels (smaller
   * updates leave in one write).
   */
  private streamFor(pseudo: readonly Buffer[], rects: readonly Rect[]): StreamedUpdate | undefined {
    const total = pseudo.length + rects.length;
    if (!this.host.encoderFor(this.settings.pixelEncoding).piecewise || rects.length === 0 || total > 0xffff) return undefined;
    let pixels = 0;
    for (const r of rects) pixels += r.w * r.h;
    if (pixels * this.translator.bytesPerPixel < 2 * STREAM_PIECE_BYTES) return undefined;
    return new StreamedUpdate(this.transport, Buffer.concat([framebufferUpdateHeader(total), ...pseudo]));
  }

  /**
   * One FramebufferUpdate (or several when there are more than 65,535 rectangles and no LastRect), written
   * in few socket writes: the encoded rects of a shared encoding are made into segments once (EncodeCache)
   * and those go to every client that needs no zlib header spliced in.
   */
  private writeUpdate(pseudo: Buffer[], shared: EncodedRect[], copies = 0, sent?: () => void): void {
    const encoded = this.zlibStreams.withOwnHistory(shared);
    const total = pseudo.length + encoded.length;
    const chunks: Uint8Array[] = [];
    const needsSplice = this.zlibStreams.needsHeader(encoded);
    if (total <= 0xffff && !needsSplice) {
      chunks.push(framebufferUpdateHeader(total), ...pseudo);
      if (encoded.length > 0) chunks.push(...this.host.cache.segments(encoded));
    } else if (total > 0xffff && this.settings.lastRect) {
      chunks.push(framebufferUpdateHeader(0xffff));
      for (const p of [...pseudo, ...encoded]) this.rectChunks(p, chunks);
      chunks.push(lastRect());
    } else {
      const pieces: Array<Buffer | EncodedRect> = [...pseudo, ...encoded];
      for (let i = 0; i < pieces.length; i += 0xffff) {
        const part = pieces.slice(i, i + 0xffff);
        chunks.push(framebufferUpdateHeader(part.length));
        for (const p of part) this.rectChunks(p, chunks);
      }
    }
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    this.writeChunks(chunks, sent);
    this.updateWritten(bytes, total, copies);
  }

  /** An update of `total` rects (`copies` of them CopyRect) is written: count it, and fence if paced. */
  private updateWritten(bytes: number, total: number, copies: number): void {
    this.stats.updates++;
    this.stats.bytes += bytes;
    this.stats.rects += total;
    this.stats.copyRects += copies;
    this.host.sent(this, bytes, total, copies);
    this.fenceIfPaced();
  }

  /**
   * Each run of small pieces as one write, each large piece written as it is (shared, not copied per
   * client); the TCP transport gathers one tick's writes into one writev. `sent` goes with the last write:
   * a transport's writes leave in order.
   */
  private writeChunks(chunks: readonly Uint8Array[], sent?: () => void): void {
    const segments = writeSegments(chunks);
    for (let i = 0; i < segments.length; i++) this.transport.write(segments[i]!, i === segments.length - 1 ? sent : undefined);
  }

  /** Continuous updates to a client that has fences are paced by them (fence-pacer.ts). */
  private get paced(): boolean {
    return this.continuous !== undefined && this.settings.fence;
  }

  private fenceIfPaced(): void {
    if (!this.paced) return;
    const fence = this.pacer.afterUpdate(this.stats.bytes, Date.now());
    if (fence) this.transport.write(fence);
  }

  private rectChunks(p: Buffer | EncodedRect, out: Uint8Array[]): void {
    if (Buffer.isBuffer(p)) out.push(p);
    else this.zlibStreams.pieces(p, out);
  }
}

/** Where the lossy (JPEG) rects of an update lie, from their headers. */
function lossyRects(encoded: readonly EncodedRect[]): Rect[] {
  const out: Rect[] = [];
  for (const e of encoded) {
    if (!e.lossy) continue;
    const b = e.bytes;
    out.push({ x: (b[0]! << 8) | b[1]!, y: (b[2]! << 8) | b[3]!, w: (b[4]! << 8) | b[5]!, h: (b[6]! << 8) | b[7]! });
  }
  return out;
}

/** A compact text key of a rect list (cache keys live for one frame only). */
function rectsKey(rects: readonly Rect[]): string {
  let k = "";
  for (const r of rects) k += `${r.x},${r.y},${r.w},${r.h};`;
  return k;
}

function releaseAll(leases: readonly EncodeLease[]): void {
  for (const l of leases) l.release();
}
