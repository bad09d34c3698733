/**
 * The VNC server for one Console: TCP (default 127.0.0.1:5900) and WebSocket listeners, the handshake, the
 * clients, and the fan-out of console events to them. Console damage is turned into one immutable rect list
 * per frame; every client that is up to date shares the encoding of it (EncodeCache), so N identical viewers
 * cost about one. Malformed input closes that client with a reason; the server itself never goes down for it.
 */
import { createServer, type Server as NetServer, type Socket } from "node:net";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Console, ConsoleListener, ConsoleSurface } from "../display/console.ts";
import type { DamageList } from "../display/damage-tracker.ts";
import { DEFAULT_CLIENT_LIMITS, type ClientMessageLimits, type Screen } from "./client-messages.ts";
import { RfbConnection, type ConnectionHost } from "./connection.ts";
import { EncodeCache } from "./encode-cache.ts";
import { encodingName } from "./encodings.ts";
import { EncoderRegistry } from "./encoders/registry.ts";
import type { RectEncoder } from "./encoders/encoder.ts";
import { HandshakeIO, HandshakeTimeout } from "./handshake-io.ts";
import { runHandshake } from "./handshake.ts";
import { silentLogger, type Logger } from "./logger.ts";
import { frameMoves, frameRects } from "./pending-damage.ts";
import { AuthLockout } from "./security/lockout.ts";
import type { SecurityType } from "./security/security-type.ts";
import type { CursorImage } from "./server-messages.ts";
import { TcpTransport } from "./tcp-transport.ts";
import type { RfbTransport } from "./transport.ts";
import { WebSocketTransport } from "./websocket-transport.ts";

export type SharePolicy = "allow-exclusive" | "force-shared";

export interface ListenAddress {
  host: string;
  port: number;
}

export interface RfbServerOptions {
  console: Console;
  /** the desktop name in ServerInit */
  name?: string;
  /** TCP listener (default 127.0.0.1:5900); null: none */
  tcp?: ListenAddress | null;
  /** WebSocket listener of its own (default none; a web server can hand over upgrades instead) */
  websocket?: ListenAddress | null;
  /** security types in order of preference, per transport (VeNCrypt is dropped on WebSocket by its availableOn) */
  security: readonly SecurityType[];
  sharePolicy?: SharePolicy;
  maxClients?: number;
  handshakeTimeoutMs?: number;
  /** a client whose output stays above one framebuffer this long is dropped */
  stallTimeoutMs?: number;
  limits?: Partial<ClientMessageLimits>;
  viewOnly?: boolean;
  lockout?: AuthLockout;
  log?: Logger;
}

export interface ServerStats {
  clients: number;
  connectionsTotal: number;
  refused: number;
  updates: number;
  bytes: number;
  rects: number;
  /** of the rects, CopyRects (moved areas the clients copied) */
  copyRects: number;
  frames: number;
  encodeCacheHits: number;
  encodeCacheMisses: number;
  /** large outputs (Raw, Hextile of busy areas) written into a reused buffer, and into a new one */
  outputBuffersReused: number;
  outputBuffersAllocated: number;
}

const PLACEHOLDER: ConsoleSurface = { width: 640, height: 480, pixels: new Uint32Array(640 * 480) };

export class RfbServer {
  readonly log: Logger;
  private readonly console: Console;
  private readonly clients = new Set<RfbConnection>();
  private readonly handshaking = new Set<RfbTransport>();
  /** handshakes past the client-limit check: each holds a slot until it ends, so racing ones cannot overshoot */
  private readonly admitting = new Set<RfbTransport>();
  private readonly encoders = new EncoderRegistry();
  private readonly cache = new EncodeCache();
  private readonly lockout: AuthLockout;
  private readonly limits: ClientMessageLimits;
  private readonly listener: ConsoleListener;
  private tcpServer: NetServer | undefined;
  private wsServer: WebSocketServer | undefined;
  private readonly upgradeServer: WebSocketServer;
  private screenLayout: Screen[] = [{ id: 0, x: 0, y: 0, w: 0, h: 0, flags: 0 }];
  private cursorImage: CursorImage | undefined;
  private cursorVersion = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly totals = { connectionsTotal: 0, refused: 0, updates: 0, bytes: 0, rects: 0, copyRects: 0, frames: 0 };
  private closing = false;
  private readonly encodeListeners: Array<(encoding: string, seconds: number) => void> = [];
  readonly name: string;

