/**
 * No secret in logs, output, error messages or process arguments: `vfio-display serve` as a child process
 * with a VNC password (from a 0600 file, then from $VFIO_DISPLAY_VNC_PASSWORD), a web token and a TLS key,
 * logging at debug while clients fail to log in and present wrong tokens. Its /proc/PID/cmdline and
 * everything it printed are searched for the secrets. (Its environment holds what the user put there.)
 * A secret on the command line is refused, without being repeated.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";
import { RfbClient, ServerRefused } from "../../src/rfb/client/rfb-client.ts";
import { selfSignedCertificate } from "../../src/rfb/security/tls-certificate.ts";
import { VeNCryptSubtype } from "../../src/rfb/security/vencrypt.ts";
import { AUTH_FAILED_REASON } from "../../src/rfb/security/vnc-auth.ts";
import { sameToken, redactedUrl } from "../../src/web/token-auth.ts";

const bin = fileURLToPath(new URL("../../bin/vfio-display.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "vfio-display-secrets-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = "web-token-Zq8RtW3mK5vB7nY2";
const FILE_PASSWORD = "pwF1le-x";
const ENV_PASSWORD = "pwEnv-9k";

interface Served {
  pid: number;
  output: () => string;
  webPort: number;
  vncPort: number;
  stop(): Promise<number | null>;
}

async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--vnc-port", "0", "--log-level", "debug", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes("Press Ctrl-C")) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      assert.fail(`serve did not come up: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid!,
    output: () => output,
    webPort: Number(/web console +http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)![1]),
    vncPort: Number(/vnc:\/\/127\.0\.0\.1:(\d+)/.exec(output)![1]),
    stop: async () => {
      child.kill("SIGINT");
      return exited;
    },
  };
}

/** Failed and successful logins over TCP (VeNCrypt X509Vnc) and the WebSocket (VNC auth), wrong and right tokens. */
async function exercise(s: Served, password: string, ca: Buffer): Promise<void> {
  const tcp = { host: "127.0.0.1", port: s.vncPort };
  const tls = { ca, servername: "localhost" };
  await assert.rejects(
    RfbClient.connect(tcp, { vencryptSubtypes: [VeNCryptSubtype.X509Vnc], password: "wrong-pw", tls }),
    (e) => e instanceof ServerRefused && e.reason === AUTH_FAILED_REASON,
  );
  const inTls = await RfbClient.connect(tcp, { vencryptSubtypes: [VeNCryptSubtype.X509Vnc], password, tls });
  inTls.close();
  const ws = `ws://127.0.0.1:${s.webPort}/ws/bochs0`;
  await assert.rejects(RfbClient.connect({ url: `${ws}?token=${TOKEN}` }, { password: "wrong-pw" }), (e) => e instanceof ServerRefused);
  const viaWs = await RfbClient.connect({ url: `${ws}?token=${TOKEN}` }, { password });
  viaWs.close();
  const base = `http://127.0.0.1:${s.webPort}`;
  assert.equal((await fetch(`${base}/api/devices`, { headers: { authorization: "Bearer not-the-token-1234567" } })).status, 401);
  assert.equal((await fetch(`${base}/api/devices?token=not-the-token-1234567`)).status, 401);
  const bad = await fetch(`${base}/api/devices`, { headers: { authorization: "Bearer" } });
  assert.doesNotMatch(await bad.text(), new RegExp(TOKEN), "a 401 does not tell the token");
  assert.equal((await fetch(`${base}/api/devices?token=${TOKEN}`)).status, 200);
  assert.equal((await fetch(`${base}/api/devices/nope?token=${TOKEN}`)).status, 404);
}

