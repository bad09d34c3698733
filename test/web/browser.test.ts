/**
 * The pages in real headless Chromium (playwright-core, /usr/bin/chromium): the device page connects
 * through noVNC, the canvas shows the guest, the inspector updates live, "resize the guest" reaches the
 * guest's mode through the EDID, the clipboard goes to the guest. Saves the screenshots the README shows
 * (UPDATE_SCREENSHOTS=1).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { startWeb, until, type WebFixture } from "./web-fixture.ts";

// page.evaluate callbacks run in the browser; the project compiles without the DOM lib
declare const document: any;
type HTMLImageElement = { naturalWidth: number };

// The README's screenshots are written to docs/images only with UPDATE_SCREENSHOTS=1 (so a test run leaves
// the work tree alone, as in test/rfb/e2e/novnc.test.ts); otherwise to a temporary folder, still taken.
const IMAGES =
  process.env.UPDATE_SCREENSHOTS === "1" ? fileURLToPath(new URL("../../docs/images/", import.meta.url)) : mkdtempSync(join(tmpdir(), "vfio-display-web-shots-"));
let web: WebFixture;
let browser: Browser;

before(async () => {
  web = await startWeb();
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  mkdirSync(IMAGES, { recursive: true });
});

after(async () => {
  await browser?.close();
  await web?.close();
  if (process.env.UPDATE_SCREENSHOTS !== "1") rmSync(IMAGES, { recursive: true, force: true });
});

/** Distinct colours in a sample of the noVNC canvas: a black or uniform canvas has 1. */
async function canvasColours(page: Page): Promise<number> {
  return page.evaluate(() => {
    const c = document.querySelector("#screen canvas") as any;
    if (!c || c.width === 0) return 0;
    const ctx = c.getContext("2d")!;
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4 * 97) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    return seen.size;
  });
}

/** Save a screenshot and check it is a PNG of the viewport. */
async function shoot(page: Page, name: string): Promise<void> {
  const path = join(IMAGES, name);
  await page.screenshot({ path });
  const png = readFileSync(path);
  assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
  assert.equal(png.readUInt32BE(16), page.viewportSize()!.width);
}

