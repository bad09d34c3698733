/**
 * noVNC 1.7 (the npm package) in headless Chromium against the server's WebSocket listener: the canvas
 * holds the Console's pixels (exactly for few-colour content, which Tight sends as fills and palettes even
 * though noVNC always asks for JPEG quality 6; by PSNR for photo-like content); typing, pointer and
 * clipboard reach the guest and come back; `resizeSession` changes the guest's mode through the EDID; the
 * guest's cursor plane arrives as noVNC's CSS cursor. Screenshots for the README go to docs/images/.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
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

/**
 * README screenshots: the page's canvas, reduced to a palette PNG under 300 KB. Written to docs/images/
 * only with UPDATE_SCREENSHOTS=1 (so a test run leaves the work tree alone), to a temporary file otherwise.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.locator("#screen canvas").screenshot({ type: "png" });
  const small = await sharp(png).resize({ width: 800, withoutEnlargement: true }).png({ palette: true, quality: 90, compressionLevel: 9 }).toBuffer();
  assert.ok(small.length < 300 * 1024, `${name} is ${small.length} bytes`);
  const meta = await sharp(small).metadata();
  assert.ok((meta.width ?? 0) >= 400, `${name} is ${meta.width} px wide`);
  const dir = process.env.UPDATE_SCREENSHOTS === "1" ? IMAGES : mkdtempSync(join(tmpdir(), "novnc-shot-"));
  writeFileSync(join(dir, name), small);
  if (dir !== IMAGES) rmSync(dir, { recursive: true, force: true });
}

/**
 * Type as a person on a US keyboard does: Shift held for capitals and shifted symbols. (Playwright's
 * keyboard.type sends "N" as KeyN without Shift; noVNC then sends the QEMU extended key event with KeyN's
 * scancode, and a guest that goes by scancodes, as real ones and our workloads do, sees "n".)
 */
const SHIFTED: Record<string, string> = { "!": "Digit1", "|": "Backslash", ":": "Semicolon", "?": "Slash", "\"": "Quote" };
async function typeLikeAPerson(page: Page, text: string): Promise<void> {
  for (const ch of text) {
    if (ch >= "A" && ch <= "Z") await page.keyboard.press(`Shift+Key${ch}`);
    else if (SHIFTED[ch]) await page.keyboard.press(`Shift+${SHIFTED[ch]}`);
    else await page.keyboard.type(ch);
  }
}

async function canvasBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.locator("#screen canvas").boundingBox();
  assert.ok(box, "noVNC has no canvas");
  return box;
}

