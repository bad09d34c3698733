/** `vfio-display serve` and the device commands as a user runs them: real processes, exit codes, one-line errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { main } from "../../src/cli/main.ts";
import { startWeb } from "../web/web-fixture.ts";

const bin = fileURLToPath(new URL("../../bin/vfio-display.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "vfio-display-cli-"));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

function config(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof json === "string" ? json : JSON.stringify(json));
  return path;
}

test("serve prints the URLs and ports, answers HTTP, and Ctrl-C (SIGINT) exits 0 within a few seconds", async () => {
  const path = config("serve.json", {
    web: { port: 0 },
    devices: [
      { id: "gvt0", driver: "gvt", workload: "desktop", vncPort: 0 },
      { id: "bochs0", driver: "bochs", workload: "console", vncPort: 0 },
    ],
  });
  const child = spawn(process.execPath, [bin, "serve", "--config", path], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!out.includes("Press Ctrl-C")) {
    assert.ok(Date.now() < deadline, `serve did not come up: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(out, /gvt0 +gvt GVTg_V5_4 +desktop +vnc:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /bochs0 +bochs mbochs-large +console +vnc:\/\/127\.0\.0\.1:\d+/);
  const url = /web console +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1]!;
  assert.match(out, new RegExp(`${url}devices/bochs0`));
  assert.match(err, /starting gvt0 \(1\/2\)/, "progress while the devices start");
  assert.equal((await fetch(`${url}healthz`)).status, 200);
  const vncPort = Number(/vnc:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
  // a VNC client and an inspector stream stay open across Ctrl-C: shutdown must not wait for them
  const vnc = connect(vncPort, "127.0.0.1");
  vnc.on("error", () => {});
  const greeting = await new Promise<string>((resolve, reject) => {
    vnc.once("data", (d) => resolve(d.toString("latin1")));
    vnc.once("error", reject);
  });
  assert.equal(greeting, "RFB 003.008\n");
  const stream = await fetch(`${url}api/devices/gvt0/events`);
  assert.equal(stream.status, 200);
  const vncClosed = new Promise<void>((resolve) => vnc.on("close", () => resolve()));
  const t0 = Date.now();
  child.kill("SIGINT");
  const code = await exited;
  const ms = Date.now() - t0;
  assert.equal(code, 0, err);
  assert.ok(ms < 5000, `stopped in ${ms} ms`);
  assert.match(err, /SIGINT: stopping…\nstopped\./);
  await vncClosed;
  await stream.body?.cancel().catch(() => {});
});

test("config mistakes are one line naming the field, exit code 2", async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  const busyPort = (busy.address() as { port: number }).port;
  const cases: Array<[unknown, RegExp]> = [
    ["{ not json", /is not valid JSON/],
    [{ devices: [{ driver: "nvidia" }] }, /devices\[0\]\.driver: unknown driver "nvidia" \(one of: gvt, bochs, mdpy\)/],
    [{ devices: [{ driver: "gvt", type: "GVTg_V9_1" }] }, /devices\[0\]\.type: unknown gvt type "GVTg_V9_1" \(one of: GVTg_V5_8, GVTg_V5_4, GVTg_V5_2/],
    [{ devices: [{ driver: "bochs", workload: "doom" }] }, /devices\[0\]\.workload: unknown workload "doom" \(one of: desktop, console/],
    [{ devices: [{ driver: "bochs", vncPort: 70000 }] }, /devices\[0\]\.vncPort: must be a port number 0\.\.65535/],
    [{ web: { port: "80" }, devices: [{ driver: "bochs" }] }, /web\.port: must be a port number/],
    [{ devices: [{ driver: "bochs", colour: "red" }] }, /devices\[0\]: unknown field "colour"/],
    [{ devices: [] }, /devices: must name at least one device/],
    [{ devices: [{ id: "a", driver: "bochs", vncPort: 5990 }, { id: "a", driver: "mdpy", vncPort: 5991 }] }, /devices\[1\]\.id: "a" is used twice/],
    [{ devices: [{ driver: "bochs", vncPort: 5990 }, { driver: "mdpy", vncPort: 5990 }] }, /devices\[1\]\.vncPort: 5990 is also devices\[0\]\.vncPort/],
    [{ web: { host: "0.0.0.0", token: "short" }, devices: [{ driver: "bochs" }] }, /web\.token: the token must be at least 16 characters/],
    [{ vnc: { host: "0.0.0.0" }, web: null, devices: [{ driver: "bochs", workload: "test-pattern" }] }, /vnc\.host 0\.0\.0\.0 is not loopback: set vnc\.password/],
    [{ vnc: { password: { env: "NO_SUCH_VARIABLE_HERE" } }, devices: [{ driver: "bochs" }] }, /vnc\.password: environment variable NO_SUCH_VARIABLE_HERE is not set/],
    [{ web: null, devices: [{ driver: "bochs", workload: "test-pattern", vncPort: busyPort }] }, new RegExp(`device bochs0's VNC server: port ${busyPort} on 127\\.0\\.0\\.1 is in use`)],
  ];
  try {
    for (const [i, [json, message]] of cases.entries()) {
      const r = await run(["serve", "--config", config(`bad${i}.json`, json)]);
      assert.equal(r.code, 2, `case ${i}: ${r.err}`);
      assert.match(r.err, message, `case ${i}`);
      assert.equal(r.err.trim().split("\n").filter((l) => !l.startsWith("…")).length, 1, `one line: ${r.err}`);
    }
    const missing = await run(["serve", "--config", join(dir, "nope.json")]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.json: does not exist/);
  } finally {
    busy.close();
  }
});

test("query --json starts the device in-process and reports the probe and the planes by name", async () => {
  // The guest shows its cursor in its first frames, but on a loaded machine (the suite runs a VM beside
  // this) its vCPU thread may not get there within the wait: 200 ms failed once, 1.5 s once. A query that
  // finds no cursor yet is asked again, at most three times; every answer must be well-formed.
  let r = await run(["query", "gvt0", "--json", "--wait", "1500"]);
  for (let attempt = 1; ; attempt++) {
    assert.equal(r.code, 0, r.err);
    if ((JSON.parse(r.out) as { planes: { cursor: { drmFormat?: string } } }).planes.cursor.drmFormat !== "none" || attempt === 3) break;
    r = await run(["query", "gvt0", "--json", "--wait", "1500"]);
  }
  const s = JSON.parse(r.out);
  assert.equal(s.probe, "dmabuf");
  assert.equal(s.planes.primary.modifier, "I915_X_TILED");
  assert.equal(s.planes.cursor.drmFormat, "ARGB8888");
  assert.ok(s.dmabufCache.misses >= 1);
  assert.match(r.err, /waiting for gvt0's first frame/);
  const human = await run(["query", "bochs0", "--wait", "0"]);
  assert.match(human.out, /primary +XRGB8888 LINEAR +1024x768 +stride 4096/);
});

test("screenshot writes a PNG of the console; a wrong name or device is a usage error", async () => {
  const out = join(dir, "bochs0.png");
  const r = await run(["screenshot", "bochs0", out, "--wait", "300"]);
  assert.equal(r.code, 0, r.err);
  const meta = await sharp(readFileSync(out)).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["png", 1024, 768]);
  assert.equal((await run(["screenshot", "bochs0", join(dir, "x.jpg")])).code, 2);
  const unknown = await run(["screenshot", "nope", out]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.err, 'vfio-display: no device "nope" (devices: gvt0, bochs0)\n');
});

test("devices, query and screenshot with --url ask a running serve through its API", async () => {
  const web = await startWeb();
  try {
    const list = await run(["devices", "--url", web.base]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^ID +DRIVER/);
    assert.match(list.out, /\ngvt0 +gvt +GVTg_V5_4 +desktop +dmabuf/);
    const q = await run(["query", "bochs0", "--url", web.base, "--json"]);
    assert.equal(JSON.parse(q.out).driver, "bochs");
    const out = join(dir, "remote.png");
    assert.equal((await run(["screenshot", "gvt0", out, "--url", web.base])).code, 0);
    assert.equal((await sharp(readFileSync(out)).metadata()).format, "png");
    const missing = await run(["query", "nope", "--url", web.base]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no device "nope"/);
  } finally {
    await web.close();
  }
  const down = await run(["devices", "--url", "http://127.0.0.1:1"]);
  assert.equal(down.code, 1);
  assert.match(down.err, /^vfio-display: no vfio-display serve at http:\/\/127\.0\.0\.1:1/);
  assert.equal((await run(["devices", "--url", "ftp://x"])).code, 2);
});

test("--help works everywhere; usage mistakes are one line with exit code 2", async () => {
  for (const cmd of ["serve", "devices", "query", "screenshot", "bench", "conformance", "demo"]) {
    const r = await run([cmd, "--help"]);
    assert.equal(r.code, 0, cmd);
    assert.match(r.out, new RegExp(`^Usage: vfio-display ${cmd}`), cmd);
  }
  for (const args of [["serve", "--port", "99999"], ["serve", "--frobnicate"], ["query"], ["screenshot", "gvt0"], ["serve", "--log-level", "chatty"], ["nonsense"]]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.err.split("\n").length, 2, `one line: ${r.err}`);
    assert.match(r.err, /^vfio-display: /);
  }
  const exit = spawnSync(process.execPath, [bin, "query"], { encoding: "utf8" });
  assert.equal(exit.status, 2, "the real process exit code");
});
