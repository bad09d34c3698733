/** The demo command as a user runs it: through bin/, with real exit codes and output. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";

const bin = fileURLToPath(new URL("../../bin/vfio-display.js", import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
}

test("`vfio-display demo --json` creates a bochs vGPU, sets 1024x768 and reports the probe and the primary plane", () => {
  const r = run(["demo", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.probe, "dmabuf");
  assert.deepEqual(
    [report.primary.drmFormat, report.primary.modifier, report.primary.width, report.primary.height, report.primary.stride],
    ["XRGB8888", "LINEAR", 1024, 768, 4096],
  );
  assert.equal(report.primary.dmabufId, 1);
  assert.equal(report.dmabuf.size, 1024 * 768 * 4);
  assert.equal(report.dmabuf.firstPixel, "#ffffff", "the test pattern's white frame, read back through the dma-buf");
});

test("the human-readable demo output names the format, the size and the dma-buf", () => {
  const r = run(["demo"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /format XRGB8888 {2}modifier LINEAR/);
  assert.match(r.stdout, /1024x768 {2}stride 4096 {2}size 3145728 {2}dmabuf_id 1/);
});

test("with --quirks the demo shows the -ENOMEM retry of the real mbochs", async () => {
  let out = "";
  const code = await main(["demo", "--quirks", "--json"], (s) => (out += s), () => {});
  assert.equal(code, 0);
  assert.equal(JSON.parse(out).queriesUntilPlane, 2);
});

test("usage errors are one line on stderr and exit code 2", () => {
  const cases: [string[], RegExp][] = [
    [["demo", "--width", "abc"], /--width must be a whole number/],
    [["demo", "--width", "10"], /--width must be between 64 and 65535/],
    [["demo", "--type", "nope"], /unknown vGPU type "nope" \(one of: mbochs-small, mbochs-medium, mbochs-large\)/],
    [["demo", "--type", "mbochs-small", "--width", "2000", "--height", "2000"], /does not fit 4194304 bytes of VRAM/],
    [["demo", "--bogus"], /unknown option '--bogus'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}`);
  }
});

test("--help exits 0 and lists the demo command", () => {
  const r = run(["--help"]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /demo/);
});
