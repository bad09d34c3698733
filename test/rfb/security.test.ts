import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { RfbClient, ServerRefused } from "../../src/rfb/client/rfb-client.ts";
import { desEcbEncrypt } from "../../src/rfb/security/des.ts";
import { AuthLockout, TOO_MANY_FAILURES_REASON } from "../../src/rfb/security/lockout.ts";
import { NoneSecurity } from "../../src/rfb/security/none.ts";
import { loadPassword, PasswordSourceError } from "../../src/rfb/security/password-source.ts";
import { loadTlsCertificate, selfSignedCertificate, TlsCertificateError, defaultTlsDirectory } from "../../src/rfb/security/tls-certificate.ts";
import { VeNCryptSecurity, VeNCryptSubtype } from "../../src/rfb/security/vencrypt.ts";
import { AUTH_FAILED_REASON, VncAuthSecurity, vncAuthKey, vncAuthResponse } from "../../src/rfb/security/vnc-auth.ts";
import { collectingLogger, startSecurityTestServer } from "./helpers/security-test-server.ts";

const tmp = mkdtempSync(join(tmpdir(), "rfb-security-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("DES and the VNC auth response", () => {
  it("single DES via des-ede-ecb matches the FIPS 81 example", () => {
    const out = desEcbEncrypt(Buffer.from("0123456789abcdef", "hex"), Buffer.from("Now is t", "latin1"));
    assert.equal(out.toString("hex"), "3fa40e8a984d4815");
  });

  it("rejects bad key and data sizes", () => {
    assert.throws(() => desEcbEncrypt(Buffer.alloc(7), Buffer.alloc(8)), /8 bytes/);
    assert.throws(() => desEcbEncrypt(Buffer.alloc(8), Buffer.alloc(9)), /multiple of 8/);
  });

  it("derives the bit-reversed, zero-padded key and the known response", () => {
    assert.equal(vncAuthKey(Buffer.from("secret")).toString("hex"), "cea6c64ea62e0000");
    // expected value from `openssl enc -des-ecb -provider legacy` with that key
    const challenge = Buffer.from([...Array(16).keys()]);
    assert.equal(vncAuthResponse(challenge, Buffer.from("secret")).toString("hex"), "ee22539f33a5983ec12f9c2edbc995dd");
  });

  it("uses only the first 8 password bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 8, maxLength: 20 }), (ch, pw) => {
        assert.deepEqual(vncAuthResponse(ch, pw), vncAuthResponse(ch, pw.subarray(0, 8)));
      }),
    );
  });
});

describe("password source", () => {
  it("reads the first line of a file and warns about long passwords", () => {
    const f = join(tmp, "pw-long");
    writeFileSync(f, "averylongpassword\r\nsecond line\n", { mode: 0o600 });
    const p = loadPassword({ kind: "file", path: f });
    assert.equal(p.password.toString(), "averylongpassword");
    assert.deepEqual(p.warnings, [`the password from password file ${f} is 17 bytes; VNC authentication uses only the first 8`]);
    writeFileSync(f, "short\n");
    assert.deepEqual(loadPassword({ kind: "file", path: f }).warnings, []);
  });

  it("refuses a file that group or others may read, write or execute (as OpenSSH refuses such a key), without quoting it", () => {
    const f = join(tmp, "pw-loose");
    writeFileSync(f, "loosepw\n");
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602, 0o610, 0o601]) {
      chmodSync(f, mode);
      assert.throws(
        () => loadPassword({ kind: "file", path: f }),
        (e) => e instanceof PasswordSourceError && e.message.includes(`mode 0${mode.toString(8)}`) && /chmod 600/.test(e.message) && !e.message.includes("loosepw"),
      );
    }
    for (const mode of [0o600, 0o400, 0o700]) {
      chmodSync(f, mode);
      assert.equal(loadPassword({ kind: "file", path: f }).password.toString(), "loosepw");
    }
  });

  it("gives precise errors", () => {
    assert.throws(() => loadPassword({ kind: "file", path: join(tmp, "none") }), (e) => e instanceof PasswordSourceError && /does not exist/.test(e.message));
    const empty = join(tmp, "empty");
    writeFileSync(empty, "\nsecret\n", { mode: 0o600 });
    assert.throws(() => loadPassword({ kind: "file", path: empty }), /is empty/);
    assert.throws(() => loadPassword({ kind: "file", path: tmp }), /is a directory/);
    if (process.getuid?.() !== 0) {
      const locked = join(tmp, "locked");
      writeFileSync(locked, "x\n");
      chmodSync(locked, 0);
      assert.throws(() => loadPassword({ kind: "file", path: locked }), /not readable/);
    }
    assert.throws(() => loadPassword({ kind: "env", name: "PW" }, {}), /environment variable PW is not set/);
    assert.throws(() => loadPassword({ kind: "env", name: "PW" }, { PW: "" }), /is empty/);
    assert.throws(() => loadPassword({ kind: "env", name: "1-bad" }, {}), /not a valid environment variable name/);
    assert.equal(loadPassword({ kind: "env", name: "VFIO_DISPLAY_VNC_PASSWORD" }, { VFIO_DISPLAY_VNC_PASSWORD: "pässword" }).password.length, 9);
  });
});