async function openDevice(id: string, viewport = { width: 1440, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${web.base}/devices/${id}`);
  await page.waitForSelector('#state[data-state="connected"]', { timeout: 15_000 }).catch((e) => {
    throw new Error(`${id} did not connect (${errors.join("; ") || (e as Error).message})`);
  });
  return page;
}

test("the GVT device page connects, shows the desktop and a live inspector with the plane's tiling", async () => {
  const page = await openDevice("gvt0");
  await until(async () => (await canvasColours(page)) > 20, 15_000, "the desktop on the canvas");
  await page.waitForFunction(() => Number(document.getElementById("inspector")!.dataset["updates"]) >= 3, undefined, { timeout: 10_000 });
  const planes = await page.locator("#planes").innerText();
  assert.match(planes, /XRGB8888/);
  assert.match(planes, /I915_X_TILED/);
  assert.match(planes, /ARGB8888/, "the cursor plane column");
  const framesA = Number(await page.locator('#traffic dd[data-key="frames"]').innerText());
  await page.waitForFunction((a) => Number(document.querySelector('#traffic dd[data-key="frames"]')!.textContent) > a, framesA, { timeout: 5_000 });
  assert.equal(await page.locator('#traffic dd[data-key="clients"]').innerText(), "1", "this page is the VNC client");
  assert.match(await page.locator("#clients li").innerText(), /^#\d+ 127\.0\.0\.1 · Tight q\d+ · \d+ updates/, "noVNC asks for Tight with JPEG");
  assert.ok(web.host.devices[0]!.rfb.stats.bytes > 0);
  await page.waitForFunction(() => document.querySelector('#traffic dd[data-key="bytes/s"]')!.textContent !== "0 B/s", undefined, { timeout: 5_000 });
  await page.waitForFunction(() => Number(document.querySelector('#traffic dd[data-key="fps"]')!.textContent) > 0, undefined, { timeout: 10_000 });
  await shoot(page, "web-console-gvt0.png");
  await page.close();
});

test("the bochs text console page: Ctrl-Alt-Del and the clipboard box reach the guest's input", async () => {
  const page = await openDevice("bochs0", { width: 1440, height: 900 });
  await until(async () => (await canvasColours(page)) > 2, 15_000, "text on the canvas");
  const consoleDev = web.host.devices[1]!.console;
  let received: string | undefined;
  const keys: string[] = [];
  consoleDev.setInputSink({
    input: (e) => {
      if (e.type === "key") keys.push(`${e.down ? "+" : "-"}${e.keysym?.toString(16)}`);
    },
    clipboard: (t: string) => (received = t),
  });
  await page.click("#ctrl-alt-del");
  await until(() => keys.length >= 6, 5_000, "six key events");
  assert.deepEqual(keys, ["+ffe3", "+ffe9", "+ffff", "-ffff", "-ffe9", "-ffe3"], "Control_L, Alt_L, Delete down, then up in reverse");
  await page.fill("#clipboard", "hello from the browser");
  await page.click("#clipboard-send");
  await until(() => received, 5_000, "the clipboard text at the console");
  assert.equal(received, "hello from the browser");
  await page.waitForFunction(() => Number(document.getElementById("inspector")!.dataset["updates"]) >= 2);
  await shoot(page, "web-console-bochs0.png");
  await page.close();
});

test("the device list shows every device with a thumbnail and links to its page", async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 620 } });
  await page.goto(`${web.base}/`);
  await page.waitForSelector('#devices[data-loaded="2"]');
  await page.waitForFunction(() => [...document.querySelectorAll("img.thumb")].every((i) => (i as HTMLImageElement).naturalWidth > 0), undefined, { timeout: 10_000 });
  const cards = await page.locator(".device-card h2").allInnerTexts();
  assert.deepEqual(cards, ["gvt0", "bochs0"]);
  assert.equal(await page.locator('.device-card a[href="/devices/bochs0"]').count(), 1);
  await shoot(page, "web-devices.png");
  await page.close();
});

test("'resize the guest' sends the window's size: the guest sets that mode through the EDID", async () => {
  const page = await openDevice("gvt0", { width: 1300, height: 800 });
  await page.selectOption("#view-mode", "resize");
  const box = await page.evaluate(() => {
    const s = document.getElementById("screen")!;
    return { width: s.clientWidth, height: s.clientHeight };
  });
  const surface = () => web.host.devices[0]!.console.surface;
  await until(() => surface()?.width === box.width && surface()?.height === box.height, 15_000, `the guest at ${box.width}x${box.height}`);
  await page.waitForFunction(
    (w) => document.querySelector('#device-facts dd[data-key="mode"]')!.textContent!.startsWith(`${w}×`),
    box.width,
    { timeout: 5_000 },
  );
  await page.close();
});

test("with a VNC password the page asks for it: a wrong one is refused, the right one connects", async () => {
  const locked = await startWeb({
    vnc: { password: { env: "TEST_VNC_PASSWORD" } },
    devices: [{ id: "bochs0", driver: "bochs", workload: "test-pattern", vncPort: null }],
    env: { TEST_VNC_PASSWORD: "s3cret" },
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${locked.base}/devices/bochs0`);
    await page.waitForSelector('#state[data-state="password"]');
    await page.fill("#password", "wrong");
    await page.click('#password-form button[type="submit"]');
    await page.waitForSelector('#state[data-state="disconnected"]');
    assert.match(await page.locator("#state").innerText(), /refused|lost|disconnected/);
    await page.click("#reconnect");
    await page.waitForSelector('#state[data-state="password"]');
    await page.fill("#password", "s3cret");
    await page.click('#password-form button[type="submit"]');
    await page.waitForSelector('#state[data-state="connected"]');
    await until(async () => (await canvasColours(page)) > 4, 10_000, "the test pattern");
    await page.close();
  } finally {
    await locked.close();
  }
});
