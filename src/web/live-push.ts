/**
 * The inspector's live push: Server-Sent Events (GET /api/devices/:id/events). One JSON snapshot at once,
 * then one per interval, until the browser goes away. SSE rather than a second WebSocket: it is one-way,
 * reconnects by itself, and passes through the same token check as any GET.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { inspect } from "./inspector.ts";
import type { ServedDevice } from "./served-device.ts";

export class LivePush {
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly intervalMs = 500) {}

  get subscribers(): number {
    return this.streams.size;
  }

  subscribe(req: IncomingMessage, res: ServerResponse, device: ServedDevice): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
    res.write(`retry: 2000\n\n`);
    const send = (): void => {
      res.write(`event: inspect\ndata: ${JSON.stringify(inspect(device))}\n\n`);
    };
    send();
    const timer = setInterval(send, this.intervalMs);
    this.streams.add(res);
    const done = (): void => {
      clearInterval(timer);
      this.streams.delete(res);
    };
    req.on("close", done);
    res.on("close", done);
  }

  /** End every stream (server shutdown). */
  close(): void {
    for (const res of [...this.streams]) res.end();
    this.streams.clear();
  }
}
