/**
 * Every listener binds 127.0.0.1 unless told otherwise, checked on the address the socket actually got:
 * serve's VNC TCP ports and its web console (pages, API and the noVNC WebSocket on the same socket), and
 * the defaults of RfbServer and WebServer themselves. A non-loopback address of this machine is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import WebSocket from "ws";
import { resolveServeConfig } from "../../src/cli/serve.ts";
import { startServeHost } from "../../src/cli/serve-host.ts";
import { Console } from "../../src/display/console.ts";
import { RfbServer } from "../../src/rfb/server.ts";
import { NoneSecurity } from "../../src/rfb/security/none.ts";
import { WebServer } from "../../src/web/web-server.ts";

/** An IPv4 address of this machine that is not loopback, if it has one. */
function outsideAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

function refused(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

test("serve with no --host/--vnc-host: the web console and every VNC port are bound to 127.0.0.1; the WebSocket rides the web socket", async () => {
  // the demo's devices and defaults, only the ports made free ones
  const config = resolveServeConfig({ port: 0, vncPort: 0, logLevel: "silent" }, {});
  assert.equal(config.devices.length, 2);
  const host = await startServeHost(config);
  try {
    assert.deepEqual(host.webAddress && { host: host.webAddress.host }, { host: "127.0.0.1" });
    for (const d of host.devices) assert.equal(d.vnc!.host, "127.0.0.1", `${d.id}'s VNC port`);
    const ws = new WebSocket(`ws://127.0.0.1:${host.webAddress!.port}/ws/${host.devices[0]!.id}`, ["binary"]);
    const greeting = await new Promise<string>((resolve, reject) => {
      ws.once("message", (d: Buffer) => resolve(d.toString("latin1")));
      ws.once("error", reject);
    });
    ws.close();
    assert.equal(greeting, "RFB 003.008\n", "the WebSocket is served on the web console's loopback socket");
    const outside = outsideAddress();
    if (outside) {
      for (const port of [host.webAddress!.port, ...host.devices.map((d) => d.vnc!.port)]) {
        assert.equal(await refused(outside, port), "ECONNREFUSED", `${outside}:${port} must not answer`);
      }
    }
  } finally {
    await host.close();
  }
});

test("RfbServer and WebServer default to 127.0.0.1 themselves (bound there, or the port is taken there)", async () => {
  const console = new Console("defaults");
  const rfb = new RfbServer({ console, security: [new NoneSecurity()] });
  const web = new WebServer({ devices: [] });
  try {
    // the default ports (5900, 6080) may be in use on a shared machine: then the error names the address
    for (const [what, listen] of [["RfbServer", async () => (await rfb.listen()).tcp!], ["WebServer", () => web.listen()]] as const) {
      try {
        const a = await listen();
        assert.equal(a.host, "127.0.0.1", what);
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { address?: string };
        assert.equal(err.code, "EADDRINUSE", `${what}: ${err.message}`);
        assert.equal(err.address, "127.0.0.1", what);
      }
    }
  } finally {
    await rfb.close();
    await web.close();
  }
});
