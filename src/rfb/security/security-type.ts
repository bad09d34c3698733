/**
 * A security type's server side (RFB §7.2.2): after the client chose it, run its exchange over the
 * handshake stream. VeNCrypt may switch the stream to TLS on the way. The connection then sends the
 * SecurityResult (or, for RFB 3.3 / 3.7 with None, nothing) with the failure reason when there is one.
 */
import type { HandshakeIO } from "../handshake-io.ts";

export const SecurityTypeNumber = {
  Invalid: 0,
  None: 1,
  VncAuth: 2,
  VeNCrypt: 19,
} as const;

export type SecurityOutcome = { ok: true } | { ok: false; reason: string };

export interface SecurityType {
  /** the number offered in the security-types list */
  readonly type: number;
  readonly name: string;
  /** whether RFB 3.3 (which lets only 1 and 2 through) can use it */
  readonly rfb33: boolean;
  /** whether this type can run over this transport (VeNCrypt needs TCP: a browser cannot start TLS mid-stream) */
  availableOn(kind: "tcp" | "websocket"): boolean;
  run(io: HandshakeIO): Promise<SecurityOutcome>;
}