describe("lockout", () => {
  it("blocks after 5 failures within a minute, for 60 s, doubling on repeat, and forgives a success", () => {
    let now = 1_000_000;
    const l = new AuthLockout({}, () => now);
    for (let i = 0; i < 4; i++) assert.equal(l.recordFailure("10.0.0.1").blocked, false);
    assert.deepEqual(l.recordFailure("10.0.0.1"), { blocked: true, retryAfterMs: 60_000 });
    assert.equal(l.check("10.0.0.2").blocked, false, "other addresses are not affected");
    now += 59_999;
    assert.deepEqual(l.check("10.0.0.1"), { blocked: true, retryAfterMs: 1 });
    now += 1;
    assert.equal(l.check("10.0.0.1").blocked, false);
    for (let i = 0; i < 5; i++) l.recordFailure("10.0.0.1");
    assert.deepEqual(l.check("10.0.0.1"), { blocked: true, retryAfterMs: 120_000 }, "second block doubles");
    now += 120_000;
    l.recordSuccess("10.0.0.1");
    for (let i = 0; i < 5; i++) l.recordFailure("10.0.0.1");
    assert.deepEqual(l.check("10.0.0.1"), { blocked: true, retryAfterMs: 60_000 }, "a success resets the growth");
  });

  it("forgets failures older than the window", () => {
    let now = 0;
    const l = new AuthLockout({}, () => now);
    for (let i = 0; i < 4; i++) l.recordFailure("a");
    now += 60_000;
    assert.equal(l.recordFailure("a").blocked, false);
    assert.throws(() => new AuthLockout({ maxFailures: 0 }), /positive/);
  });

  it("a blocked address is refused by the test server with the 3.8 reason", async () => {
    let now = 0;
    const lockout = new AuthLockout({ maxFailures: 2 }, () => now);
    const logs: string[] = [];
    const srv = await startSecurityTestServer([new VncAuthSecurity({ password: () => Buffer.from("right"), logger: collectingLogger(logs) })], lockout);
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "wrong" }), (e) => e instanceof ServerRefused && e.reason === AUTH_FAILED_REASON);
      }
      await assert.rejects(RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "right" }), (e) => e instanceof ServerRefused && e.reason === TOO_MANY_FAILURES_REASON);
      now += 60_000;
      const c = await RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "right" });
      assert.equal(c.desktopName, "security-test");
      c.close();
      assert.deepEqual(srv.sessions.map((s) => s.outcome), ["failed", "failed", "blocked", "ok"]);
      assert.equal(logs.filter((l) => l.includes("wrong password")).length, 2);
    } finally {
      await srv.close();
    }
  });
});

