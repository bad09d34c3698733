/**
 * Sequential reads for the handshake: "give me exactly n bytes" over a transport's chunks, with a deadline
 * for the whole handshake (a client that sends a byte a second is dropped when it expires). Bytes that
 * arrive after the handshake's last read are handed to the message reader, not lost.
 */
import type { RfbTransport } from "./transport.ts";

export class HandshakeTimeout extends Error {}
export class PeerClosed extends Error {}

export class HandshakeIO {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private detached = false;

  constructor(
    readonly transport: RfbTransport,
    timeoutMs: number,
  ) {
    transport.onData((chunk) => {
      if (this.detached) return;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.serve();
    });
    transport.onClose(() => this.fail(new PeerClosed("the client closed the connection")));
    this.timer = setTimeout(() => this.fail(new HandshakeTimeout(`handshake not finished within ${timeoutMs} ms`)), timeoutMs);
    this.timer.unref();
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  write(data: Uint8Array): void {
    this.transport.write(data);
  }

  read(n: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiter) return Promise.reject(new Error("HandshakeIO: one read at a time"));
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.serve();
    });
  }

  /** Switch to TLS (VeNCrypt): only between reads, with nothing unread (a client must wait for our ack). */
  async startTls(options: import("node:tls").TlsOptions): Promise<void> {
    if (!this.transport.startTls) throw new Error("TLS is only available on TCP connections");
    if (this.buffered > 0) throw new Error("the client sent data before the TLS handshake");
    await this.transport.startTls(options);
  }

  /** The handshake is over: stop the deadline and return what was received past the last read. */
  finish(): Buffer {
    this.detached = true;
    if (this.timer) clearTimeout(this.timer);
    const rest = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }

  private serve(): void {
    const w = this.waiter;
    if (!w || this.buffered < w.n) return;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = Buffer.from(all.subarray(0, w.n));
    const rest = all.subarray(w.n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    this.waiter = undefined;
    w.resolve(out);
  }

  private fail(e: Error): void {
    if (this.failed || this.detached) return;
    this.failed = e;
    if (this.timer) clearTimeout(this.timer);
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }
}
