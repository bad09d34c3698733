/**
 * VNC authentication (security type 2, RFC 6143 §7.2.2): the server sends 16 random bytes, the client
 * answers them DES-ECB-encrypted with the password as key. The key is the password's first 8 bytes, zero
 * padded, with the bits of every byte reversed (the original VNC d3des code numbered key bits from the
 * other end; every client does the same, so we must too). Responses are compared in constant time.
 * With no password configured every attempt fails: the client learns only the standard reason, the log
 * says why.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { HandshakeIO } from "../handshake-io.ts";
import { desEcbEncrypt } from "./des.ts";
import { silentLogger, type SecurityLogger } from "./logger.ts";
import { SecurityTypeNumber, type SecurityOutcome, type SecurityType } from "./security-type.ts";

export const VNC_AUTH_CHALLENGE_BYTES = 16;
/** Only this many password bytes take part in VNC authentication. */
export const VNC_PASSWORD_MAX_BYTES = 8;
/** What a client is told on any VNC authentication failure (QEMU says the same). */
export const AUTH_FAILED_REASON = "Authentication failed";

function reverseBits(b: number): number {
  b = ((b & 0xf0) >>> 4) | ((b & 0x0f) << 4);
  b = ((b & 0xcc) >>> 2) | ((b & 0x33) << 2);
  return ((b & 0xaa) >>> 1) | ((b & 0x55) << 1);
}

/** The DES key VNC derives from a password. */
export function vncAuthKey(password: Uint8Array): Buffer {
  const key = Buffer.alloc(VNC_PASSWORD_MAX_BYTES);
  const n = Math.min(password.length, VNC_PASSWORD_MAX_BYTES);
  for (let i = 0; i < n; i++) key[i] = reverseBits(password[i]!);
  return key;
}

/** The client's answer to a challenge. */
export function vncAuthResponse(challenge: Uint8Array, password: Uint8Array): Buffer {
  if (challenge.length !== VNC_AUTH_CHALLENGE_BYTES) {
    throw new RangeError(`VNC auth challenge must be ${VNC_AUTH_CHALLENGE_BYTES} bytes, got ${challenge.length}`);
  }
  const key = vncAuthKey(password);
  const response = desEcbEncrypt(key, challenge);
  key.fill(0);
  return response;
}

export interface VncAuthOptions {
  /** The current password (read at every attempt, so a changed password applies to the next client). */
  password: () => Uint8Array | undefined;
  logger?: SecurityLogger;
}

export class VncAuthSecurity implements SecurityType {
  readonly type = SecurityTypeNumber.VncAuth;
  readonly name = "VncAuth";
  readonly rfb33 = true;
  private readonly logger: SecurityLogger;

  constructor(private readonly options: VncAuthOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  availableOn(): boolean {
    return true;
  }

  async run(io: HandshakeIO): Promise<SecurityOutcome> {
    const challenge = randomBytes(VNC_AUTH_CHALLENGE_BYTES);
    io.write(challenge);
    const response = await io.read(VNC_AUTH_CHALLENGE_BYTES);
    const password = this.options.password();
    if (!password || password.length === 0) {
      this.logger.warn(`VNC authentication from ${io.remoteAddress} refused: no password is set`);
      return { ok: false, reason: AUTH_FAILED_REASON };
    }
    const expected = vncAuthResponse(challenge, password);
    if (!timingSafeEqual(expected, response)) {
      this.logger.warn(`VNC authentication from ${io.remoteAddress} failed: wrong password`);
      return { ok: false, reason: AUTH_FAILED_REASON };
    }
    this.logger.info(`VNC authentication from ${io.remoteAddress} succeeded`);
    return { ok: true };
  }
}
