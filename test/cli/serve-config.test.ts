/** The serve config: defaults, the demo, the workload wrapping, and the example in docs/web.md parses. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { demoConfig, parseConfig, workloadSpec } from "../../src/cli/serve-config.ts";
import { resolveServeConfig } from "../../src/cli/serve.ts";

test("defaults: loopback, web on 6080, VNC from 5900 up, ids by driver and index, EDID following on", () => {
  const c = parseConfig({ devices: [{ driver: "gvt" }, { driver: "mdpy", workload: "video", followEdid: false }] });
  assert.deepEqual(c.web, { host: "127.0.0.1", port: 6080 });
  assert.deepEqual(c.vnc, { host: "127.0.0.1" });
  assert.deepEqual(
    c.devices.map((d) => [d.id, d.type, d.workload, d.seed, d.vncPort, d.refreshHz, d.followEdid]),
    [
      ["gvt0", "GVTg_V5_4", "desktop", 1, 5900, 60, true],
      ["mdpy1", "mdpy-hd", "video", 2, 5901, 60, false],
    ],
  );
  assert.deepEqual(workloadSpec(c.devices[1]!), { kind: "video", options: { seed: 2 } });
  assert.deepEqual(workloadSpec(c.devices[0]!), { kind: "mode-follow", options: { seed: 1 }, inner: { kind: "desktop", options: { seed: 1, hostname: "gvt0" } } });
});

test("the demo: a GVT-g desktop on 5900 and a bochs console with autologin on 5901", () => {
  const d = demoConfig();
  assert.deepEqual(d.devices.map((x) => [x.id, x.driver, x.workload, x.vncPort]), [["gvt0", "gvt", "desktop", 5900], ["bochs0", "bochs", "console", 5901]]);
  const inner = (workloadSpec(d.devices[1]!) as { inner: { options: { autologin: string } } }).inner;
  assert.equal(inner.options.autologin, "user");
});

test("command-line overrides: --port, --host, --vnc-port counts up per device, the token from the environment", () => {
  const c = resolveServeConfig({ port: 7000, host: "0.0.0.0", vncPort: 6900, logLevel: "warn" }, { VFIO_DISPLAY_WEB_TOKEN: "abcdefghijklmnop" });
  assert.deepEqual(c.web, { host: "0.0.0.0", port: 7000, token: "abcdefghijklmnop" });
  assert.deepEqual(c.devices.map((d) => d.vncPort), [6900, 6901]);
  assert.throws(() => resolveServeConfig({ logLevel: "warn" }, { VFIO_DISPLAY_WEB_TOKEN: "short" }), /VFIO_DISPLAY_WEB_TOKEN: the token must be at least 16/);
});

test("the example configuration in docs/web.md is valid", () => {
  const doc = readFileSync(new URL("../../docs/web.md", import.meta.url), "utf8");
  const block = /```json\n([\s\S]*?)\n```/.exec(doc);
  assert.ok(block, "docs/web.md has a JSON example");
  const c = parseConfig(JSON.parse(block[1]!), "docs/web.md");
  assert.deepEqual(c.devices.map((d) => [d.id, d.driver, d.type, d.vncPort]), [["gvt0", "gvt", "GVTg_V5_4", 5900], ["mdpy0", "mdpy", "mdpy-xga", null]]);
  assert.equal(c.vnc.tls, "anonymous");
});
