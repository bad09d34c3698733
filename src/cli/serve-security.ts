/**
 * The VNC security types `serve` offers, from its config: None on loopback without a password; VNC
 * authentication with a password from a file or an environment variable; VeNCrypt on TCP when TLS is
 * configured: X509 with the user's certificate or a generated self-signed one, or anonymous TLS. With TLS, the non-TLS type is offered on the WebSocket path only (a browser
 * cannot start TLS inside RFB; that path sits behind the web console's own token): TCP clients cannot pick
 * their way around TLS.
 */
import { loadPassword, PasswordSourceError } from "../rfb/security/password-source.ts";
import { NoneSecurity } from "../rfb/security/none.ts";
import type { SecurityType } from "../rfb/security/security-type.ts";
import type { SecurityLogger } from "../rfb/security/logger.ts";
import { defaultTlsDirectory, loadTlsCertificate, selfSignedCertificate, type TlsCertificate } from "../rfb/security/tls-certificate.ts";
import { VeNCryptSecurity, VeNCryptSubtype } from "../rfb/security/vencrypt.ts";
import { VncAuthSecurity } from "../rfb/security/vnc-auth.ts";
import { isLoopback } from "../web/token-auth.ts";
import type { Logger } from "../rfb/logger.ts";
import { silentLogger } from "../rfb/logger.ts";
import type { ServeConfig } from "./serve-config.ts";
import { UsageError } from "./usage-error.ts";

/** A security type restricted to one transport. */
class OnlyOn implements SecurityType {
  readonly type: number;
  readonly name: string;
  readonly rfb33: boolean;
  constructor(
    private readonly kind: "tcp" | "websocket",
    private readonly inner: SecurityType,
  ) {
    this.type = inner.type;
    this.name = inner.name;
    this.rfb33 = inner.rfb33;
  }
  availableOn(kind: "tcp" | "websocket"): boolean {
    return kind === this.kind && this.inner.availableOn(kind);
  }
  run(io: Parameters<SecurityType["run"]>[0]): ReturnType<SecurityType["run"]> {
    return this.inner.run(io);
  }
}

export interface VncSecurity {
  types: SecurityType[];
  /** one line for the start-up banner, e.g. "VeNCrypt X509Vnc on TCP, VNC password on WebSocket" */
  describe: string;
  warnings: string[];
}

/** Security code logs plain lines; serve logs through pino (failed logins at warn, never what was typed). */
function securityLogger(log: Logger): SecurityLogger {
  return { info: (m) => log.info({ component: "vnc-security" }, m), warn: (m) => log.warn({ component: "vnc-security" }, m) };
}

export async function buildVncSecurity(vnc: ServeConfig["vnc"], env: NodeJS.ProcessEnv = process.env, log: Logger = silentLogger): Promise<VncSecurity> {
  const warnings: string[] = [];
  const logger = securityLogger(log);
  let password: Buffer | undefined;
  if (vnc.password) {
    try {
      const loaded = loadPassword("file" in vnc.password ? { kind: "file", path: vnc.password.file } : { kind: "env", name: vnc.password.env }, env);
      password = loaded.password;
      warnings.push(...loaded.warnings);
    } catch (e) {
      if (e instanceof PasswordSourceError) throw new UsageError(`vnc.password: ${e.message}`);
      throw e;
    }
  } else if (!isLoopback(vnc.host)) {
    throw new UsageError(`vnc.host ${vnc.host} is not loopback: set vnc.password (a file or an environment variable) so not everyone on the network gets the guest's screen and keyboard`);
  }
  const passwordOption = password ? { password: () => password } : {};
  const plain: SecurityType = password ? new VncAuthSecurity({ password: () => password, logger }) : new NoneSecurity();
  const plainName = password ? "VNC password" : "no authentication";
  if (!vnc.tls) return { types: [plain], describe: plainName, warnings };
  let vencrypt: VeNCryptSecurity;
  let name: string;
  if (vnc.tls === "anonymous") {
    name = password ? "TLSVnc" : "TLSNone";
    vencrypt = new VeNCryptSecurity({ subtypes: [password ? VeNCryptSubtype.TLSVnc : VeNCryptSubtype.TLSNone], ...passwordOption, logger });
  } else {
    let cert: TlsCertificate;
    try {
      cert = vnc.tls === "self-signed" ? await selfSignedCertificate(defaultTlsDirectory(env), logger, [vnc.host]) : loadTlsCertificate(vnc.tls.cert, vnc.tls.key);
    } catch (e) {
      throw new UsageError(`vnc.tls: ${(e as Error).message}`);
    }
    name = password ? "X509Vnc" : "X509None";
    vencrypt = new VeNCryptSecurity({ subtypes: [password ? VeNCryptSubtype.X509Vnc : VeNCryptSubtype.X509None], certificate: () => cert, ...passwordOption, logger });
    // the fingerprint is what a user compares with the one a viewer shows before trusting the certificate
    if (vnc.tls === "self-signed") name += ` (self-signed certificate, SHA-256 ${cert.fingerprint256})`;
  }
  return { types: [vencrypt, new OnlyOn("websocket", plain)], describe: `VeNCrypt ${name} on TCP, ${plainName} on the web console's WebSocket`, warnings };
}
