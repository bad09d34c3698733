/**
 * What a connection runs over: a TCP socket or a WebSocket (binary frames), seen the same way by the RFB
 * state machine. bufferedBytes is what has been written but not yet handed to the kernel: flow control
 * looks at it to never queue more than about one framebuffer per client.
 */
import type { TlsOptions } from "node:tls";

export interface RfbTransport {
  readonly kind: "tcp" | "websocket";
  /** the peer's address (for logs and the authentication lockout) */
  readonly remoteAddress: string;
  /**
   * Queue bytes. `sent`, when given, is called once they have left for the kernel, or once they never will
   * (the connection failed or closed): until then `data` must not change, as it may be sent from as it is.
   */
  write(data: Uint8Array, sent?: () => void): void;
  /**
   * Hand what was written so far to the kernel now, not at the end of this tick (the TCP transport gathers
   * one tick's writes into one writev): a streamed update's pieces leave while the next is being encoded.
   */
  flush(): void;
  /**
   * Bytes written and not yet handed to the kernel. Right after flush(), 0 means every byte written so far
   * has been copied out of the memory it was written from: that memory may be written again at once.
   */
  readonly bufferedBytes: number;
  onData(listener: (chunk: Buffer) => void): void;
  /** the output buffer has been emptied */
  onDrain(listener: () => void): void;
  onClose(listener: () => void): void;
  /** Close the connection (after what was written has gone out, unless `now`). */
  close(now?: boolean): void;
  readonly closed: boolean;
  /** TCP only: continue the stream inside TLS, as the server side (VeNCrypt). */
  startTls?(options: TlsOptions): Promise<void>;
}