describe("None and VNC auth over the TCP transport", () => {
  it("None with RFB 3.3, 3.7 and 3.8", async () => {
    const srv = await startSecurityTestServer([new NoneSecurity()]);
    try {
      for (const version of ["3.3", "3.7", "3.8"] as const) {
        const c = await RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { version, shared: false });
        assert.equal(c.framebuffer.width, 4);
        c.close();
      }
      assert.deepEqual(srv.sessions.map((s) => [s.chosen, s.outcome, s.clientInit]), [[1, "ok", 0], [1, "ok", 0], [1, "ok", 0]]);
    } finally {
      await srv.close();
    }
  });

  it("VNC auth: right password in, wrong and missing password out with the standard reason", async () => {
    let password: Buffer | undefined = Buffer.from("s3cret!!extra");
    const logs: string[] = [];
    const srv = await startSecurityTestServer([new VncAuthSecurity({ password: () => password, logger: collectingLogger(logs) })]);
    try {
      const ok = await RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "s3cret!!" });
      ok.close();
      const ok33 = await RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "s3cret!!", version: "3.3" });
      ok33.close();
      await assert.rejects(RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "s3cret!?" }), (e) => e instanceof ServerRefused && e.reason === "Authentication failed");
      await assert.rejects(RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "nope", version: "3.7" }), (e) => e instanceof ServerRefused && e.reason === undefined);
      password = undefined;
      await assert.rejects(RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { password: "s3cret!!" }), (e) => e instanceof ServerRefused && e.reason === "Authentication failed");
      assert.ok(logs.some((l) => l.includes("no password is set")));
      assert.deepEqual(srv.sessions.map((s) => s.outcome), ["ok", "ok", "failed", "failed", "failed"]);
    } finally {
      await srv.close();
    }
  });
});

