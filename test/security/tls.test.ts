/**
 * VeNCrypt X509 certificates: the generated self-signed one (fresh key, a year, CN/SAN for this host and
 * its listen address, key 0600 in a 0700 directory, replaced when it expires, misses a name or its key got
 * loose), the user's own (key open to everyone refused), and serve's options for both with one-line errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate, createPublicKey } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { main } from "../../src/cli/main.ts";
import { parseConfig } from "../../src/cli/serve-config.ts";
import { startServeHost } from "../../src/cli/serve-host.ts";
import { RfbClient } from "../../src/rfb/client/rfb-client.ts";
import { SELF_SIGNED_VALIDITY_DAYS, TlsCertificateError, loadTlsCertificate, selfSignedCertificate } from "../../src/rfb/security/tls-certificate.ts";
import { VeNCryptSubtype } from "../../src/rfb/security/vencrypt.ts";

const tmp = mkdtempSync(join(tmpdir(), "vfio-display-tls-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const DAY_MS = 86_400_000;

function logCollector(): { lines: string[]; logger: { info(m: string): void; warn(m: string): void } } {
  const lines: string[] = [];
  return { lines, logger: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } };
}

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await main(args, () => {}, (s) => (err += s));
  return { code, err };
}

test("self-signed: a fresh P-256 key per directory, valid for a year from now, CN and SAN for this host and the listen address", async () => {
  const a = await selfSignedCertificate(join(tmp, "a"), undefined, ["192.0.2.7", "vnc.example", "0.0.0.0"]);
  const b = await selfSignedCertificate(join(tmp, "b"));
  const xa = new X509Certificate(a.cert);
  const xb = new X509Certificate(b.cert);
  assert.notEqual(createPublicKey(a.key).export({ format: "der", type: "spki" }).toString("hex"), createPublicKey(b.key).export({ format: "der", type: "spki" }).toString("hex"));
  assert.equal(xa.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  const from = Date.parse(xa.validFrom);
  const to = Date.parse(xa.validTo);
  assert.ok(Math.abs(from - Date.now()) < DAY_MS, `valid from ${xa.validFrom}`);
  assert.ok(Math.abs(to - from - SELF_SIGNED_VALIDITY_DAYS * DAY_MS) <= DAY_MS, `valid ${xa.validFrom} .. ${xa.validTo}`);
  assert.equal(SELF_SIGNED_VALIDITY_DAYS, 365);
  assert.match(xa.subject, new RegExp(`CN=${hostname().replace(/\./g, "\\.")}`));
  for (const n of [hostname(), "localhost", "vnc.example"]) assert.equal(xa.checkHost(n), n, `SAN names ${n}`);
  for (const ip of ["127.0.0.1", "::1", "192.0.2.7"]) assert.equal(xa.checkIP(ip), ip, `SAN names ${ip}`);
  assert.equal(xa.checkIP("0.0.0.0"), undefined, "a wildcard bind address is not a name");
  assert.equal(xb.checkIP("192.0.2.7"), undefined);
  assert.equal(statSync(join(tmp, "a", "key.pem")).mode & 0o777, 0o600);
  assert.equal(statSync(join(tmp, "a")).mode & 0o777, 0o700);
});

test("self-signed: an existing directory is closed to 0700; reused while it fits; replaced when it misses a name, expires within 30 days, or its key got loose", async () => {
  const dir = join(tmp, "reuse");
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const log = logCollector();
  const first = await selfSignedCertificate(dir, log.logger);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal((await selfSignedCertificate(dir, log.logger)).fingerprint256, first.fingerprint256);
  const wider = await selfSignedCertificate(dir, log.logger, ["192.0.2.9"]);
  assert.notEqual(wider.fingerprint256, first.fingerprint256);
  assert.match(log.lines.join("\n"), /replacing the self-signed TLS certificate .*: it does not name 192\.0\.2\.9/);
  assert.equal((await selfSignedCertificate(dir, log.logger, ["192.0.2.9"])).fingerprint256, wider.fingerprint256);
  // a certificate with 10 days left, made by hand in its place
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "10", "-subj", "/CN=localhost"], { stdio: "ignore" });
  chmodSync(join(dir, "key.pem"), 0o600);
  const renewed = await selfSignedCertificate(dir, log.logger);
  assert.match(log.lines.at(-2)!, /replacing .*: it expires on/);
  assert.ok(Date.parse(new X509Certificate(renewed.cert).validTo) - Date.now() > 300 * DAY_MS);
  chmodSync(join(dir, "key.pem"), 0o644);
  const afterLeak = await selfSignedCertificate(dir, log.logger);
  assert.notEqual(afterLeak.fingerprint256, renewed.fingerprint256, "a key others could read is no secret: a new one");
  assert.equal(statSync(join(dir, "key.pem")).mode & 0o777, 0o600);
});

test("the user's certificate: a key every user may read is refused (group is fine: Debian's ssl-cert); the message names the file, never the key", async () => {
  const dir = join(tmp, "user");
  const made = await selfSignedCertificate(dir);
  const key = join(dir, "key.pem");
  for (const mode of [0o604, 0o644, 0o606, 0o601]) {
    chmodSync(key, mode);
    assert.throws(
      () => loadTlsCertificate(join(dir, "cert.pem"), key),
      (e) => e instanceof TlsCertificateError && e.message === `key file ${key} can be used by every user (mode 0${mode.toString(8)}); chmod o-rwx it`,
    );
  }
  chmodSync(key, 0o640);
  assert.equal(loadTlsCertificate(join(dir, "cert.pem"), key).fingerprint256, made.fingerprint256);
  chmodSync(key, 0o600);
});

test("serve: bad certificate options are one line with exit code 2", async () => {
  const dir = join(tmp, "user");
  const noCert = join(tmp, "missing.pem");
  const cases: Array<[string[], RegExp]> = [
    [["--vnc-tls-cert", noCert, "--vnc-tls-key", join(dir, "key.pem")], new RegExp(`^vfio-display: vnc\\.tls: certificate file ${noCert} does not exist\\n$`)],
    [["--vnc-tls-cert", join(dir, "cert.pem"), "--vnc-tls-key", join(tmp, "missing.key")], /^vfio-display: vnc\.tls: private key file .*missing\.key does not exist\n$/],
    [["--vnc-tls-cert", join(dir, "key.pem"), "--vnc-tls-key", join(dir, "key.pem")], /^vfio-display: vnc\.tls: certificate file .*key\.pem holds no PEM certificate: .*\n$/],
    [["--vnc-tls-cert", join(dir, "cert.pem")], /^vfio-display: --vnc-tls-cert and --vnc-tls-key go together\n$/],
    [["--vnc-tls", "self-signed", "--vnc-tls-cert", join(dir, "cert.pem"), "--vnc-tls-key", join(dir, "key.pem")], /^vfio-display: --vnc-tls: not with --vnc-tls-cert/],
    [["--vnc-tls", "x509"], /^vfio-display: option '--vnc-tls <kind>' argument 'x509' is invalid\. Allowed choices are self-signed, anonymous\.\n$/],
  ];
  for (const [args, expected] of cases) {
    const r = await cli(["serve", "--port", "0", "--vnc-port", "0", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, expected);
    assert.equal(r.err.split("\n").length, 2, "one line");
  }
  assert.throws(() => parseConfig({ vnc: { tls: "x509" }, devices: [{ driver: "bochs" }] }), /vnc\.tls: must be "self-signed", "anonymous" or \{"cert"/);
});

test("serve with vnc.tls self-signed: the certificate lands in $XDG_STATE_HOME, TCP offers X509None, and a viewer verifying host names accepts it", async () => {
  const state = join(tmp, "state");
  const config = parseConfig({ web: null, vnc: { tls: "self-signed" }, devices: [{ id: "bochs0", driver: "bochs", workload: "test-pattern", vncPort: 0 }] });
  const host = await startServeHost(config, { env: { XDG_STATE_HOME: state } });
  try {
    const ca = readFileSync(join(state, "vfio-display", "tls", "cert.pem"));
    const fingerprint = new X509Certificate(ca).fingerprint256;
    assert.match(host.vncSecurity, new RegExp(`^VeNCrypt X509None \\(self-signed certificate, SHA-256 ${fingerprint}\\) on TCP`));
    const port = host.devices[0]!.vnc!.port;
    for (const servername of ["localhost", hostname()]) {
      const c = await RfbClient.connect({ host: "127.0.0.1", port }, { vencryptSubtypes: [VeNCryptSubtype.X509None], tls: { ca, servername } });
      assert.equal(c.handshake.vencryptSubtype, VeNCryptSubtype.X509None);
      c.close();
    }
    await assert.rejects(
      RfbClient.connect({ host: "127.0.0.1", port }, { vencryptSubtypes: [VeNCryptSubtype.X509None], tls: { ca, servername: "elsewhere.example" } }),
      /Hostname\/IP does not match certificate's altnames/,
    );
  } finally {
    await host.close();
  }
});
