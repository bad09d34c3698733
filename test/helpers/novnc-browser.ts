/**
 * noVNC (the npm package, unbundled) in headless Chromium through playwright-core: a tiny HTTP server
 * serves the package under /novnc/ and a page that imports core/rfb.js and exposes `window.vnc` for the
 * test to drive (connect with chosen WebSocket subprotocols, read the canvas, collect events). One
 * browser per test file; a page per scenario.
 */
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

const NOVNC_ROOT = fileURLToPath(new URL("../../node_modules/@novnc/novnc/", import.meta.url));

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>noVNC e2e</title>
<style>html,body{margin:0;padding:0;background:#222}#screen{width:1024px;height:768px}</style></head>
<body><div id="screen"></div>
<script type="module">
import RFB from "/novnc/core/rfb.js";
const state = { rfb: null, events: [], clipboard: [], connected: false, disconnected: null, securityFailure: null, name: null };
window.vnc = {
  state,
  connect(url, protocols, settings) {
    const rfb = new RFB(document.getElementById("screen"), url, { shared: true, wsProtocols: protocols });
    state.rfb = rfb;
    Object.assign(rfb, settings || {});
    rfb.addEventListener("connect", () => { state.connected = true; state.events.push("connect"); });
    rfb.addEventListener("disconnect", (e) => { state.disconnected = { clean: e.detail.clean }; state.events.push("disconnect"); });
    rfb.addEventListener("securityfailure", (e) => { state.securityFailure = e.detail; });
    rfb.addEventListener("desktopname", (e) => { state.name = e.detail.name; });
    rfb.addEventListener("clipboard", (e) => { state.clipboard.push(e.detail.text); });
  },
  canvas() { return document.querySelector("#screen canvas"); },
  /** the framebuffer as noVNC holds it, RGBA as base64 */
  pixels() {
    const img = state.rfb.getImageData();
    const bytes = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return { width: img.width, height: img.height, rgba: btoa(s) };
  },
  resizeContainer(w, h) {
    const el = document.getElementById("screen");
    el.style.width = w + "px";
    el.style.height = h + "px";
  },
};
window.vncReady = true;
</script></body></html>`;

export interface NoVncHost {
  browser: Browser;
  baseUrl: string;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function startNoVncHost(): Promise<NoVncHost> {
  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/" || url.pathname === "/page.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
      return;
    }
    if (url.pathname.startsWith("/novnc/")) {
      const path = normalize(join(NOVNC_ROOT, decodeURIComponent(url.pathname.slice("/novnc/".length))));
      if (!path.startsWith(NOVNC_ROOT.endsWith(sep) ? NOVNC_ROOT : NOVNC_ROOT + sep)) {
        res.writeHead(403).end();
        return;
      }
      readFile(path).then(
        (body) => res.writeHead(200, { "content-type": path.endsWith(".js") ? "text/javascript" : "application/octet-stream" }).end(body),
        () => res.writeHead(404).end(),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const addr = http.address();
  if (typeof addr !== "object" || !addr) throw new Error("the noVNC page server has no address");
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  } catch (e) {
    http.close();
    throw e;
  }
  const baseUrl = `http://127.0.0.1:${addr.port}`;
  return {
    browser,
    baseUrl,
    async newPage() {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${baseUrl}/page.html`);
      await page.waitForFunction("window.vncReady === true");
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

/** noVNC's framebuffer copy as XRGB words. */
export async function noVncPixels(page: Page): Promise<{ width: number; height: number; pixels: Uint32Array }> {
  const r = (await page.evaluate("window.vnc.pixels()")) as { width: number; height: number; rgba: string };
  const rgba = Buffer.from(r.rgba, "base64");
  const pixels = new Uint32Array(r.width * r.height);
  for (let i = 0, o = 0; i < pixels.length; i++, o += 4) pixels[i] = (rgba[o]! << 16) | (rgba[o + 1]! << 8) | rgba[o + 2]!;
  return { width: r.width, height: r.height, pixels };
}
