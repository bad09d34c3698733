/**
 * The VNC security `serve` builds from its config: with TLS, TCP clients are offered only VeNCrypt and the
 * WebSocket (browsers, behind the web token) only the plain type; with a password, VNC auth everywhere.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import WebSocket from "ws";
import { startWeb } from "./web-fixture.ts";

/** The security types a server offers to an RFB 3.8 client. */
function tcpTypes(port: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    s.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length === 12) s.write("RFB 003.008\n");
      if (buf.length > 12 && buf.length >= 13 + buf[12]!) {
        resolve([...buf.subarray(13, 13 + buf[12]!)]);
        s.destroy();
      }
    });
    s.on("error", reject);
  });
}

function wsTypes(url: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let buf = Buffer.alloc(0);
    ws.on("message", (d) => {
      buf = Buffer.concat([buf, d as Buffer]);
      if (buf.length === 12) ws.send(Buffer.from("RFB 003.008\n"));
      if (buf.length > 12 && buf.length >= 13 + buf[12]!) {
        resolve([...buf.subarray(13, 13 + buf[12]!)]);
        ws.close();
      }
    });
    ws.on("error", reject);
  });
}

const devices = [{ id: "bochs0", driver: "bochs", workload: "test-pattern", vncPort: 0 }];

test("anonymous TLS: TCP offers VeNCrypt (19) only, the WebSocket None (1) only", async () => {
  const web = await startWeb({ vnc: { tls: "anonymous" }, devices });
  try {
    assert.match(web.host.vncSecurity, /VeNCrypt TLSNone on TCP, no authentication on the web console's WebSocket/);
    assert.deepEqual(await tcpTypes(web.host.devices[0]!.vnc!.port), [19]);
    assert.deepEqual(await wsTypes(`${web.base.replace("http", "ws")}/ws/bochs0`), [1]);
  } finally {
    await web.close();
  }
});

test("a password without TLS: VNC auth (2) on both; with TLS the password rides inside VeNCrypt on TCP", async () => {
  const env = { PW: "s3cret" };
  const plain = await startWeb({ vnc: { password: { env: "PW" } }, devices, env });
  try {
    assert.deepEqual(await tcpTypes(plain.host.devices[0]!.vnc!.port), [2]);
    assert.deepEqual(await wsTypes(`${plain.base.replace("http", "ws")}/ws/bochs0`), [2]);
  } finally {
    await plain.close();
  }
  const tls = await startWeb({ vnc: { password: { env: "PW" }, tls: "anonymous" }, devices, env });
  try {
    assert.match(tls.host.vncSecurity, /VeNCrypt TLSVnc on TCP, VNC password on the web console's WebSocket/);
    assert.deepEqual(await tcpTypes(tls.host.devices[0]!.vnc!.port), [19]);
    assert.deepEqual(await wsTypes(`${tls.base.replace("http", "ws")}/ws/bochs0`), [2]);
  } finally {
    await tls.close();
  }
});
