/**
 * Non-interactive native clients against the server: gvnccapture (gtk-vnc, PNG, lossless) must show the
 * Console's pixels exactly; vncsnapshot (TightVNC-era code, JPEG output only) must come within JPEG error
 * of them for each encoding it can be told to use. Both read one full update and disconnect, so they
 * also check that the first FramebufferUpdate is complete and well-formed for their decoders.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { runTool } from "../../helpers/child-process.ts";
import { diffPixels, makeTestPicture, psnr, rgbaToXrgb } from "../../helpers/test-picture.ts";
import { startVncServer, type ServerUnderTest } from "../../helpers/vnc-server.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { ModelVgpu } from "../../../src/vmm/model-vgpu.ts";

const dir = mkdtempSync(join(tmpdir(), "vnc-capture-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function decode(file: string): Promise<{ width: number; height: number; pixels: Uint32Array }> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: rgbaToXrgb(data, info.width, info.height, info.channels) };
}

async function gvnccapture(port: number, out: string): Promise<void> {
  // gvnccapture takes HOST:DISPLAY, display = port - 5900
  const r = await runTool("gvnccapture", ["-q", `127.0.0.1:${port - 5900}`, out], { timeoutMs: 15_000 });
  assert.equal(r.timedOut, false, `gvnccapture hung: ${r.stderr}`);
  assert.equal(r.code, 0, `gvnccapture failed (${r.code}): ${r.stdout}${r.stderr}`);
}

async function vncsnapshot(port: number, encoding: string, out: string): Promise<void> {
  // without -allowblank it waits forever for a non-black screen; `timeout`-style kill guards against hangs
  // "default": its own list, Tight first (which hung against TigerVNC's Xvnc on a solid-fill rect)
  const pick = encoding === "default" ? [] : ["-encodings", encoding];
  const r = await runTool("vncsnapshot", ["-quiet", "-allowblank", ...pick, "-quality", "100", `127.0.0.1::${port}`, out], { timeoutMs: 15_000 });
  assert.equal(r.timedOut, false, `vncsnapshot -encodings ${encoding} hung: ${r.stderr}`);
  assert.equal(r.code, 0, `vncsnapshot -encodings ${encoding} failed (${r.code}): ${r.stdout}${r.stderr}`);
}

describe("still picture (odd size, every kind of content)", () => {
  const picture = makeTestPicture(333, 211, 7);
  let vnc: ServerUnderTest;
  before(async () => {
    vnc = await startVncServer({ surface: picture });
  });
  after(() => vnc?.close());

  test("gvnccapture's PNG equals the console pixel for pixel", async () => {
    const out = join(dir, "still.png");
    await gvnccapture(vnc.tcpPort, out);
    const png = await decode(out);
    assert.deepEqual([png.width, png.height], [picture.width, picture.height]);
    const d = diffPixels(picture.pixels, png.pixels, picture.width);
    assert.equal(d.differing, 0, `${d.differing} pixels differ, first ${JSON.stringify(d.first)}\n${vnc.log}`);
  });

  for (const encoding of ["raw", "hextile", "zlib", "tight", "rre", "default"]) {
    test(`vncsnapshot -encodings ${encoding}: JPEG at quality 100 within 35 dB of the console`, async () => {
      const out = join(dir, `still-${encoding}.jpg`);
      await vncsnapshot(vnc.tcpPort, encoding, out);
      const jpg = await decode(out);
      assert.deepEqual([jpg.width, jpg.height], [picture.width, picture.height]);
      const p = psnr(picture.pixels, jpg.pixels);
      assert.ok(p >= 35, `PSNR ${p.toFixed(2)} dB < 35 dB with ${encoding}\n${vnc.log}`);
    });
  }

  test("every capture was a separate, completed connection", () => {
    const s = vnc.server.stats;
    assert.equal(s.connectionsTotal, 7);
    assert.equal(s.refused, 0);
    assert.ok(s.updates >= 7, `only ${s.updates} updates sent`);
  });
});

describe("a model bochs vGPU running the test pattern, paused", () => {
  let vgpu: ModelVgpu;
  let vnc: ServerUnderTest;
  before(async () => {
    vgpu = await ModelVgpu.start({ id: "cap0", driver: "bochs", workload: { kind: "test-pattern", options: { seed: 3, mode: { width: 800, height: 600 } } } });
    vgpu.console.addListener({}); // the test looks at the console itself: it is a viewer
    vnc = await startVncServer({ console: vgpu.console });
    await waitFor("the test pattern on the console", () => vgpu.console.surface?.width === 800 && vgpu.console.surface.pixels.some((p) => (p & 0xffffff) !== 0), { timeoutMs: 15_000 });
    await vgpu.vcpu.pause();
  });
  after(async () => {
    await vnc?.close();
    await vgpu?.stop();
  });

  test("gvnccapture's PNG equals the guest's picture as the console holds it", async () => {
    const out = join(dir, "pattern.png");
    // the consumer may still be copying the last frame the guest drew before the pause: compare until stable
    let last = "";
    await waitFor("a capture equal to the console", async () => {
      await gvnccapture(vnc.tcpPort, out);
      const png = await decode(out);
      const s = vgpu.console.surface!;
      if (png.width !== s.width || png.height !== s.height) return ((last = `size ${png.width}x${png.height}`), false);
      const d = diffPixels(s.pixels, png.pixels, s.width);
      last = JSON.stringify(d);
      return d.differing === 0;
    }, { timeoutMs: 10_000, intervalMs: 200 }).catch((e: Error) => assert.fail(`${e.message}; ${last}\n${vnc.log}`));
  });
});

describe("a still picture with a cursor plane: gvnccapture (no cursor encodings) sees it drawn in", () => {
  const picture = makeTestPicture(200, 150, 11);
  // a 16×16 opaque magenta block with a transparent column, top-left at (60, 40)
  const cursorPixels = new Uint32Array(16 * 16).fill(0xffff00ff);
  for (let y = 0; y < 16; y++) cursorPixels[y * 16] = 0;
  let vnc: ServerUnderTest;
  before(async () => {
    vnc = await startVncServer({ surface: picture });
    vnc.console.publishCursor({ width: 16, height: 16, pixels: cursorPixels, hotX: 0, hotY: 0 });
    vnc.console.publishCursorMove(60, 40);
  });
  after(() => vnc?.close());

  test("gvnccapture's PNG is the console with the cursor drawn over it, pixel for pixel", async () => {
    const withCursor = picture.pixels.slice();
    for (let y = 0; y < 16; y++) for (let x = 1; x < 16; x++) withCursor[(40 + y) * picture.width + 60 + x] = 0xff00ff;
    const out = join(dir, "cursor.png");
    await gvnccapture(vnc.tcpPort, out);
    const png = await decode(out);
    const d = diffPixels(withCursor, png.pixels, picture.width);
    assert.equal(d.differing, 0, `${d.differing} pixels differ, first ${JSON.stringify(d.first)}\n${vnc.log}`);
  });

  test("vncsnapshot lists RichCursor and XCursor, so it gets the cursor as a shape and the picture plain", async () => {
    const out = join(dir, "cursor.jpg");
    await vncsnapshot(vnc.tcpPort, "raw", out);
    const jpg = await decode(out);
    const p = psnr(picture.pixels, jpg.pixels);
    assert.ok(p >= 35, `PSNR ${p.toFixed(2)} dB against the plain picture\n${vnc.log}`);
  });
});
