/**
 * The RFB handshake, server side (RFC 6143 §7.1–7.3): ProtocolVersion, security, ClientInit. Versions 3.3,
 * 3.7 and 3.8 (3.4–3.6 answer as 3.3; anything above 3.8 — Apple's 3.889 — as 3.8). The security types on
 * offer depend on the transport (no VeNCrypt inside a WebSocket). Failures are told the way each version
 * can hear them: 3.8 gets a reason after SecurityResult, 3.7 a reason in place of the types list, 3.3 a
 * zero type and a reason. Addresses with repeated failures are refused before anything is offered.
 */
import type { HandshakeIO } from "./handshake-io.ts";
import { TOO_MANY_FAILURES_REASON, type AuthLockout } from "./security/lockout.ts";
import { SecurityTypeNumber, type SecurityType } from "./security/security-type.ts";

export type RfbVersion = 3 | 7 | 8;


export interface HandshakeResult {
  version: RfbVersion;
  security: string;
  shared: boolean;
}

export class HandshakeFailure extends Error {}

export const SERVER_VERSION = Buffer.from("RFB 003.008\n", "latin1");

export function parseClientVersion(b: Buffer): RfbVersion | undefined {
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(b.toString("latin1"));
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 3 || minor < 3) return undefined;
  if (minor < 7) return 3;
  return minor === 7 ? 7 : 8;
}

function failureWithReason(prefix: Buffer, reason: string): Buffer {
  const text = Buffer.from(reason, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(text.length);
  return Buffer.concat([prefix, len, text]);
}

const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/**
 * Run the handshake up to and including ClientInit. `refuse` is asked before security is offered (a
 * connection limit, a lockout): its reason is sent as a failure. Throws HandshakeFailure with the reason.
 */
export async function runHandshake(
  io: HandshakeIO,
  offered: readonly SecurityType[],
  lockout: AuthLockout,
  refuse: () => string | undefined,
): Promise<HandshakeResult> {
  io.write(SERVER_VERSION);
  const versionBytes = await io.read(12);
  const version = parseClientVersion(versionBytes);
  if (version === undefined) {
    throw new HandshakeFailure(`unsupported protocol version ${JSON.stringify(versionBytes.toString("latin1"))}`);
  }
  const address = io.remoteAddress;
  const refusal = refuse() ?? (lockout.check(address).blocked ? TOO_MANY_FAILURES_REASON : undefined);
  const usable = version === 3 ? offered.filter((t) => t.rfb33) : offered;
  if (refusal !== undefined || usable.length === 0) {
    const reason = refusal ?? `no security type for RFB 3.${version} (offered: ${offered.map((t) => t.name).join(", ") || "none"})`;
    io.write(version === 3 ? failureWithReason(u32(0), reason) : failureWithReason(Buffer.of(0), reason));
    throw new HandshakeFailure(reason);
  }

  let chosen: SecurityType;
  if (version === 3) {
    chosen = usable[0]!;
    io.write(u32(chosen.type));
  } else {
    io.write(Buffer.from([usable.length, ...usable.map((t) => t.type)]));
    const pick = (await io.read(1))[0]!;
    const found = usable.find((t) => t.type === pick);
    if (!found) {
      const reason = `security type ${pick} was not offered`;
      if (version === 8) io.write(failureWithReason(u32(1), reason));
      throw new HandshakeFailure(reason);
    }
    chosen = found;
  }

  let outcome = await chosen.run(io);
  // Parallel connections all pass the check above before any of them fails; whatever they guessed, an
  // address blocked by now learns nothing from its answer, so N parallel guesses are worth maxFailures.
  if (lockout.check(address).blocked) outcome = { ok: false, reason: TOO_MANY_FAILURES_REASON };
  else if (!outcome.ok) lockout.recordFailure(address);
  if (!outcome.ok) {
    io.write(version === 8 ? failureWithReason(u32(1), outcome.reason) : u32(1));
    throw new HandshakeFailure(`${chosen.name}: ${outcome.reason}`);
  }
  lockout.recordSuccess(address);
  // with None, 3.3 and 3.7 go straight to ClientInit
  if (version === 8 || chosen.type !== SecurityTypeNumber.None) io.write(u32(0));

  const shared = (await io.read(1))[0]! !== 0;
  return { version, security: chosen.name, shared };
}
