/**
 * A VNC server on a free port over a Console the test controls: a still picture it can change, a size
 * handler and an input sink that record what clients asked for. For protocol tests with our own client.
 */
import { Console, type ConsoleInputEvent } from "../../src/display/console.ts";
import type { DamageList } from "../../src/display/damage-tracker.ts";
import { RfbClient, type RfbClientOptions } from "../../src/rfb/client/rfb-client.ts";
import { RfbServer, type RfbServerOptions } from "../../src/rfb/server.ts";
import { NoneSecurity } from "../../src/rfb/security/none.ts";
import type { Logger } from "../../src/rfb/logger.ts";

export interface Recorded {
  inputs: ConsoleInputEvent[];
  clipboard: string[];
  sizeRequests: Array<{ width: number; height: number }>;
  logs: string[];
}

/** A picture with solid areas, a gradient, text-like detail and noise: every encoder path gets used. */
export function testPicture(width: number, height: number, seed = 1): Uint32Array {
  const px = new Uint32Array(width * height);
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v: number;
      if (y < height / 4) v = 0x203040;
      else if (y < height / 2) v = (((x * 255) / width) << 16) | (((y * 255) / height) << 8) | 0x80;
      else if (x < width / 2) v = (x >> 2) % 3 === 0 && (y >> 1) % 2 === 0 ? 0xffffff : 0x101010;
      else v = rnd() & 0xffffff;
      px[y * width + x] = v;
    }
  }
  return px;
}

export async function startServer(
  options: { width?: number; height?: number; sizeHandler?: "forward" | "none" } & Partial<RfbServerOptions> = {},
) {
  const width = options.width ?? 200;
  const height = options.height ?? 120;
  const con = new Console("test-console");
  const pixels = testPicture(width, height);
  con.publishSurface({ width, height, pixels });
  const rec: Recorded = { inputs: [], clipboard: [], sizeRequests: [], logs: [] };
  con.setInputSink({ input: (e) => rec.inputs.push(e), clipboard: (t) => rec.clipboard.push(t) });
  if (options.sizeHandler !== "none") {
    con.setSizeRequestHandler((w, h) => {
      rec.sizeRequests.push({ width: w, height: h });
      return "forwarded";
    });
  }
  const log: Logger = {
    debug: () => {},
    info: (_f, m) => rec.logs.push(m),
    warn: (_f, m) => rec.logs.push(m),
    error: (_f, m) => rec.logs.push(m),
  };
  const server = new RfbServer({
    security: [new NoneSecurity()],
    log,
    ...options,
    console: con,
    tcp: { host: "127.0.0.1", port: 0 },
    websocket: { host: "127.0.0.1", port: 0 },
  });
  const ports = await server.listen();
  const connect = (opts: RfbClientOptions = {}, transport: "tcp" | "websocket" = "tcp"): Promise<RfbClient> =>
    transport === "tcp"
      ? RfbClient.connect({ host: "127.0.0.1", port: ports.tcp!.port }, opts)
      : RfbClient.connect({ url: `ws://127.0.0.1:${ports.websocket!.port}/` }, opts);
  /** Change a rectangle of the picture and publish it as one frame's damage. */
  const paint = (x: number, y: number, w: number, h: number, colour: number): void => {
    for (let yy = y; yy < y + h; yy++) pixels.fill(colour, yy * width + x, yy * width + x + w);
    const d: DamageList = { count: 1, rects: [{ x, y, w, h }] };
    con.publishUpdate(d);
  };
  return { server, console: con, pixels, width, height, rec, ports, connect, paint, close: () => server.close() };
}

/** Wait until `cond` holds (polling), or fail after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Bring every client up to date, have them all ask, then `paint` one frame: the encode cache's misses and
 * hits for that frame once every client has its update (same settings share an encoding, others do not).
 */
export async function encodesOfOneFrame(s: { server: RfbServer }, clients: readonly RfbClient[], paint: () => void): Promise<{ misses: number; hits: number }> {
  await Promise.all(clients.map((c) => fullUpdate(c)));
  const before = { ...s.server.stats };
  const all = clients.map((c) => c.nextUpdate((u) => u.pixels > 0));
  for (const c of clients) void c.requestUpdate({ incremental: true }).catch(() => {});
  await new Promise((r) => setTimeout(r, 30));
  paint();
  await Promise.all(all);
  const after = s.server.stats;
  return { misses: after.encodeCacheMisses - before.encodeCacheMisses, hits: after.encodeCacheHits - before.encodeCacheHits };
}

/** Ask for a full update and wait until the client's framebuffer has pixels from it. */
export async function fullUpdate(client: RfbClient): Promise<void> {
  const got = client.nextUpdate((s) => s.pixels > 0);
  void client.requestUpdate({ incremental: false }).catch(() => {});
  await got;
}
