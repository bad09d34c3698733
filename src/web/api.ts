/**
 * The HTTP API: device list, one device's inspector view, its planes, a PNG of its console, a resize
 * request (the browser's size → EDID → guest mode set). Every refusal is a 4xx with a message.
 */
import type { IncomingMessage } from "node:http";
import { HttpError, sendJson } from "./http-error.ts";
import { inspect, summarise } from "./inspector.ts";
import type { WebMetrics } from "./metrics.ts";
import type { Router } from "./router.ts";
import { surfaceToPng } from "./screenshot.ts";
import { refreshIfUnwatched, type ServedDevice } from "./served-device.ts";

const MAX_BODY = 4096;

export function deviceOr404(devices: ReadonlyMap<string, ServedDevice>, id: string): ServedDevice {
  const d = devices.get(id);
  if (!d) throw new HttpError(404, `no device "${id}" (devices: ${[...devices.keys()].join(", ") || "none"})`);
  return d;
}

export function addApiRoutes(router: Router, devices: ReadonlyMap<string, ServedDevice>, metrics: WebMetrics): void {
  router
    .add("GET", "/api/devices", ({ res }) => sendJson(res, 200, [...devices.values()].map(summarise)))
    .add("GET", "/api/devices/:id", ({ res, params }) => sendJson(res, 200, inspect(deviceOr404(devices, params["id"]!))))
    .add("GET", "/api/devices/:id/planes", ({ res, params }) => {
      const d = deviceOr404(devices, params["id"]!);
      refreshIfUnwatched(d);
      const p = d.consumer.lastPlanes;
      sendJson(res, 200, { id: d.id, probe: d.consumer.displayKind, primary: p.primary ?? null, cursor: p.cursor ?? null });
    })
    .add("GET", "/api/devices/:id/screenshot.png", async ({ req, res, params }) => {
      const d = deviceOr404(devices, params["id"]!);
      refreshIfUnwatched(d);
      const s = d.console.surface;
      if (!s) throw new HttpError(409, `device "${d.id}" has shown nothing yet (the guest has not set a mode)`);
      const end = metrics.pngEncodeSeconds.startTimer({ device: d.id });
      const png = await surfaceToPng(s);
      end();
      res.writeHead(200, { "content-type": "image/png", "content-length": png.length, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : png);
    })
    .add("POST", "/api/devices/:id/resize", async ({ req, res, params }) => {
      const d = deviceOr404(devices, params["id"]!);
      const body = await readJson(req);
      const { width, height } = parseResize(body);
      const answer = d.console.requestSize(width, height);
      if (answer === "invalid") throw new HttpError(400, `${width}x${height} is not a size a console can have (1..16384 each way)`);
      if (answer === "unsupported") throw new HttpError(409, `device "${d.id}" cannot be resized (no EDID region)`);
      sendJson(res, 202, { id: d.id, requested: { width, height }, result: answer });
    });
}

export function parseResize(body: unknown): { width: number; height: number } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object like {"width": 1280, "height": 720}');
  const o = body as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== "width" && key !== "height") throw new HttpError(400, `unknown field "${key}" (expected width and height)`);
  const dim = (name: "width" | "height"): number => {
    const v = o[name];
    if (v === undefined) throw new HttpError(400, `"${name}" is missing`);
    if (typeof v !== "number" || !Number.isInteger(v)) throw new HttpError(400, `"${name}" must be a whole number, got ${JSON.stringify(v)}`);
    if (v < 64 || v > 8192) throw new HttpError(400, `"${name}" must be between 64 and 8192, got ${v}`);
    return v;
  };
  return { width: dim("width"), height: dim("height") };
}

/** The request body as JSON: content-type application/json (which also makes cross-site forms impossible), at most 4 KiB. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, `the body must be application/json (got ${type || "no content-type"})`);
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_BODY) throw new HttpError(413, `the body is ${declared} bytes; at most ${MAX_BODY}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `the body is over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `the body is not valid JSON: ${(e as Error).message}`);
  }
}
