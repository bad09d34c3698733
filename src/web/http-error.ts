/** A request the web server refuses: a status code and a message for the client (sent as JSON). */
import type { ServerResponse } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2) + "\n";
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) return void res.destroy();
  sendJson(res, e.status, { error: e.message, status: e.status }, e.headers);
}