describe("noVNC on a GVT guest running the desktop (cursor plane)", () => {
  let vgpu: ModelVgpu;
  let vnc: ServerUnderTest;
  let page: Page;
  before(async () => {
    vgpu = await ModelVgpu.start({ id: "novnc-gvt", driver: "gvt", rateHz: 30, workload: { kind: "desktop", options: { seed: 2, mode: { width: 1024, height: 768 } } } });
    vgpu.console.addListener({}); // the test looks at the console itself: it is a viewer
    vnc = await startVncServer({ console: vgpu.console, tcp: false, websocket: true });
    await waitFor("the desktop on the console", () => vgpu.console.surface?.width === 1024, { timeoutMs: 15_000 });
    page = await host.newPage();
    await connect(page, vnc);
    await page.evaluate("window.vnc.state.rfb.focus()");
  });
  after(async () => {
    await closePage(page);
    await vnc?.close();
    await vgpu?.stop();
  });

  test("drifting windows arrive as CopyRects; once the guest is paused the canvas becomes exact", async () => {
    // every window drifts every frame: noVNC copies the moved areas on its canvas
    await waitFor("CopyRects sent to noVNC", () => vnc.server.stats.copyRects > 20, { timeoutMs: 10_000 });
    // only a paused guest gives a picture to compare with; what went as JPEG (and was copied about since)
    // is sent again losslessly once it stops changing
    await vgpu.vcpu.pause();
    try {
      await waitForCanvas(page, vnc, "the desktop within 30 dB", (p) => {
        if (p.width !== 1024 || p.height !== 768) return `canvas ${p.width}x${p.height}`;
        const db = psnr(vgpu.console.surface!.pixels, p.pixels);
        return db >= 30 || `PSNR ${db.toFixed(2)} dB`;
      });
      await waitForCanvas(page, vnc, "the exact desktop", (p) => {
        const d = diffPixels(vgpu.console.surface!.pixels, p.pixels, 1024);
        return d.differing === 0 || JSON.stringify(d);
      });
    } finally {
      vgpu.vcpu.start();
    }
  });

  test("the guest's cursor plane becomes noVNC's CSS cursor (a data: URL with the hotspot)", async () => {
    const cursor = (await page.waitForFunction("(() => { const c = window.vnc.canvas().style.cursor; return c.startsWith('url(') ? c : false; })()", undefined, { timeout: 10_000 })
      .then((h) => h.jsonValue())) as string;
    assert.match(cursor, /^url\("data:image\/png;base64,[A-Za-z0-9+/=]+"\) \d+ \d+, default$/);
    const c = vgpu.console.cursor!;
    assert.ok(cursor.includes(`) ${c.hotX} ${c.hotY},`), `hotspot in ${cursor.slice(-40)} vs ${c.hotX},${c.hotY}`);
  });

  test("pointer moves and clicks on the canvas reach the guest", async () => {
    const box = await canvasBox(page);
    for (const [x, y] of [[200, 150], [700, 500], [1000, 30]] as const) {
      await page.mouse.move(box.x + x, box.y + y);
      await waitFor(`the guest pointer at ${x},${y}`, () => {
        const p = vgpu.console.cursorPosition;
        const c = vgpu.console.cursor;
        return c !== undefined && p.x + c.hotX === x && p.y + c.hotY === y;
      }, { timeoutMs: 5000 }).catch((e: Error) => assert.fail(`${e.message}: cursor at ${JSON.stringify(vgpu.console.cursorPosition)}\n${vnc.log}`));
    }
    const pressed: number[] = [];
    const orig = vgpu.console.sendInput.bind(vgpu.console);
    vgpu.console.sendInput = (e) => {
      if (e.type === "pointer") pressed.push(e.buttons);
      orig(e);
    };
    try {
      await page.mouse.click(box.x + 512, box.y + 384);
      await waitFor("button 1 down and up", () => pressed.includes(1) && pressed.lastIndexOf(0) > pressed.indexOf(1), { timeoutMs: 5000 });
    } finally {
      vgpu.console.sendInput = orig;
    }
  });

  test("typing goes into Notes; the guest's Ctrl-C copy arrives as noVNC's clipboard event", async () => {
    await typeLikeAPerson(page, "noVNC says hi!");
    await page.keyboard.press("Control+c");
    await waitFor("the guest clipboard", () => vgpu.console.guestClipboard === "noVNC says hi!", { timeoutMs: 5000 }).catch((e: Error) =>
      assert.fail(`${e.message}: ${JSON.stringify(vgpu.console.guestClipboard)}\n${vnc.log}`),
    );
    await page.waitForFunction("window.vnc.state.clipboard.includes('noVNC says hi!')", undefined, { timeout: 5000 });
  });

  test("clipboardPasteFrom reaches the guest (pasted into Notes with Ctrl-V)", async () => {
    await page.evaluate("window.vnc.state.rfb.clipboardPasteFrom(' and pasted \u00e9t\u00e9')");
    await page.keyboard.press("Control+v");
    await page.keyboard.press("Control+c");
    await waitFor("the pasted text in the notes", () => vgpu.console.guestClipboard === "noVNC says hi! and pasted \u00e9t\u00e9", { timeoutMs: 5000 }).catch((e: Error) =>
      assert.fail(`${e.message}: ${JSON.stringify(vgpu.console.guestClipboard)}\n${vnc.log}`),
    );
    await screenshot(page, "novnc-desktop.png");
  });
});

