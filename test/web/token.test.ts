/** Off loopback, the web console needs its token for pages, the API and the WebSocket; on loopback it does not. */
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { parseConfig } from "../../src/cli/serve-config.ts";
import { startServeHost } from "../../src/cli/serve-host.ts";
import { WebServer } from "../../src/web/web-server.ts";
import { isLoopback, validateToken } from "../../src/web/token-auth.ts";

const TOKEN = "test-token-0123456789abcdef";
const devices = [{ id: "bochs0", driver: "bochs", workload: "test-pattern", vncPort: null }];

test("on 0.0.0.0 with a token: 401 with a message without it; header, query (then cookie) and WebSocket work with it", async () => {
  const host = await startServeHost(parseConfig({ web: { host: "0.0.0.0", port: 0, token: TOKEN }, devices }));
  try {
    const base = `http://127.0.0.1:${host.webAddress!.port}`;
    for (const path of ["/", "/api/devices", "/devices/bochs0", "/metrics", "/static/device.js", "/novnc/core/rfb.js", "/api/devices/bochs0/screenshot.png"]) {
      const r = await fetch(base + path);
      assert.equal(r.status, 401, path);
      assert.match(((await r.json()) as { error: string }).error, /needs its access token/);
      assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="vfio-display"');
    }
    assert.equal((await fetch(`${base}/api/devices`, { headers: { authorization: "Bearer wrong-token-0123456789ab" } })).status, 401);
    assert.equal((await fetch(`${base}/api/devices`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    const page = await fetch(`${base}/devices/bochs0?token=${TOKEN}`);
    assert.equal(page.status, 200);
    const cookie = page.headers.get("set-cookie")!;
    assert.match(cookie, /^vfio_display_token=.*; HttpOnly; SameSite=Strict/);
    const cookieHeader = cookie.split(";")[0]!;
    assert.equal((await fetch(`${base}/static/device.js`, { headers: { cookie: cookieHeader } })).status, 200, "the page's scripts carry the cookie");
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${host.webAddress!.port}/ws/bochs0`, { headers });
        ws.on("open", () => {
          ws.close();
          resolve(101);
        });
        ws.on("unexpected-response", (_q, res) => resolve(res.statusCode!));
        ws.on("error", () => {});
      });
    assert.equal(await status({}), 401);
    assert.equal(await status({ cookie: cookieHeader }), 101);
  } finally {
    await host.close();
  }
});

test("off loopback with no token given, one is generated; the web server itself refuses to start without one", async () => {
  const host = await startServeHost(parseConfig({ web: { host: "0.0.0.0", port: 0 }, devices }));
  try {
    assert.equal(host.tokenGenerated, true);
    assert.equal(validateToken(host.token!), undefined);
    assert.match(host.web!.url, /\?token=/);
    const base = `http://127.0.0.1:${host.webAddress!.port}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 401);
    assert.equal((await fetch(`${base}/healthz?token=${host.token}`)).status, 200);
  } finally {
    await host.close();
  }
  assert.throws(() => new WebServer({ devices: [], host: "0.0.0.0" }), /not loopback\) needs a token/);
});

test("on loopback no token is needed; loopback means 127/8, ::1 and localhost", async () => {
  const host = await startServeHost(parseConfig({ web: { port: 0 }, devices }));
  try {
    assert.equal(host.token, undefined);
    assert.equal((await fetch(`http://127.0.0.1:${host.webAddress!.port}/api/devices`)).status, 200);
  } finally {
    await host.close();
  }
  assert.deepEqual(["127.0.0.1", "127.1.2.3", "::1", "localhost", "0.0.0.0", "::", "192.168.1.2"].map(isLoopback), [true, true, true, true, false, false, false]);
  assert.match(validateToken("short")!, /at least 16/);
  assert.match(validateToken("has spaces in it, sixteen+")!, /only letters/);
});