function assertNoSecret(where: string, text: string, secrets: string[]): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} contains a secret (${secret.slice(0, 3)}…)`);
}

test("serve with a password file, a web token and a TLS key: none of them in cmdline, output or logs after failed logins and wrong tokens", async () => {
  const tlsDir = join(dir, "tls");
  const cert = await selfSignedCertificate(tlsDir);
  const keyBody = cert.key.toString().split("\n").filter((l) => l && !l.startsWith("-----"));
  const pwFile = join(dir, "vnc-password");
  writeFileSync(pwFile, `${FILE_PASSWORD}\n`, { mode: 0o600 });
  const s = await serve(
    ["--config", writeConfig(), "--vnc-password-file", pwFile, "--vnc-tls-cert", join(tlsDir, "cert.pem"), "--vnc-tls-key", join(tlsDir, "key.pem")],
    { VFIO_DISPLAY_WEB_TOKEN: TOKEN },
  );
  let code: number | null = null;
  try {
    await exercise(s, FILE_PASSWORD, cert.cert);
    const cmdline = readFileSync(`/proc/${s.pid}/cmdline`, "latin1");
    assert.match(cmdline, /serve\0/, "this is the serve process");
    assertNoSecret("/proc/PID/cmdline", cmdline, [FILE_PASSWORD, TOKEN, ...keyBody]);
  } finally {
    code = await s.stop();
  }
  assert.equal(code, 0);
  const out = s.output();
  // the failures were logged, so the search below looked at real log lines
  assert.match(out, /"msg":"VNC authentication from 127\.0\.0\.1 failed: wrong password"/);
  assert.match(out, /VNC handshake failed: VeNCrypt: Authentication failed/);
  assert.match(out, /VeNCrypt X509Vnc on TCP, VNC password on the web console's WebSocket/);
  assert.match(out, /token +required \(the one you gave/);
  assertNoSecret("serve's output and logs", out, [FILE_PASSWORD, TOKEN, ...keyBody]);
});

test("serve with $VFIO_DISPLAY_VNC_PASSWORD: the password works and shows nowhere but in the environment", async () => {
  const tlsDir = join(dir, "tls-env");
  const cert = await selfSignedCertificate(tlsDir);
  const s = await serve(["--config", writeConfig(), "--vnc-tls-cert", join(tlsDir, "cert.pem"), "--vnc-tls-key", join(tlsDir, "key.pem")], {
    VFIO_DISPLAY_VNC_PASSWORD: ENV_PASSWORD,
    VFIO_DISPLAY_WEB_TOKEN: TOKEN,
  });
  try {
    await exercise(s, ENV_PASSWORD, cert.cert);
    assertNoSecret("/proc/PID/cmdline", readFileSync(`/proc/${s.pid}/cmdline`, "latin1"), [ENV_PASSWORD, TOKEN]);
  } finally {
    assert.equal(await s.stop(), 0);
  }
  assert.match(s.output(), /VNC authentication from 127\.0\.0\.1 failed: wrong password/);
  assertNoSecret("serve's output and logs", s.output(), [ENV_PASSWORD, TOKEN]);
});

test("a secret on the command line or as the config's password is refused in one line that does not repeat it (exit 2)", async () => {
  const cases: string[][] = [
    ["serve", "--vnc-password", "cmdline-S3cret"],
    ["serve", "--vnc-password=cmdline-S3cret"],
    ["serve", "--password", "cmdline-S3cret"],
    ["serve", "--token", "cmdline-S3cret-0123456789"],
    ["serve", "--web-token=cmdline-S3cret-0123456789"],
    ["serve", "--vnc-pasword=cmdline-S3cret"],
    ["serve", "--config", writeConfig({ vnc: { password: "cmdline-S3cret" } })],
  ];
  for (const args of cases) {
    let err = "";
    const code = await main(args, () => {}, (t) => (err += t));
    assert.equal(code, 2, args.join(" "));
    assert.equal(err.split("\n").length, 2, `one line: ${err}`);
    assert.ok(!err.includes("cmdline-S3cret"), `the secret is repeated: ${err}`);
  }
  let err = "";
  await main(["serve", "--vnc-password", "x"], () => {}, (t) => (err += t));
  assert.equal(err, "vfio-display: --vnc-password: secrets are not taken on the command line, where other users see them in ps; put it in a file only you can read (--vnc-password-file) or in $VFIO_DISPLAY_VNC_PASSWORD\n");
});

test("the web token: compared as SHA-256 digests in constant time (any lengths), and redacted from logged URLs", () => {
  assert.equal(sameToken(TOKEN, TOKEN), true);
  for (const other of ["", "w", TOKEN.slice(0, -1), TOKEN + "x", TOKEN.replace(/.$/, "3"), TOKEN.toUpperCase()]) assert.equal(sameToken(other, TOKEN), false, other);
  assert.equal(redactedUrl(`/ws/a?token=${TOKEN}`), "/ws/a?token=(redacted)");
  assert.equal(redactedUrl(`/api?x=1&token=${TOKEN}&y=2`), "/api?x=1&token=(redacted)&y=2");
  assert.equal(redactedUrl(undefined), "");
});

let configs = 0;
function writeConfig(extra: Record<string, unknown> = {}): string {
  const path = join(dir, `serve-${++configs}.json`);
  writeFileSync(path, JSON.stringify({ devices: [{ id: "bochs0", driver: "bochs", workload: "test-pattern" }], ...extra }));
  return path;
}