describe("noVNC on a bochs guest running the text console", () => {
  let vgpu: ModelVgpu;
  let vnc: ServerUnderTest;
  let page: Page;
  before(async () => {
    vgpu = await ModelVgpu.start({
      id: "novnc-con",
      driver: "bochs",
      workload: { kind: "console", options: { seed: 4, autologin: "root", blinkMs: 0, bootMs: 300, bootLines: 20, mode: { width: 800, height: 480 } } },
    });
    vgpu.console.addListener({}); // the test looks at the console itself: it is a viewer
    vnc = await startVncServer({ console: vgpu.console, tcp: false, websocket: true });
    await waitFor("the console on the console", () => vgpu.console.surface?.width === 800, { timeoutMs: 15_000 });
    page = await host.newPage();
    await connect(page, vnc, ["binary"]);
    await page.evaluate("window.vnc.state.rfb.focus()");
  });
  after(async () => {
    await closePage(page);
    await vnc?.close();
    await vgpu?.stop();
  });

  test("a typed command runs in the guest; its xclip copy comes back as noVNC's clipboard event", async () => {
    await typeLikeAPerson(page, "echo Typed in noVNC | xclip");
    await page.keyboard.press("Enter");
    await waitFor("the guest clipboard", () => vgpu.console.guestClipboard === "Typed in noVNC", { timeoutMs: 8000 }).catch((e: Error) =>
      assert.fail(`${e.message}: ${JSON.stringify(vgpu.console.guestClipboard)}\n${vnc.log}`),
    );
    await page.waitForFunction("window.vnc.state.clipboard.includes('Typed in noVNC')", undefined, { timeout: 5000 });
  });

  test("a pasted command is typed into the guest", async () => {
    await page.evaluate("window.vnc.state.rfb.clipboardPasteFrom('echo pasted via noVNC | xclip\\n')");
    await waitFor("the pasted command's output on the guest clipboard", () => vgpu.console.guestClipboard === "pasted via noVNC", { timeoutMs: 8000 }).catch((e: Error) =>
      assert.fail(`${e.message}: ${JSON.stringify(vgpu.console.guestClipboard)}\n${vnc.log}`),
    );
  });

  test("the canvas shows the console exactly once it is still (text is few colours)", async () => {
    await waitForCanvas(page, vnc, "the exact console", (p) => {
      const s = vgpu.console.surface!;
      if (p.width !== s.width || p.height !== s.height) return `canvas ${p.width}x${p.height}`;
      const d = diffPixels(s.pixels, p.pixels, s.width);
      return d.differing === 0 || JSON.stringify(d);
    });
    await screenshot(page, "novnc-console.png");
  });
});

describe("noVNC's resizeSession changes the guest's mode through the EDID", () => {
  let vgpu: ModelVgpu;
  let vnc: ServerUnderTest;
  let page: Page;
  before(async () => {
    vgpu = await ModelVgpu.start({ id: "novnc-resize", driver: "bochs", workload: { kind: "mode-follow", options: { seed: 6, pollMs: 50 }, inner: { kind: "test-pattern", options: { seed: 6 } } } });
    vgpu.console.addListener({}); // the test looks at the console itself: it is a viewer
    vnc = await startVncServer({ console: vgpu.console, tcp: false, websocket: true });
    await waitFor("the test pattern on the console", () => vgpu.console.surface !== undefined, { timeoutMs: 15_000 });
    page = await host.newPage();
    await page.evaluate("window.vnc.resizeContainer(1024, 768)");
    await connect(page, vnc, [], { resizeSession: true });
  });
  after(async () => {
    await closePage(page);
    await vnc?.close();
    await vgpu?.stop();
  });

  for (const [w, h] of [[800, 600], [1152, 720]] as const) {
    test(`the page's container resized to ${w}x${h}: the guest's mode and noVNC's canvas follow`, async () => {
      await page.evaluate(([w, h]) => (globalThis as any).vnc.resizeContainer(w, h), [w, h] as const);
      // noVNC rate-limits its requests, the consumer debounces 500 ms, the guest polls the EDID
      await waitFor(`the console at ${w}x${h}`, () => vgpu.console.surface?.width === w && vgpu.console.surface.height === h, { timeoutMs: 8000 }).catch((e: Error) =>
        assert.fail(`${e.message}: ${vgpu.console.surface?.width}x${vgpu.console.surface?.height}\n${vnc.log}`),
      );
      // the pattern is still except for a square moving along the bottom 32 rows: compare above them
      const still = w * (h - 32);
      await waitForCanvas(page, vnc, `the canvas at ${w}x${h} showing the pattern`, (p) => {
        if (p.width !== w || p.height !== h) return `canvas ${p.width}x${p.height}`;
        const d = diffPixels(vgpu.console.surface!.pixels.subarray(0, still), p.pixels.subarray(0, still), w);
        return d.differing === 0 || JSON.stringify(d);
      });
    });
  }
});
