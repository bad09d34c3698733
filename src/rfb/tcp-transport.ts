/**
 * An RfbTransport over a TCP socket. VeNCrypt can switch it to TLS mid-stream (startTls): the socket is
 * wrapped in a server-side TLSSocket and every listener continues on the TLS stream, so the connection
 * above never notices except that its bytes are now encrypted.
 */
import type { Socket } from "node:net";
import { TLSSocket, type TlsOptions } from "node:tls";
import { DrainWatch } from "./drain-watch.ts";
import type { RfbTransport } from "./transport.ts";

/** How long a TLS handshake may take (the handshake deadline of the connection covers the rest). */
const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;
/** After a graceful close, how long to wait for the peer before dropping the socket. */
const CLOSE_LINGER_MS = 10_000;

export class TcpTransport implements RfbTransport {
  readonly kind = "tcp";
  readonly remoteAddress: string;
  private socket: Socket;
  private readonly raw: Socket;
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  /** the socket's 'drain' comes only after a write over its high-water mark; each write's callback tells too */
  private readonly drain = new DrainWatch(() => this.bufferedBytes);
  private readonly closeListeners: Array<() => void> = [];
  private isClosed = false;
  private tls = false;
  /** the socket corked for this tick's writes, until the tick ends or flush() */
  private corkedSocket: Socket | undefined;
  /** the last socket error, if the connection ended with one */
  lastError: Error | undefined;

  constructor(socket: Socket) {
    this.raw = socket;
    this.socket = socket;
    this.remoteAddress = normaliseAddress(socket.remoteAddress);
    socket.setNoDelay(true);
    this.attach(socket);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** whether the stream runs inside TLS now */
  get encrypted(): boolean {
    return this.tls;
  }

  get bufferedBytes(): number {
    // Inside TLS, plaintext waits in the TLS socket and ciphertext in the raw one.
    return this.tls ? this.socket.writableLength + this.raw.writableLength : this.socket.writableLength;
  }

  write(data: Uint8Array, sent?: () => void): void {
    if (this.isClosed) {
      sent?.();
      return;
    }
    // the writes of one tick (an update's header and its shared body) leave in one writev system call
    if (!this.corkedSocket) {
      this.corkedSocket = this.socket;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    // a destroyed socket still calls back (with an error) every write it had queued
    this.socket.write(data, sent ? () => (this.drain.written(), sent()) : this.drain.written);
  }

  flush(): void {
    this.uncork();
  }

  private readonly uncork = (): void => {
    const socket = this.corkedSocket;
    if (!socket) return;
    this.corkedSocket = undefined;
    socket.uncork();
  };

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onDrain(listener: () => void): void {
    this.drain.add(listener);
  }

  onClose(listener: () => void): void {
    if (this.isClosed) queueMicrotask(listener);
    else this.closeListeners.push(listener);
  }

  close(now = false): void {
    if (now) {
      this.socket.destroy();
      this.raw.destroy();
      this.markClosed();
      return;
    }
    this.socket.end();
    setTimeout(() => this.close(true), CLOSE_LINGER_MS).unref();
  }

  startTls(options: TlsOptions): Promise<void> {
    if (this.tls) return Promise.reject(new Error("the connection already runs TLS"));
    if (this.isClosed) return Promise.reject(new Error("the connection is closed"));
    this.detach(this.raw);
    const tlsSocket = new TLSSocket(this.raw, { ...options, isServer: true, requestCert: false, rejectUnauthorized: false });
    this.socket = tlsSocket;
    this.tls = true;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`TLS handshake not finished within ${TLS_HANDSHAKE_TIMEOUT_MS} ms`)), TLS_HANDSHAKE_TIMEOUT_MS);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        tlsSocket.off("secure", onSecure);
        tlsSocket.off("error", fail);
        tlsSocket.off("close", onClose);
      };
      const onSecure = (): void => {
        done();
        this.attach(tlsSocket);
        resolve();
      };
      const fail = (e: Error): void => {
        done();
        this.lastError = e;
        this.close(true);
        reject(new Error(`TLS handshake failed: ${e.message}`));
      };
      const onClose = (): void => fail(new Error("the peer closed the connection during the TLS handshake"));
      tlsSocket.once("secure", onSecure);
      tlsSocket.once("error", fail);
      tlsSocket.once("close", onClose);
    });
  }

  private readonly handleData = (chunk: Buffer): void => {
    for (const l of this.dataListeners) l(chunk);
  };
  private readonly handleError = (e: Error): void => {
    this.lastError = e;
  };
  private readonly handleClose = (): void => this.markClosed();

  private attach(s: Socket): void {
    s.on("data", this.handleData);
    s.on("drain", this.drain.notify);
    s.on("error", this.handleError);
    s.on("close", this.handleClose);
  }

  private detach(s: Socket): void {
    s.off("data", this.handleData);
    s.off("drain", this.drain.notify);
    s.off("close", this.handleClose);
    // the error listener stays: an error on the raw socket must never become an uncaught exception
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.drain.stop();
    const ls = this.closeListeners.splice(0);
    for (const l of ls) l();
  }
}

/** "::ffff:1.2.3.4" → "1.2.3.4", so the lockout sees one address per IPv4 peer. */
function normaliseAddress(a: string | undefined): string {
  if (!a) return "unknown";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}