  constructor(private readonly options: RfbServerOptions) {
    this.console = options.console;
    this.name = options.name ?? options.console.name;
    this.log = options.log ?? silentLogger;
    this.lockout = options.lockout ?? new AuthLockout();
    this.limits = { ...DEFAULT_CLIENT_LIMITS, ...options.limits };
    if (options.security.length === 0) throw new RangeError("the VNC server needs at least one security type");
    // ws buffers a whole message before handing it over: cap it at the largest message we accept (not ws's 100 MiB)
    this.upgradeServer = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: pickProtocol, maxPayload: this.maxMessage() });
    this.host = this.makeHost();
    this.listener = {
      surface: (s) => this.surfaceChanged(s),
      update: (d) => this.frame(d),
      cursorShape: (c) => this.cursorChanged(c),
      cursorMove: () => {
        for (const c of this.clients) c.cursorMoved();
      },
      clipboard: (text) => {
        for (const c of this.clients) c.guestCopied(text);
      },
      leds: () => {
        for (const c of this.clients) c.ledsChanged();
      },
    };
  }

  /** Start listening; resolves with the bound addresses (port 0 picks a free port). */
  async listen(): Promise<{ tcp?: ListenAddress; websocket?: ListenAddress }> {
    const out: { tcp?: ListenAddress; websocket?: ListenAddress } = {};
    const tcp = this.options.tcp === undefined ? { host: "127.0.0.1", port: 5900 } : this.options.tcp;
    if (tcp) {
      const server = createServer((socket) => this.acceptTcp(socket));
      this.tcpServer = server;
      out.tcp = await listenOn(server, tcp);
    }
    if (this.options.websocket) {
      const wss = new WebSocketServer({ host: this.options.websocket.host, port: this.options.websocket.port, perMessageDeflate: false, handleProtocols: pickProtocol, maxPayload: this.maxMessage() });
      this.wsServer = wss;
      await new Promise<void>((resolve, reject) => {
        wss.once("listening", resolve);
        wss.once("error", reject);
      });
      wss.on("connection", (ws, req) => this.acceptWebSocket(ws, req.socket.remoteAddress ?? "unknown"));
      const a = wss.address();
      if (typeof a === "object" && a) out.websocket = { host: a.address, port: a.port };
    }
    this.stallTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.clients) c.checkStall(now, this.options.stallTimeoutMs ?? 30_000);
    }, 1000);
    this.stallTimer.unref();
    this.log.info({ name: this.name, ...out }, "VNC server listening");
    return out;
  }

  /** For a web server that owns the HTTP port: hand over a WebSocket upgrade request for this console. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgradeServer.handleUpgrade(req, socket, head, (ws) => this.acceptWebSocket(ws, req.socket.remoteAddress ?? "unknown"));
  }

  get stats(): ServerStats {
    return {
      clients: this.clients.size,
      ...this.totals,
      encodeCacheHits: this.cache.hits,
      encodeCacheMisses: this.cache.misses,
      outputBuffersReused: this.cache.pool.reused,
      outputBuffersAllocated: this.cache.pool.allocated,
    };
  }

  /** Be told of every encoding made (not of cache hits): for encode-time metrics. */
  onEncoded(listener: (encoding: string, seconds: number) => void): void {
    this.encodeListeners.push(listener);
  }

  /** The connected clients (after the handshake). */
  get connections(): readonly RfbConnection[] {
    return [...this.clients];
  }

  /**
   * Resolves when every client connected now is caught up or closed (RfbConnection.whenCaughtUp), or after
   * `timeoutMs` at the latest; true when they all were.
   */
  async whenCaughtUp(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.all(this.connections.map((c) => c.whenCaughtUp())).then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.console.removeListener(this.listener);
    if (this.stallTimer) clearInterval(this.stallTimer);
    for (const c of [...this.clients]) c.close("the server is shutting down");
    for (const t of [...this.handshaking]) t.close(true);
    const closes: Promise<void>[] = [];
    if (this.tcpServer) closes.push(new Promise((r) => this.tcpServer!.close(() => r())));
    if (this.wsServer) closes.push(new Promise((r) => this.wsServer!.close(() => r())));
    this.upgradeServer.close();
    await Promise.all(closes);
  }

  // ---- connections ----

  private acceptTcp(socket: Socket): void {
    socket.on("error", () => {});
    this.accept(new TcpTransport(socket));
  }

  private acceptWebSocket(ws: WebSocket, address: string): void {
    this.accept(new WebSocketTransport(ws, normaliseAddress(address)));
  }

  /** Run the handshake and, if it succeeds, make the transport a client. */
  accept(transport: RfbTransport): void {
    if (this.closing) return transport.close(true);
    this.totals.connectionsTotal++;
    this.handshaking.add(transport);
    const io = new HandshakeIO(transport, this.options.handshakeTimeoutMs ?? 10_000);
    const offered = this.options.security.filter((t) => t.availableOn(transport.kind));
    const max = this.options.maxClients ?? 64;
    const refuse = (): string | undefined => {
      if (this.clients.size + this.handshaking.size > max + 16 || this.clients.size + this.admitting.size >= max) return `too many clients (at most ${max})`;
      this.admitting.add(transport);
      return undefined;
    };
    runHandshake(io, offered, this.lockout, refuse)
      .then((hs) => {
        this.handshaking.delete(transport);
        this.admitting.delete(transport);
        if (transport.closed) return;
        const shareRefusal = this.admit(hs.shared);
        if (shareRefusal) {
          this.totals.refused++;
          this.log.info({ address: transport.remoteAddress }, `VNC client refused: ${shareRefusal}`);
          return transport.close();
        }
        // the Console is watched only while someone views it (an idle server costs the consumer no polling);
        // the first viewer's watch refreshes it at once, so ServerInit has the size of the moment
        if (this.clients.size === 0) this.console.addListener(this.listener);
        const surface = this.surface();
        const conn = new RfbConnection(transport, this.host, hs.shared, hs.version, hs.security);
        this.clients.add(conn);
        transport.write(serverInit(surface.width, surface.height, this.name));
        conn.begin(io.finish());
        this.log.info({ client: conn.id, address: transport.remoteAddress, version: `3.${hs.version}`, security: hs.security, shared: hs.shared }, "VNC client connected");
      })
      .catch((e: unknown) => {
        this.handshaking.delete(transport);
        this.admitting.delete(transport);
        this.totals.refused++;
        io.finish();
        this.log.info({ address: transport.remoteAddress }, `VNC handshake failed: ${(e as Error).message}`);
        // a reason we sent may still be on its way; a client that ran out of time gets nothing more
        transport.close(e instanceof HandshakeTimeout);
      });
  }

  /** The largest WebSocket message a client needs: a ClientCutText at the limit, with room for messages around it. */
  private maxMessage(): number {
    return this.limits.maxCutText + 64 * 1024;
  }

  /** ClientInit's shared flag against the share policy: a reason to refuse, or undefined. */
  private admit(shared: boolean): string | undefined {
    if (this.options.sharePolicy === "force-shared") return undefined;
    const exclusive = [...this.clients].find((c) => !c.shared);
    if (exclusive) return `client ${exclusive.id} has exclusive access`;
    if (!shared) for (const c of [...this.clients]) c.close("another client asked for exclusive access");
    return undefined;
  }

  private surface(): ConsoleSurface {
    return this.console.surface ?? PLACEHOLDER;
  }

  // ---- console events ----

  private surfaceChanged(s: ConsoleSurface): void {
    this.cache.clear();
    this.screenLayout = this.screenLayout.map((sc, i) => (i === 0 ? { ...sc, x: 0, y: 0, w: s.width, h: s.height } : sc)).slice(0, 1);
    for (const c of this.clients) c.surfaceChanged(s);
  }

  private frame(d: DamageList): void {
    this.totals.frames++;
    this.cache.clear();
    const rects = frameRects(d);
    const moves = frameMoves(d);
    for (const c of this.clients) c.frameDamage(rects, moves);
  }

  private cursorChanged(c: { width: number; height: number; pixels: Uint32Array; hotX: number; hotY: number } | undefined): void {
    this.cursorImage = c ? { width: c.width, height: c.height, pixels: c.pixels, hotX: c.hotX, hotY: c.hotY } : undefined;
    this.cursorVersion++;
    for (const conn of this.clients) conn.cursorChanged();
  }

  private readonly host: ConnectionHost;

  private makeHost(): ConnectionHost {
    return {
      log: this.log,
      limits: this.limits,
      cache: this.cache,
      name: this.name,
      viewOnly: this.options.viewOnly ?? false,
      surface: () => this.surface(),
      cursor: () => this.cursorImage,
      cursorPosition: () => this.console.cursorPosition,
      cursorVersion: () => this.cursorVersion,
      leds: () => this.console.leds,
      guestClipboard: () => this.console.guestClipboard,
      screens: () => {
        const s = this.surface();
        const layout = this.screenLayout.map((sc) => ({ ...sc, w: sc.w || s.width, h: sc.h || s.height }));
        // a layout forwarded to the guest applies once the surface has its size; until then, one screen of the surface
        if (layout.every((sc) => sc.x + sc.w <= s.width && sc.y + sc.h <= s.height)) return layout;
        return [{ id: layout[0]?.id ?? 0, x: 0, y: 0, w: s.width, h: s.height, flags: 0 }];
      },
      encoderFor: (encoding: number): RectEncoder => this.encoders.get(encoding),
      othersShare: (conn, encodeKey) => {
        for (const c of this.clients) if (c !== conn && c.clientSettings.encodeKey === encodeKey) return true;
        return false;
      },
      requestSize: (from, width, height, screens) => {
        const s = this.surface();
        if (width === s.width && height === s.height) {
          this.screenLayout = screens.map((sc) => ({ ...sc }));
          for (const c of this.clients) if (c !== from) c.resizedByOther(width, height, screens);
          return "same";
        }
        const answer = this.console.requestSize(width, height);
        if (answer === "forwarded") {
          this.screenLayout = screens.map((sc) => ({ ...sc }));
          this.log.info({ client: from.id, width, height }, "desktop size request forwarded to the guest");
        }
        return answer;
      },
      input: (_from, event) => this.console.sendInput(event),
      clipboardFromClient: (_from, text) => this.console.sendClipboard(text),
      closed: (conn) => {
        if (this.clients.delete(conn) && this.clients.size === 0) this.console.removeListener(this.listener);
      },
      encoded: (encoding, seconds) => {
        const name = encodingName(encoding);
        for (const l of this.encodeListeners) l(name, seconds);
      },
      sent: (_conn, bytes, rects, copies) => {
        this.totals.updates++;
        this.totals.bytes += bytes;
        this.totals.rects += rects;
        this.totals.copyRects += copies;
      },
    };
  }
}

function pickProtocol(protocols: Set<string>): string | false {
  // noVNC asks for no subprotocol (answered without one); old clients ask for "binary"
  return protocols.has("binary") ? "binary" : false;
}

function normaliseAddress(a: string): string {
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

function listenOn(server: NetServer, at: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => {
      server.off("error", reject);
      const a = server.address();
      resolve(typeof a === "object" && a ? { host: a.address, port: a.port } : at);
    });
  });
}

/** ServerInit: size, our pixel format (XRGB little-endian), the name. */
function serverInit(width: number, height: number, name: string): Buffer {
  const text = Buffer.from(name, "utf8");
  const b = Buffer.alloc(24 + text.length);
  b.writeUInt16BE(width, 0);
  b.writeUInt16BE(height, 2);
  b.set([32, 24, 0, 1], 4);
  b.writeUInt16BE(255, 8);
  b.writeUInt16BE(255, 10);
  b.writeUInt16BE(255, 12);
  b.set([16, 8, 0], 14);
  b.writeUInt32BE(text.length, 20);
  text.copy(b, 24);
  return b;
}
