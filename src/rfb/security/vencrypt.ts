/**
 * VeNCrypt (security type 19) for TigerVNC and other native viewers: version 0.2, a subtype list, a TLS
 * handshake on the same TCP stream, then the subtype's own authentication inside TLS.
 *
 *   server: u8 0, u8 2                      client: u8 0, u8 2  (anything else: server u8 1, fail)
 *   server: u8 0, u8 n, n × u32 subtype     client: u32 subtype
 *   server: u8 1 (accepted) or 0 (refused)  → TLS handshake → sub-auth (None or VNC auth)
 *
 * Anonymous subtypes (TLSNone, TLSVnc) use anonymous DH; X509 ones present a certificate. Offered on TCP
 * only: a browser on a WebSocket cannot start TLS in the middle of a stream (it uses wss:// instead).
 */
import type { TlsOptions } from "node:tls";
import type { HandshakeIO } from "../handshake-io.ts";
import { anonymousTlsServerOptions } from "./anonymous-tls.ts";
import { silentLogger, type SecurityLogger } from "./logger.ts";
import { SecurityTypeNumber, type SecurityOutcome, type SecurityType } from "./security-type.ts";
import type { TlsCertificate } from "./tls-certificate.ts";
import { VncAuthSecurity } from "./vnc-auth.ts";

export const VeNCryptSubtype = {
  Plain: 256,
  TLSNone: 257,
  TLSVnc: 258,
  TLSPlain: 259,
  X509None: 260,
  X509Vnc: 261,
  X509Plain: 262,
} as const;

/** The subtypes this server implements (no Plain: it would need user accounts). */
export const SUPPORTED_VENCRYPT_SUBTYPES: readonly number[] = [
  VeNCryptSubtype.X509Vnc,
  VeNCryptSubtype.X509None,
  VeNCryptSubtype.TLSVnc,
  VeNCryptSubtype.TLSNone,
];

export function vencryptSubtypeName(n: number): string {
  return Object.entries(VeNCryptSubtype).find(([, v]) => v === n)?.[0] ?? `unknown(${n})`;
}

const isX509 = (s: number): boolean => s === VeNCryptSubtype.X509None || s === VeNCryptSubtype.X509Vnc;
const needsPassword = (s: number): boolean => s === VeNCryptSubtype.TLSVnc || s === VeNCryptSubtype.X509Vnc;

export interface VeNCryptOptions {
  /** offered subtypes, in the server's order of preference */
  subtypes: readonly number[];
  /** for TLSVnc / X509Vnc */
  password?: () => Uint8Array | undefined;
  /** for X509None / X509Vnc: called once per connection that picks one (cache it) */
  certificate?: () => Promise<TlsCertificate> | TlsCertificate;
  logger?: SecurityLogger;
}

export class VeNCryptSecurity implements SecurityType {
  readonly type = SecurityTypeNumber.VeNCrypt;
  readonly name = "VeNCrypt";
  readonly rfb33 = false;
  readonly subtypes: readonly number[];
  private readonly logger: SecurityLogger;
  private readonly vncAuth: VncAuthSecurity | undefined;

  constructor(private readonly options: VeNCryptOptions) {
    if (options.subtypes.length === 0 || options.subtypes.length > 255) {
      throw new RangeError(`VeNCrypt needs 1 to 255 subtypes, got ${options.subtypes.length}`);
    }
    for (const s of options.subtypes) {
      if (!SUPPORTED_VENCRYPT_SUBTYPES.includes(s)) throw new RangeError(`VeNCrypt subtype ${vencryptSubtypeName(s)} is not supported`);
      if (isX509(s) && !options.certificate) throw new RangeError(`VeNCrypt subtype ${vencryptSubtypeName(s)} needs a certificate`);
      if (needsPassword(s) && !options.password) throw new RangeError(`VeNCrypt subtype ${vencryptSubtypeName(s)} needs a password source`);
    }
    if (new Set(options.subtypes).size !== options.subtypes.length) throw new RangeError("VeNCrypt subtypes repeat");
    this.subtypes = [...options.subtypes];
    this.logger = options.logger ?? silentLogger;
    this.vncAuth = options.password ? new VncAuthSecurity({ password: options.password, logger: this.logger }) : undefined;
  }

  availableOn(kind: "tcp" | "websocket"): boolean {
    return kind === "tcp";
  }

  async run(io: HandshakeIO): Promise<SecurityOutcome> {
    io.write(Uint8Array.of(0, 2));
    const version = await io.read(2);
    if (version[0] !== 0 || version[1] !== 2) {
      io.write(Uint8Array.of(1));
      return { ok: false, reason: `unsupported VeNCrypt version ${version[0]}.${version[1]} (only 0.2)` };
    }
    const list = Buffer.alloc(2 + 4 * this.subtypes.length);
    list[0] = 0;
    list[1] = this.subtypes.length;
    this.subtypes.forEach((s, i) => list.writeUInt32BE(s, 2 + 4 * i));
    io.write(list);
    const chosen = (await io.read(4)).readUInt32BE(0);
    if (!this.subtypes.includes(chosen)) {
      io.write(Uint8Array.of(0));
      return { ok: false, reason: `VeNCrypt subtype ${vencryptSubtypeName(chosen)} was not offered` };
    }
    // Everything the TLS handshake needs is ready before the ack: after it, the client starts TLS at once.
    let tlsOptions: TlsOptions;
    if (isX509(chosen)) {
      const certificate = await this.options.certificate!();
      tlsOptions = { cert: certificate.cert, key: certificate.key, minVersion: "TLSv1.2" };
    } else {
      tlsOptions = anonymousTlsServerOptions();
    }
    io.write(Uint8Array.of(1));
    try {
      await io.startTls(tlsOptions);
    } catch (e) {
      this.logger.warn(`VeNCrypt ${vencryptSubtypeName(chosen)} TLS handshake with ${io.remoteAddress} failed: ${(e as Error).message}`);
      throw e;
    }
    this.logger.info(`VeNCrypt ${vencryptSubtypeName(chosen)}: TLS established with ${io.remoteAddress}`);
    if (needsPassword(chosen)) return this.vncAuth!.run(io);
    return { ok: true };
  }
}
