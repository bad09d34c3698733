/**
 * The VNC security types `serve` offers, from its config: None on loopback without a password; VNC
 * authentication with a password from a file or an environment variable; VeNCrypt (anonymous TLS or X509)
 * on TCP when TLS is configured. With TLS, the non-TLS type is offered on the WebSocket path only (a browser
 * cannot start TLS inside RFB; that path sits behind the web console's own token): TCP clients cannot pick
 * their way around TLS.
 */
import { loadPassword, PasswordSourceError } from "../rfb/security/password-source.ts";
import { NoneSecurity } from "../rfb/security/none.ts";
import type { SecurityType } from "../rfb/security/security-type.ts";
import { loadTlsCertificate } from "../rfb/security/tls-certificate.ts";
import { VeNCryptSecurity, VeNCryptSubtype } from "../rfb/security/vencrypt.ts";
import { VncAuthSecurity } from "../rfb/security/vnc-auth.ts";
import { isLoopback } from "../web/token-auth.ts";
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

export function buildVncSecurity(vnc: ServeConfig["vnc"], env: NodeJS.ProcessEnv = process.env): VncSecurity {
  const warnings: string[] = [];
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
  const plain: SecurityType = password ? new VncAuthSecurity({ password: () => password }) : new NoneSecurity();
  const plainName = password ? "VNC password" : "no authentication";
  if (!vnc.tls) return { types: [plain], describe: plainName, warnings };
  let vencrypt: VeNCryptSecurity;
  let name: string;
  if (vnc.tls === "anonymous") {
    name = password ? "TLSVnc" : "TLSNone";
    vencrypt = new VeNCryptSecurity({ subtypes: [password ? VeNCryptSubtype.TLSVnc : VeNCryptSubtype.TLSNone], ...(password ? { password: () => password } : {}) });
  } else {
    let cert;
    try {
      cert = loadTlsCertificate(vnc.tls.cert, vnc.tls.key);
    } catch (e) {
      throw new UsageError(`vnc.tls: ${(e as Error).message}`);
    }
    name = password ? "X509Vnc" : "X509None";
    vencrypt = new VeNCryptSecurity({
      subtypes: [password ? VeNCryptSubtype.X509Vnc : VeNCryptSubtype.X509None],
      certificate: () => cert,
      ...(password ? { password: () => password } : {}),
    });
  }
  return { types: [vencrypt, new OnlyOn("websocket", plain)], describe: `VeNCrypt ${name} on TCP, ${plainName} on the web console's WebSocket`, warnings };
}
