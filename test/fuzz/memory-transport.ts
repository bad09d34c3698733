/**
 * An RfbTransport in memory, for driving the real server (RfbServer.accept) in process: the test delivers
 * client bytes and reads what the server wrote. It claims to be TCP so VeNCrypt is offered; its TLS
 * upgrade fails, as a client that answers the TLS handshake with garbage would make it.
 */
import type { RfbTransport } from "../../src/rfb/transport.ts";

export class MemoryTransport implements RfbTransport {
  readonly kind = "tcp";
  readonly bufferedBytes = 0;
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private output: Buffer[] = [];
  private outputBytes = 0;
  private readAt = 0;
  private isClosed = false;

  constructor(readonly remoteAddress = "192.0.2.1") {}

  get closed(): boolean {
    return this.isClosed;
  }

  write(data: Uint8Array, sent?: () => void): void {
    if (!this.isClosed) {
      // a copy: the caller may reuse its buffer once told
      this.output.push(Buffer.from(data));
      this.outputBytes += data.length;
    }
    sent?.();
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onDrain(): void {}

  /** every write is already in `output` */
  flush(): void {}

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const l of this.closeListeners) l();
  }

  startTls(): Promise<void> {
    return Promise.reject(new Error("TLS handshake failed: the client sent no ClientHello"));
  }

  /** The client sends `chunk`. */
  deliver(chunk: Buffer): void {
    if (this.isClosed) return;
    for (const l of this.dataListeners) l(chunk);
  }

  /** How many bytes the server wrote that the client has not taken yet. */
  get unread(): number {
    return this.outputBytes - this.readAt;
  }

  /** The next `n` bytes the server wrote (the client reads them), or undefined if it has not written them. */
  take(n: number): Buffer | undefined {
    if (this.unread < n) return undefined;
    if (this.output.length > 1) this.output = [Buffer.concat(this.output)];
    const all = this.output[0]!;
    const start = this.readAt - (this.outputBytes - all.length);
    this.readAt += n;
    return all.subarray(start, start + n);
  }
}
