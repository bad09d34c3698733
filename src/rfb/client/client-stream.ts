/**
 * The client's byte stream to a server: TCP (with an optional switch to TLS for VeNCrypt) or a WebSocket
 * (binary messages carry the RFB stream). Incoming bytes go into one ByteSource the protocol reads from.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import WebSocket from "ws";
import { ByteSource, ConnectionClosed } from "./byte-source.ts";

export interface ClientStream {
  readonly kind: "tcp" | "websocket";
  readonly source: ByteSource;
  write(data: Uint8Array): void;
  /** TCP only: continue inside TLS as the client (nothing may be unread when called) */
  startTls?(options: ConnectionOptions): Promise<TLSSocket>;
  close(): void;
  /** called once when the stream is gone, with the error that ended it if any */
  onClose(listener: (error?: Error) => void): void;
}

export function openTcp(host: string, port: number, timeoutMs: number): Promise<ClientStream> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`TCP connect to ${host}:${port} failed: ${e.message}`));
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(new TcpClientStream(socket));
    });
  });
}

class TcpClientStream implements ClientStream {
  readonly kind = "tcp";
  readonly source = new ByteSource();
  private socket: Socket;
  private closeListeners: Array<(e?: Error) => void> = [];
  private ended = false;
  private lastError: Error | undefined;

  constructor(private readonly raw: Socket) {
    this.socket = raw;
    this.attach(raw);
    // pausing the raw socket also holds TLS back (the TLS socket reads through it)
    this.source.setFlowControl({ pause: () => this.raw.pause(), resume: () => this.raw.resume() });
  }

  write(data: Uint8Array): void {
    if (!this.ended) this.socket.write(data);
  }

  startTls(options: ConnectionOptions): Promise<TLSSocket> {
    if (this.source.available > 0) return Promise.reject(new Error("the server sent data before the TLS handshake"));
    this.detach(this.raw);
    const tls = tlsConnect({ ...options, socket: this.raw });
    this.socket = tls;
    return new Promise((resolve, reject) => {
      const fail = (e: Error): void => {
        tls.off("secureConnect", ok);
        reject(new Error(`TLS handshake failed: ${e.message}`));
        this.finish(e);
        tls.destroy();
      };
      const ok = (): void => {
        tls.off("error", fail);
        this.attach(tls);
        resolve(tls);
      };
      tls.once("secureConnect", ok);
      tls.once("error", fail);
    });
  }

  close(): void {
    this.socket.destroy();
    this.raw.destroy();
    this.finish();
  }

  onClose(listener: (e?: Error) => void): void {
    if (this.ended) queueMicrotask(() => listener(this.lastError));
    else this.closeListeners.push(listener);
  }

  private readonly handleData = (chunk: Buffer): void => this.source.push(chunk);
  private readonly handleError = (e: Error): void => {
    this.lastError = e;
  };
  private readonly handleClose = (): void => this.finish(this.lastError);

  private attach(s: Socket): void {
    s.on("data", this.handleData);
    s.on("error", this.handleError);
    s.on("close", this.handleClose);
  }

  private detach(s: Socket): void {
    s.off("data", this.handleData);
    s.off("close", this.handleClose);
  }

  private finish(e?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.source.end(e ? new ConnectionClosed(`the connection failed: ${e.message}`) : new ConnectionClosed("the server closed the connection"));
    for (const l of this.closeListeners.splice(0)) l(e);
  }
}

export function openWebSocket(url: string, protocols: string[], timeoutMs: number): Promise<ClientStream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    ws.binaryType = "nodebuffer";
    ws.once("error", (e) => reject(new Error(`WebSocket connect to ${url} failed: ${e.message}`)));
    ws.once("open", () => {
      ws.removeAllListeners("error");
      resolve(new WebSocketClientStream(ws));
    });
  });
}

class WebSocketClientStream implements ClientStream {
  readonly kind = "websocket";
  readonly source = new ByteSource();
  private closeListeners: Array<(e?: Error) => void> = [];
  private ended = false;
  private lastError: Error | undefined;

  constructor(private readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        this.lastError = new Error("the server sent a text WebSocket message (RFB needs binary)");
        ws.terminate();
        return;
      }
      this.source.push(data as Buffer);
    });
    ws.on("error", (e) => {
      this.lastError = e;
    });
    ws.on("close", () => this.finish(this.lastError));
    this.source.setFlowControl({ pause: () => ws.pause(), resume: () => ws.resume() });
  }

  write(data: Uint8Array): void {
    if (!this.ended && this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary: true });
  }

  close(): void {
    this.ws.terminate();
    this.finish();
  }

  onClose(listener: (e?: Error) => void): void {
    if (this.ended) queueMicrotask(() => listener(this.lastError));
    else this.closeListeners.push(listener);
  }

  private finish(e?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.source.end(e ? new ConnectionClosed(`the connection failed: ${e.message}`) : new ConnectionClosed("the server closed the connection"));
    for (const l of this.closeListeners.splice(0)) l(e);
  }
}
