/**
 * noVNC 1.7 (the npm package) in headless Chromium against the server's WebSocket listener: the canvas
 * holds the Console's pixels (exactly for few-colour content, which Tight sends as fills and palettes even
 * though noVNC always asks for JPEG quality 6; by PSNR for photo-like content); typing, pointer and
 * clipboard reach the guest and come back; `resizeSession` changes the guest's mode through the EDID; the
 * guest's cursor plane arrives as noVNC's CSS cursor. Screenshots for the README go to docs/images/.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { noVncPixels, startNoVncHost, type NoVncHost } from "../../helpers/novnc-browser.ts";
import { diffPixels, makeFewColourPicture, makeTestPicture, psnr } from "../../helpers/test-picture.ts";
import { startVncServer, type ServerUnderTest } from "../../helpers/vnc-server.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { ModelVgpu } from "../../../src/vmm/model-vgpu.ts";

const IMAGES = fileURLToPath(new URL("../../../docs/images/", import.meta.url));
let host: NoVncHost;

before(async () => {
  host = await startNoVncHost();
});
after(async () => {
  await host?.close();
});

async function connect(page: Page, vnc: ServerUnderTest, protocols: string[] = [], settings: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(([url, p, s]) => (globalThis as any).vnc.connect(url, p, s), [`ws://127.0.0.1:${vnc.wsPort}`, protocols, settings] as const);
  await page.waitForFunction("window.vnc.state.connected || window.vnc.state.disconnected", undefined, { timeout: 10_000 });
  const state = (await page.evaluate("window.vnc.state.disconnected")) as unknown;
  assert.equal(state, null, `noVNC disconnected at once\n${vnc.log}`);
}

async function closePage(page: Page | undefined): Promise<void> {
  if (!page) return;
  await page.evaluate("window.vnc.state.rfb && window.vnc.state.rfb.disconnect()").catch(() => {});
  await page.close().catch(() => {});
}

/** Poll noVNC's framebuffer until `ok`; fail with what was last seen. */
async function waitForCanvas(page: Page, vnc: ServerUnderTest, what: string, ok: (p: { width: number; height: number; pixels: Uint32Array }) => string | true): Promise<void> {
  let last = "";
  await waitFor(what, async () => {
    const p = await noVncPixels(page);
    const r = ok(p);
    if (r === true) return true;
    last = r;
    return false;
  }, { timeoutMs: 10_000, intervalMs: 100 }).catch((e: Error) => assert.fail(`${e.message}; ${last}\n${vnc.log}`));
}

describe("noVNC shows a still picture", () => {
  const few = makeFewColourPicture(600, 400);
  const photo = makeTestPicture(531, 347, 5);
  let vncFew: ServerUnderTest;
  let vncPhoto: ServerUnderTest;
  before(async () => {
    vncFew = await startVncServer({ surface: few, tcp: false, websocket: true });
    vncPhoto = await startVncServer({ surface: photo, tcp: false, websocket: true });
  });
  after(async () => {
    await vncFew?.close();
    await vncPhoto?.close();
  });

  for (const protocols of [[], ["binary"]]) {
    test(`few colours, subprotocols ${JSON.stringify(protocols)}: the canvas equals the console exactly`, async () => {
      const page = await host.newPage();
      try {
        await connect(page, vncFew, protocols);
        assert.equal(await page.evaluate("window.vnc.state.name"), "e2e-still");
        await waitForCanvas(page, vncFew, "the exact picture", (p) => {
          if (p.width !== few.width || p.height !== few.height) return `canvas ${p.width}x${p.height}`;
          const d = diffPixels(few.pixels, p.pixels, few.width);
          return d.differing === 0 || JSON.stringify(d);
        });
      } finally {
        await closePage(page);
      }
    });
  }

  test("photo-like content (Tight JPEG at noVNC's quality 6): within 28 dB, solid areas exact", async () => {
    const page = await host.newPage();
    try {
      await connect(page, vncPhoto);
      // an eighth of the picture is per-pixel noise, which JPEG at quality 6 cannot keep: ~29.8 dB overall
      const band = photo.width * Math.floor(photo.height / 4);
      await waitForCanvas(page, vncPhoto, "the picture within 28 dB", (p) => {
        if (p.width !== photo.width || p.height !== photo.height) return `canvas ${p.width}x${p.height}`;
        const db = psnr(photo.pixels, p.pixels);
        const solid = diffPixels(photo.pixels.subarray(0, band), p.pixels.subarray(0, band), photo.width);
        return (db >= 28 && solid.differing === 0) || `PSNR ${db.toFixed(2)} dB, solid band ${JSON.stringify(solid)}`;
      });
    } finally {
      await closePage(page);
    }
  });

  test("photo-like content at quality 9 and no compression: within 40 dB", async () => {
    const page = await host.newPage();
    try {
      await connect(page, vncPhoto, ["binary"], { qualityLevel: 9, compressionLevel: 0 });
      await waitForCanvas(page, vncPhoto, "the picture within 40 dB", (p) => {
        if (p.width !== photo.width || p.height !== photo.height) return `canvas ${p.width}x${p.height}`;
        const db = psnr(photo.pixels, p.pixels);
        return db >= 40 || `PSNR ${db.toFixed(2)} dB`;
      });
    } finally {
      await closePage(page);
    }
  });

  test("a changed part of the picture arrives as an update", async () => {
    const page = await host.newPage();
    try {
      await connect(page, vncFew);
      await waitForCanvas(page, vncFew, "the first picture", (p) => diffPixels(few.pixels, p.pixels, few.width).differing === 0 || "not yet");
      // paint a few-colour square into the console and tell the server about it as damage
      const changed = new Uint32Array(few.pixels);
      for (let y = 100; y < 180; y++) for (let x = 250; x < 390; x++) changed[y * few.width + x] = (x >> 3) & 1 ? 0x00ffff : 0x800080;
      few.pixels.set(changed);
      vncFew.console.publishUpdate({ count: 1, rects: [{ x: 250, y: 100, w: 140, h: 80 }] });
      await waitForCanvas(page, vncFew, "the changed square", (p) => {
        const d = diffPixels(changed, p.pixels, few.width);
        return d.differing === 0 || JSON.stringify(d);
      });
    } finally {
      await closePage(page);
    }
  });
});
