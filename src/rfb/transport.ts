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
  write(data: Uint8Array): void;
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
