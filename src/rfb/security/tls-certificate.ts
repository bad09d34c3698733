/**
 * The server certificate for VeNCrypt's X509 subtypes: either files the user names (validated: present,
 * readable, parseable, key matching the certificate), or a self-signed certificate generated once with
 * the `openssl` command line into the user's state directory ($XDG_STATE_HOME/vfio-display/tls, else
 * ~/.local/state/vfio-display/tls; directory 0700, key 0600) and reused after that.
 */
import { execFile } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { silentLogger, type SecurityLogger } from "./logger.ts";

export interface TlsCertificate {
  cert: Buffer;
  key: Buffer;
  /** where it came from, for logs */
  origin: string;
  /** SHA-256 fingerprint, so users can compare what their viewer shows */
  fingerprint256: string;
}

export class TlsCertificateError extends Error {}

export function defaultTlsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith("/") ? env.XDG_STATE_HOME : join(homedir(), ".local", "state");
  return join(state, "vfio-display", "tls");
}

/** Load and check a certificate and key given by the user. */
export function loadTlsCertificate(certPath: string, keyPath: string): TlsCertificate {
  const cert = readPem(certPath, "certificate");
  const key = readPem(keyPath, "private key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new TlsCertificateError(`certificate file ${certPath} holds no PEM certificate: ${(e as Error).message}`);
  }
  let keyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch (e) {
    throw new TlsCertificateError(`key file ${keyPath} holds no usable private key: ${(e as Error).message}`);
  }
  if (!x509.checkPrivateKey(keyObject)) {
    throw new TlsCertificateError(`key file ${keyPath} does not belong to the certificate in ${certPath}`);
  }
  if (Date.parse(x509.validTo) < Date.now()) {
    throw new TlsCertificateError(`certificate ${certPath} expired on ${x509.validTo}`);
  }
  return { cert, key, origin: `certificate ${certPath}, key ${keyPath}`, fingerprint256: x509.fingerprint256 };
}

/** The self-signed certificate in `directory`, generated there first if there is none yet. */
export async function selfSignedCertificate(
  directory: string = defaultTlsDirectory(),
  logger: SecurityLogger = silentLogger,
): Promise<TlsCertificate> {
  const certPath = join(directory, "cert.pem");
  const keyPath = join(directory, "key.pem");
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    // Generate under temporary names and rename: two servers starting at once never see half a file.
    const tmp = `.${process.pid}.${Date.now()}`;
    const tmpCert = certPath + tmp;
    const tmpKey = keyPath + tmp;
    try {
      await promisify(execFile)(
        "openssl",
        [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", tmpKey, "-out", tmpCert, "-days", "3650", "-subj", "/CN=vfio-display VNC server",
          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
        ],
        { timeout: 30_000 },
      );
      chmodSync(tmpKey, 0o600);
      renameSync(tmpKey, keyPath);
      renameSync(tmpCert, certPath);
    } catch (e) {
      rmSync(tmpCert, { force: true });
      rmSync(tmpKey, { force: true });
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === "ENOENT") throw new TlsCertificateError("cannot generate a TLS certificate: the `openssl` command is not installed");
      throw new TlsCertificateError(`cannot generate a TLS certificate in ${directory}: ${err.stderr?.trim() || err.message}`);
    }
    const made = loadTlsCertificate(certPath, keyPath);
    logger.info(`generated a self-signed TLS certificate in ${directory} (SHA-256 ${made.fingerprint256}); viewers will ask to trust it`);
    return made;
  }
  const existing = loadTlsCertificate(certPath, keyPath);
  logger.info(`using the self-signed TLS certificate in ${directory} (SHA-256 ${existing.fingerprint256})`);
  return existing;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new TlsCertificateError(`${what} file ${path} does not exist`);
    if (code === "EACCES" || code === "EPERM") throw new TlsCertificateError(`${what} file ${path} is not readable (permission denied)`);
    throw new TlsCertificateError(`${what} file ${path} cannot be read: ${(e as Error).message}`);
  }
}