describe("VeNCrypt", () => {
  const certDir = join(tmp, "state", "vfio-display", "tls");

  it("generates a self-signed certificate once (key 0600) and reuses it", async () => {
    const logs: string[] = [];
    const a = await selfSignedCertificate(certDir, collectingLogger(logs));
    assert.equal(statSync(join(certDir, "key.pem")).mode & 0o777, 0o600);
    assert.equal(statSync(certDir).mode & 0o777, 0o700);
    const b = await selfSignedCertificate(certDir, collectingLogger(logs));
    assert.equal(a.fingerprint256, b.fingerprint256);
    assert.match(logs[0]!, /generated a self-signed TLS certificate in .*SHA-256/);
    assert.match(logs[1]!, /using the self-signed TLS certificate/);
    assert.equal(defaultTlsDirectory({ XDG_STATE_HOME: "/x/state" }), "/x/state/vfio-display/tls");
  });

  it("validates user certificate files precisely", async () => {
    assert.throws(() => loadTlsCertificate(join(tmp, "no.pem"), join(tmp, "no.key")), (e) => e instanceof TlsCertificateError && /does not exist/.test(e.message));
    const other = join(tmp, "other");
    mkdirSync(other);
    await selfSignedCertificate(other);
    assert.throws(() => loadTlsCertificate(join(certDir, "cert.pem"), join(other, "key.pem")), /does not belong to the certificate/);
    const junk = join(tmp, "junk.pem");
    writeFileSync(junk, "not a certificate");
    assert.throws(() => loadTlsCertificate(junk, join(certDir, "key.pem")), /holds no PEM certificate/);
  });

  it("TLSNone, TLSVnc, X509None and X509Vnc round trips with our client", async () => {
    const logs: string[] = [];
    const cert = await selfSignedCertificate(certDir);
    const vencrypt = new VeNCryptSecurity({
      subtypes: [VeNCryptSubtype.X509Vnc, VeNCryptSubtype.X509None, VeNCryptSubtype.TLSVnc, VeNCryptSubtype.TLSNone],
      password: () => Buffer.from("tlspass"),
      certificate: () => cert,
      logger: collectingLogger(logs),
    });
    assert.equal(vencrypt.availableOn("websocket"), false);
    const srv = await startSecurityTestServer([vencrypt]);
    try {
      const ca = readFileSync(join(certDir, "cert.pem"));
      for (const sub of [VeNCryptSubtype.TLSNone, VeNCryptSubtype.TLSVnc, VeNCryptSubtype.X509None, VeNCryptSubtype.X509Vnc]) {
        const c = await RfbClient.connect(
          { host: "127.0.0.1", port: srv.port },
          { vencryptSubtypes: [sub], password: "tlspass", tls: { ca, servername: "localhost" } },
        );
        assert.equal(c.handshake.securityType, 19);
        assert.equal(c.handshake.vencryptSubtype, sub);
        assert.equal(c.desktopName, "security-test", "ServerInit arrived through TLS");
        c.close();
      }
      await assert.rejects(
        RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { vencryptSubtypes: [VeNCryptSubtype.TLSVnc], password: "wrong" }),
        (e) => e instanceof ServerRefused && e.reason === "Authentication failed",
      );
      // X509 with verification against a CA that did not sign the certificate fails the TLS handshake
      await assert.rejects(
        RfbClient.connect({ host: "127.0.0.1", port: srv.port }, { vencryptSubtypes: [VeNCryptSubtype.X509None], tls: { rejectUnauthorized: true } }),
        /TLS handshake failed: self.signed certificate/,
      );
      const outcomes = srv.sessions.map((s) => [s.outcome, s.encrypted]);
      assert.deepEqual(outcomes.slice(0, 5), [["ok", true], ["ok", true], ["ok", true], ["ok", true], ["failed", true]]);
      assert.equal(srv.sessions.length, 6);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(srv.sessions[5]!.outcome, "error");
      assert.ok(logs.some((l) => /VeNCrypt TLSNone: TLS established/.test(l)));
    } finally {
      await srv.close();
    }
  });

  it("refuses a version other than 0.2 with u8 1, and a subtype it did not offer with u8 0", async () => {
    const { connect } = await import("node:net");
    const vencrypt = new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.TLSNone] });
    const srv = await startSecurityTestServer([vencrypt]);
    /** Play a client by hand; returns what the server sent until it closed. */
    const talk = async (answers: Buffer[]): Promise<Buffer> => {
      const s = connect(srv.port, "127.0.0.1");
      const got: Buffer[] = [];
      s.on("data", (d) => got.push(d));
      await new Promise((r) => s.once("connect", r));
      for (const a of [Buffer.from("RFB 003.008\n"), Buffer.of(19), ...answers]) {
        await new Promise((r) => setTimeout(r, 50));
        s.write(a);
      }
      await new Promise((r) => s.once("close", r));
      return Buffer.concat(got);
    };
    const reasonAt = (b: Buffer, off: number): string => {
      assert.equal(b.readUInt32BE(off), 1, "SecurityResult failed");
      const n = b.readUInt32BE(off + 4);
      assert.equal(b.length, off + 8 + n, "nothing after the reason");
      return b.subarray(off + 8).toString();
    };
    try {
      // version 12, types [1, 19] 2, VeNCrypt version 2, then the u8 answer
      const v = await talk([Buffer.of(0, 1)]);
      assert.deepEqual([...v.subarray(14, 17)], [0, 2, 1], "server 0.2, then u8 1 after a bad version");
      assert.equal(reasonAt(v, 17), "unsupported VeNCrypt version 0.1 (only 0.2)");
      const s = await talk([Buffer.of(0, 2), Buffer.from([0, 0, 1, 2])]);
      assert.deepEqual([...s.subarray(16, 22)], [0, 1, 0, 0, 1, 1], "ack 0, one subtype: TLSNone (257)");
      assert.equal(s[22], 0, "u8 0 after a subtype that was not offered");
      assert.equal(reasonAt(s, 23), "VeNCrypt subtype TLSVnc was not offered");
    } finally {
      await srv.close();
    }
  });

  it("rejects impossible configurations", () => {
    assert.throws(() => new VeNCryptSecurity({ subtypes: [] }), /1 to 255/);
    assert.throws(() => new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.X509None] }), /needs a certificate/);
    assert.throws(() => new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.TLSVnc] }), /needs a password/);
    assert.throws(() => new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.Plain] }), /not supported/);
  });
});
