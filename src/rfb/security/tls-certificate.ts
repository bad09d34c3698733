/**
 * The server certificate for VeNCrypt's X509 subtypes: either files the user names (validated: present,
 * readable, parseable, key matching the certificate, key not readable by every user), or a self-signed
 * certificate generated with the `openssl` command line into the user's state directory
 * ($XDG_STATE_HOME/vfio-display/tls, else ~/.local/state/vfio-display/tls; directory 0700, key 0600) and
 * reused after that. The generated one has a fresh P-256 key, is valid for a year, names this host (CN and
 * SAN: the host name, localhost, 127.0.0.1, ::1 and the listen address), and is made again when it is
 * about to expire or does not name an address it must serve.
 */
import { execFile } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { silentLogger, type SecurityLogger } from "./logger.ts";

/** How long a generated certificate is valid, and how long before its end it is replaced. */
export const SELF_SIGNED_VALIDITY_DAYS = 365;
export const SELF_SIGNED_RENEW_DAYS = 30;
const DAY_MS = 86_400_000;

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
  // Like OpenSSH with its keys, but group access stays allowed: Debian's ssl-cert group reads 0640 keys.
  const mode = statSync(keyPath).mode & 0o777;
  if ((mode & 0o007) !== 0) {
    throw new TlsCertificateError(`key file ${keyPath} can be used by every user (mode ${mode.toString(8).padStart(4, "0")}); chmod o-rwx it`);
  }
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

/** The names a generated certificate carries besides the host name: loopback, and `extra` (listen addresses). */
export function selfSignedNames(extra: readonly string[] = []): string[] {
  const names = ["localhost", "127.0.0.1", "::1"];
  const own = hostname();
  if (HOST_NAME.test(own)) names.unshift(own);
  for (const n of extra) {
    // a wildcard bind address is no name a viewer connects to
    if (n === "0.0.0.0" || n === "::" || names.includes(n)) continue;
    if (isIP(n) || HOST_NAME.test(n)) names.push(n);
  }
  return names;
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;

/**
 * The self-signed certificate in `directory`, generated there first if there is none yet, if it expires
 * within SELF_SIGNED_RENEW_DAYS, or if it does not name one of `names` (extra listen addresses).
 */
export async function selfSignedCertificate(
  directory: string = defaultTlsDirectory(),
  logger: SecurityLogger = silentLogger,
  names: readonly string[] = [],
): Promise<TlsCertificate> {
  const certPath = join(directory, "cert.pem");
  const keyPath = join(directory, "key.pem");
  const wanted = selfSignedNames(names);
  if (existsSync(certPath) && existsSync(keyPath)) {
    let existing: TlsCertificate | undefined;
    let stale: string | undefined;
    try {
      existing = loadTlsCertificate(certPath, keyPath);
      stale = staleReason(new X509Certificate(existing.cert), wanted);
    } catch (e) {
      // expired, damaged, or a key others could read (then it is no secret any more): make a new one
      if (!(e instanceof TlsCertificateError)) throw e;
      stale = e.message;
    }
    if (existing && !stale) {
      logger.info(`using the self-signed TLS certificate in ${directory} (SHA-256 ${existing.fingerprint256})`);
      return existing;
    }
    logger.warn(`replacing the self-signed TLS certificate in ${directory}: ${stale}; viewers that trusted it will ask again`);
  }
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chmodSync(directory, 0o700);
  // Generate under temporary names and rename: two servers starting at once never see half a file.
  const tmp = `.${process.pid}.${Date.now()}`;
  const tmpCert = certPath + tmp;
  const tmpKey = keyPath + tmp;
  const san = wanted.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  try {
    await promisify(execFile)(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", tmpKey, "-out", tmpCert, "-days", String(SELF_SIGNED_VALIDITY_DAYS),
        "-subj", `/O=vfio-display/CN=${wanted[0]}`, "-addext", `subjectAltName=${san}`,
        "-addext", "extendedKeyUsage=serverAuth",
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

/** Why a stored certificate must be replaced, or undefined when it will do. */
function staleReason(x509: X509Certificate, names: readonly string[]): string | undefined {
  if (Date.parse(x509.validTo) - Date.now() < SELF_SIGNED_RENEW_DAYS * DAY_MS) return `it expires on ${x509.validTo}`;
  const missing = names.find((n) => (isIP(n) ? x509.checkIP(n) === undefined : x509.checkHost(n) === undefined));
  return missing === undefined ? undefined : `it does not name ${missing}`;
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
