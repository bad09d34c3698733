/** The web console's HTTP API over real HTTP against real model vGPUs: answers, refusals, metrics, tokens. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import WebSocket from "ws";
import { startWeb, until, type WebFixture } from "./web-fixture.ts";
import { RfbClient } from "../../src/rfb/client/rfb-client.ts";
import { Encoding } from "../../src/rfb/encodings.ts";

let web: WebFixture;
before(async () => {
  web = await startWeb();
});
after(async () => {
  await web.close();
});

async function json(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(web.base + path, init);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

test("GET /api/devices lists the GVT desktop and the bochs console with probe, size and addresses", async () => {
  const { status, body } = await json("/api/devices");
  assert.equal(status, 200);
  assert.deepEqual(body.map((d: any) => [d.id, d.driver, d.workload, d.probe]), [
    ["gvt0", "gvt", "desktop", "dmabuf"],
    ["bochs0", "bochs", "console", "dmabuf"],
  ]);
  assert.match(body[0].vnc, /^127\.0\.0\.1:\d+$/);
  assert.equal(body[1].websocket, "/ws/bochs0");
  const sized = await until(async () => (await json("/api/devices")).body.every((d: any) => d.size) && (await json("/api/devices")).body, 10_000, "both guests to set a mode");
  assert.deepEqual(sized[1].size, { width: 1024, height: 768 });
});

test("GET /api/devices/:id/planes names the GVT primary's X tiling and the cursor plane", async () => {
  const planes = await until(async () => {
    const r = await json("/api/devices/gvt0/planes");
    return r.body.primary?.visible && r.body.cursor?.visible ? r.body : undefined;
  }, 10_000, "the gvt planes");
  assert.equal(planes.probe, "dmabuf");
  assert.equal(planes.primary.drmFormat, "XRGB8888");
  assert.equal(planes.primary.modifier, "I915_X_TILED");
  assert.equal(planes.primary.stride, planes.primary.width * 4);
  assert.equal(planes.cursor.drmFormat, "ARGB8888");
  assert.ok(planes.primary.id > 0 && planes.cursor.id > 0 && planes.primary.id !== planes.cursor.id);
});

test("GET /api/devices/:id/screenshot.png is a PNG of the console at its size, and not blank", async () => {
  const res = await fetch(`${web.base}/api/devices/bochs0/screenshot.png`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  const png = Buffer.from(await res.arrayBuffer());
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["png", 1024, 768]);
  const stats = await sharp(png).stats();
  assert.ok(stats.channels[0]!.max > 128, "the text console's white text is in it");
  const surface = web.host.devices[1]!.console.surface!;
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  // the first rows (boot log) do not change any more: they match the Console pixel for pixel
  for (let i = 0; i < 1024 * 16; i++) {
    const v = surface.pixels[i]!;
    assert.deepEqual([data[i * 3], data[i * 3 + 1], data[i * 3 + 2]], [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff], `pixel ${i}`);
  }
});

test("POST /api/devices/:id/resize reaches the guest through the EDID: the console and the plane take the new size", async () => {
  const r = await json("/api/devices/gvt0/resize", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ width: 1280, height: 720 }) });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.result, "forwarded");
  // nobody views the device: the API reads it per request (the consumer does not poll on its own)
  assert.equal(web.host.devices[0]!.console.watchers, 0);
  await until(async () => ((await json("/api/devices/gvt0")).body.size?.width === 1280 && web.host.devices[0]!.console.surface?.height === 720 ? true : undefined), 10_000, "1280x720");
  const planes = await until(async () => ((await json("/api/devices/gvt0/planes")).body.primary.width === 1280 ? true : undefined), 5_000, "the plane");
  assert.ok(planes);
});

test("bad requests get a 4xx with a message that says what is wrong", async () => {
  const post = (path: string, body: string, type = "application/json") => json(path, { method: "POST", headers: { "content-type": type }, body });
  const cases: Array<[Promise<{ status: number; body: any }>, number, RegExp]> = [
    [json("/api/devices/nope"), 404, /no device "nope" \(devices: gvt0, bochs0\)/],
    [json("/api/devices/nope/screenshot.png"), 404, /no device "nope"/],
    [json("/nothing-here"), 404, /no such page or API/],
    [json("/devices/nope"), 404, /no device "nope"/],
    [json("/api/devices/gvt0/resize"), 405, /GET is not allowed.*POST/],
    [post("/api/devices/gvt0/resize", "width=1", "application/x-www-form-urlencoded"), 415, /must be application\/json/],
    [post("/api/devices/gvt0/resize", "{"), 400, /not valid JSON/],
    [post("/api/devices/gvt0/resize", "[1,2]"), 400, /JSON object/],
    [post("/api/devices/gvt0/resize", '{"width": 800}'), 400, /"height" is missing/],
    [post("/api/devices/gvt0/resize", '{"width": 800.5, "height": 600}'), 400, /"width" must be a whole number/],
    [post("/api/devices/gvt0/resize", '{"width": 10, "height": 600}'), 400, /between 64 and 8192, got 10/],
    [post("/api/devices/gvt0/resize", '{"width": 800, "height": 600, "depth": 24}'), 400, /unknown field "depth"/],
    [post("/api/devices/gvt0/resize", JSON.stringify({ width: 800, height: 600, pad: "x".repeat(5000) })), 413, /at most 4096/],
    [json("/static/..%2f..%2f..%2fpackage.json"), 403, /outside the served folder/],
    [json("/static/nothing.js"), 404, /no such file/],
    [json("/novnc/package.json.bak"), 404, /no such file/],
  ];
  for (const [p, status, message] of cases) {
    const r = await p;
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.body.error, message);
  }
  const head = await fetch(`${web.base}/api/devices/gvt0/resize`);
  assert.equal(head.headers.get("allow"), "POST");
});

test("pages and noVNC's modules are served from the package, as JavaScript", async () => {
  const page = await fetch(`${web.base}/devices/gvt0`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /\/static\/device\.js/);
  const rfb = await fetch(`${web.base}/novnc/core/rfb.js`);
  assert.equal(rfb.status, 200);
  assert.match(rfb.headers.get("content-type")!, /^text\/javascript/);
  assert.match(await rfb.text(), /export default class RFB/);
  const pako = await fetch(`${web.base}/novnc/vendor/pako/lib/zlib/inflate.js`);
  assert.equal(pako.status, 200, "core/inflator.js's relative import resolves");
});

test("GET /metrics is Prometheus text with frames, bytes, clients, the dma-buf cache and the PNG and VNC encode histograms", async () => {
  await fetch(`${web.base}/api/devices/gvt0/screenshot.png`);
  const devices = (await (await fetch(`${web.base}/api/devices`)).json()) as Array<{ id: string; vnc: string }>;
  const port = Number(devices.find((d) => d.id === "gvt0")!.vnc.split(":")[1]);
  const vnc = await RfbClient.connect({ host: "127.0.0.1", port }, { encodings: [Encoding.ZRLE] });
  const first = vnc.nextUpdate((u) => u.pixels > 0);
  void vnc.requestUpdate({ incremental: false }).catch(() => {});
  await first;
  vnc.close();
  const res = await fetch(`${web.base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    samples.set(m[1]! + (m[2] ?? ""), Number(m[3]));
  }
  assert.ok(samples.get('vfio_display_consumer_frames_total{device="gvt0",driver="gvt"}')! > 0);
  assert.ok(samples.get('vfio_display_dmabuf_cache_misses_total{device="gvt0",driver="gvt"}')! > 0);
  assert.equal(samples.get('vfio_display_vnc_clients{device="bochs0",driver="bochs"}'), 0);
  assert.ok(samples.has('vfio_display_vnc_bytes_total{device="gvt0",driver="gvt"}'));
  assert.ok(samples.get('vfio_display_png_encode_seconds_count{device="gvt0"}')! >= 1);
  assert.ok(samples.get('vfio_display_vnc_encode_seconds_count{device="gvt0",encoding="ZRLE"}')! >= 1, "the VNC update was timed");
  assert.ok(samples.has('vfio_display_dmabuf_cache_evictions_total{device="gvt0",driver="gvt"}'));
});

test("GET /healthz answers ok", async () => {
  assert.deepEqual((await json("/healthz")).body, { status: "ok", devices: 2 });
});

test("the inspector's event stream pushes snapshots with plane info and rates", async () => {
  const ac = new AbortController();
  const res = await fetch(`${web.base}/api/devices/gvt0/events`, { signal: ac.signal });
  assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = "";
  const snapshots: any[] = [];
  while (snapshots.length < 3) {
    const { value } = await reader.read();
    text += Buffer.from(value!).toString();
    let i;
    while ((i = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, i);
      text = text.slice(i + 2);
      const data = /^data: (.*)$/m.exec(block);
      if (data) snapshots.push(JSON.parse(data[1]!));
    }
  }
  ac.abort();
  assert.ok(snapshots[2].consumer.frames > snapshots[0].consumer.frames, "live: frames move on between pushes");
  assert.equal(snapshots[2].planes.primary.modifier, "I915_X_TILED");
  assert.equal(typeof snapshots[2].fps, "number");
  assert.ok(Array.isArray(snapshots[2].dmabufCache.ids) && snapshots[2].dmabufCache.ids.length > 0);
});

test("a WebSocket to /ws/<device> speaks RFB; an unknown device or another origin is refused", async () => {
  const ws = new WebSocket(`${web.base.replace("http", "ws")}/ws/bochs0`);
  const first = await new Promise<Buffer>((resolve, reject) => {
    ws.once("message", (d) => resolve(d as Buffer));
    ws.once("error", reject);
  });
  assert.equal(first.toString("latin1"), "RFB 003.008\n");
  ws.close();
  const refused = (url: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve) => {
      const w = new WebSocket(url, { headers });
      w.on("unexpected-response", (_req, res) => resolve(res.statusCode!));
      w.on("error", () => {});
    });
  assert.equal(await refused(`${web.base.replace("http", "ws")}/ws/nope`), 404);
  assert.equal(await refused(`${web.base.replace("http", "ws")}/ws/gvt0`, { origin: "http://evil.example" }), 403);
});
