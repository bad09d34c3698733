/** Security type None (1): no exchange at all; the connection sends SecurityResult (3.8) itself. */
import type { HandshakeIO } from "../handshake-io.ts";
import { SecurityTypeNumber, type SecurityOutcome, type SecurityType } from "./security-type.ts";

export class NoneSecurity implements SecurityType {
  readonly type = SecurityTypeNumber.None;
  readonly name = "None";
  readonly rfb33 = true;

  availableOn(): boolean {
    return true;
  }

  async run(_io: HandshakeIO): Promise<SecurityOutcome> {
    return { ok: true };
  }
}
