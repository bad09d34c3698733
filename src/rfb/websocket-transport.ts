/**
 * An RfbTransport over a WebSocket (RFC 6455, binary frames carrying the raw RFB stream), so noVNC needs no
 * websockify. Text frames are a protocol error (noVNC sends binary only); bufferedBytes is the socket's
 * bufferedAmount, which flow control reads exactly like a TCP socket's writableLength.
 */
import type { WebSocket } from "ws";
import { DrainWatch } from "./drain-watch.ts";
import type { RfbTransport } from "./transport.ts";

export class WebSocketTransport implements RfbTransport {
  readonly kind = "websocket";
  private readonly dataListeners: Array<(chunk: Buffer) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private isClosed = false;
  /** ws has no drain event: a send callback is the moment data left */
  private readonly drain = new DrainWatch(() => this.ws.bufferedAmount);

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

  write(data: Uint8Array, sent?: () => void): void {
    if (this.isClosed) {
      sent?.();
      return;
    }
    // ws calls back once the frame is written to the socket, or with an error when it cannot be
    this.ws.send(data, { binary: true }, sent ? () => (this.drain.written(), sent()) : this.drain.written);
  }

  flush(): void {
    // nothing to do: ws hands every message to its socket as it is sent
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onDrain(listener: () => void): void {
    this.drain.add(listener);
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

  private closedNow(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.drain.stop();
    for (const l of this.closeListeners) l();
  }
}
