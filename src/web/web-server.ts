/**
 * The web console's HTTP server: pages, static assets (ours and noVNC's), the API, the inspector's live
 * push, /metrics, /healthz, and noVNC's WebSocket at /ws/<device> handed to that device's VNC server.
 * Loopback needs no token; any other address needs one for everything (token-auth.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { silentLogger, type Logger } from "../rfb/logger.ts";
import { addApiRoutes, deviceOr404 } from "./api.ts";
import { HttpError, sendError, sendJson } from "./http-error.ts";
import { LivePush } from "./live-push.ts";
import { WebMetrics } from "./metrics.ts";
import { Router } from "./router.ts";
import { DEVICE_ID, type ServedDevice } from "./served-device.ts";
import { STATIC_ROOT, StaticFiles, novncRoot } from "./static-files.ts";
import { isLoopback, presentedToken, redactedUrl, tokenCookie } from "./token-auth.ts";

export interface WebServerOptions {
  devices: readonly ServedDevice[];
  host?: string;
  port?: number;
  /** required when host is not loopback; optional (then enforced too) on loopback */
  token?: string;
  log?: Logger;
  /** inspector push interval (default 500 ms) */
  pushIntervalMs?: number;
}

export class WebServer {
  readonly metrics: WebMetrics;
  private readonly devices = new Map<string, ServedDevice>();
  private readonly router = new Router();
  private readonly server: Server;
  private readonly push: LivePush;
  private readonly log: Logger;
  private readonly host: string;
  private readonly token: string | undefined;
  private address: { host: string; port: number } | undefined;

  constructor(private readonly options: WebServerOptions) {
    this.host = options.host ?? "127.0.0.1";
    this.log = options.log ?? silentLogger;
    this.token = options.token;
    if (!isLoopback(this.host) && !this.token) throw new RangeError(`the web console on ${this.host} (not loopback) needs a token`);
    for (const d of options.devices) {
      if (!DEVICE_ID.test(d.id)) throw new RangeError(`device id "${d.id}" must match ${DEVICE_ID}`);
      this.devices.set(d.id, d);
    }
    this.metrics = new WebMetrics(() => [...this.devices.values()]);
    this.push = new LivePush(options.pushIntervalMs ?? 500);
    this.addRoutes();
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on("clientError", (_e, socket) => socket.destroy());
  }

  /** Listen; resolves with the bound address (port 0 picks one). */
  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port ?? 6080, this.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const a = this.server.address();
    this.address = typeof a === "object" && a ? { host: a.address, port: a.port } : { host: this.host, port: this.options.port ?? 6080 };
    this.log.info({ ...this.address, token: this.token ? "required" : "none (loopback)" }, "web console listening");
    return this.address;
  }

  /** The console's URL (with the token, when one is needed). */
  get url(): string {
    if (!this.address) throw new Error("the web server is not listening yet");
    const h = this.address.host.includes(":") ? `[${this.address.host}]` : this.address.host;
    const base = `http://${h === "0.0.0.0" || h === "[::]" ? "127.0.0.1" : h}:${this.address.port}/`;
    return this.token ? `${base}?token=${this.token}` : base;
  }

  async close(): Promise<void> {
    this.push.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private addRoutes(): void {
    const ours = new StaticFiles(STATIC_ROOT);
    const novnc = new StaticFiles(novncRoot());
    const page = (name: string) => async ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => ours.send(res, name, req.method === "HEAD");
    this.router
      .add("GET", "/", page("index.html"))
      .add("GET", "/devices/:id", async (ctx) => {
        deviceOr404(this.devices, ctx.params["id"]!);
        await page("device.html")(ctx);
      })
      .add("GET", "/static/*", ({ req, res, params }) => ours.send(res, params["rest"]!, req.method === "HEAD"))
      .add("GET", "/novnc/*", ({ req, res, params }) => novnc.send(res, params["rest"]!, req.method === "HEAD"))
      .add("GET", "/favicon.ico", ({ res }) => void res.writeHead(204).end())
      .add("GET", "/healthz", ({ res }) => sendJson(res, 200, { status: "ok", devices: this.devices.size }))
      .add("GET", "/metrics", async ({ res }) => {
        const m = await this.metrics.text();
        res.writeHead(200, { "content-type": m.contentType });
        res.end(m.body);
      })
      .add("GET", "/api/devices/:id/events", ({ req, res, params }) => this.push.subscribe(req, res, deviceOr404(this.devices, params["id"]!)));
    addApiRoutes(this.router, this.devices, this.metrics);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on("finish", () => this.metrics.httpRequests.inc({ status: String(res.statusCode) }));
    try {
      const url = parseUrl(req);
      this.authorise(req, url, res);
      const m = this.router.match(req.method ?? "GET", url.pathname);
      if (m instanceof HttpError) throw m;
      await m.handler({ req, res, url, params: m.params });
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, `internal error: ${(e as Error).message}`);
      if (err.status >= 500) this.log.error({ url: redactedUrl(req.url), err: (e as Error).message }, "request failed");
      sendError(res, err);
    }
  }

  /** Check the token; a page request that brought it in the query gets the cookie for its scripts and WebSocket. */
  private authorise(req: IncomingMessage, url: URL, res?: ServerResponse): void {
    if (!this.token) return;
    const source = presentedToken(req, url, this.token);
    if (!source) {
      throw new HttpError(401, "this console needs its access token: open the URL printed at start (…?token=…) or send Authorization: Bearer <token>", {
        "www-authenticate": 'Bearer realm="vfio-display"',
      });
    }
    if (source === "query" && res) res.setHeader("set-cookie", tokenCookie(this.token));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => {});
    try {
      const url = parseUrl(req);
      this.authorise(req, url);
      // A WebSocket is not bound by the same-origin policy: refuse pages of other origins outright.
      const origin = req.headers.origin;
      if (origin !== undefined && new URL(origin).host !== req.headers.host) throw new HttpError(403, `WebSocket from another origin (${origin}) refused`);
      const m = /^\/ws\/([^/]+)$/.exec(url.pathname);
      if (!m) throw new HttpError(404, `no WebSocket at ${url.pathname} (use /ws/<device>)`);
      deviceOr404(this.devices, decodeURIComponent(m[1]!)).rfb.handleUpgrade(req, socket, head);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(400, (e as Error).message);
      const body = JSON.stringify({ error: err.message, status: err.status }) + "\n";
      socket.end(
        `HTTP/1.1 ${err.status} ${err.status === 401 ? "Unauthorized" : err.status === 403 ? "Forbidden" : err.status === 404 ? "Not Found" : "Bad Request"}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
  }
}

function parseUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    throw new HttpError(400, `malformed request URL ${JSON.stringify(req.url)}`);
  }
}
