/**
 * When the device behind a VNC server's console is gone (hot-unplugged, mdev removed): every client is
 * shown a last frame that says so, then closed with the reason (one log line each), and the server stops
 * listening, so a viewer ends with an explanation rather than a frozen picture or a reset. Other devices'
 * servers are not touched. QEMU keeps clients on a placeholder surface; with the device gone for good we
 * let them go, as a VMM that destroys the display does.
 */
import type { Console } from "../display/console.ts";
import { terminus16 } from "../guest/font/terminus.ts";
import { drawText, fillRect } from "../guest/workloads/draw.ts";
import type { RfbServer } from "./server.ts";

const BACKGROUND = 0x202020;
const TEXT = 0xe0e0e0;

export interface RetireOptions {
  /** how long to wait for clients to take the last frame before closing them (default 2 s) */
  flushMs?: number;
}

/** Show `reason` as the last frame, close every client with it, stop listening. Resolves when done. */
export async function retireServer(server: RfbServer, console: Console, reason: string, options: RetireOptions = {}): Promise<void> {
  paintReason(console, reason);
  await server.whenCaughtUp(options.flushMs ?? 2000);
  for (const c of server.connections) c.close(reason);
  await server.close();
}

/**
 * Draw the reason over the console's surface, in place, and publish it as one frame. Only for a console
 * whose producer has stopped (nothing else writes the surface any more).
 */
function paintReason(console: Console, reason: string): void {
  const s = console.surface;
  if (!s) return;
  const image = { width: s.width, height: s.height, stridePixels: s.width, pixels: s.pixels };
  fillRect(image, 0, 0, s.width, s.height, BACKGROUND);
  const font = terminus16();
  const x = Math.max(0, Math.floor((s.width - reason.length * font.width) / 2));
  drawText(image, font, x, Math.max(0, Math.floor((s.height - font.height) / 2)), reason, TEXT);
  console.publishUpdate({ count: 1, rects: [{ x: 0, y: 0, w: s.width, h: s.height }] });
}
