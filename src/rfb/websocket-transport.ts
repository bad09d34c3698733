/**
 * An RfbTransport over a WebSocket (RFC 6455, binary frames carrying the raw RFB stream), so noVNC needs no
 * websockify. Text frames are a protocol error (noVNC sends binary only); bufferedBytes is the socket's
 * bufferedAmount, which flow control reads exactly like a TCP socket's writableLength.
 */
import type { WebSocket } from "ws";
import type { RfbTransport } from "./transport.ts";

export class WebSocketTransport implements RfbTransport {
  readonly kind = "websocket";
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly drainListeners: Array<() => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private isClosed = false;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress: string,
  ) {
    ws.binaryType = "nodebuffer";
    ws.on("message", (data, isBinary) => {
      if (!isBinary) {
        ws.close(1003, "binary frames only");
        return;
      }
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      for (const l of this.dataListeners) l(chunk);
    });
    ws.on("close", () => this.closedNow());
    ws.on("error", () => this.closedNow());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  write(data: Uint8Array): void {
    if (this.isClosed) return;
    this.ws.send(data, { binary: true }, () => this.watchDrain());
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  close(now = false): void {
    if (this.isClosed) return;
    if (now) this.ws.terminate();
    else this.ws.close(1000);
    this.closedNow();
  }

  /** ws has no drain event: a send callback is the moment data left; tell listeners once the buffer is empty. */
  private watchDrain(): void {
    if (this.isClosed || this.drainTimer) return;
    if (this.ws.bufferedAmount === 0) {
      for (const l of this.drainListeners) l();
      return;
    }
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      this.watchDrain();
    }, 5);
  }

  private closedNow(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    for (const l of this.closeListeners) l();
  }
}
