/**
 * The soak's viewers, in a child process of their own (bench/soak.ts forks one per SOAK_VIEWERS_PER_PROCESS
 * clients): 200 viewers decoding every update on the soak's own thread starved the thread that also runs
 * the guest's register accesses, the consumer and the server, so the guest missed its mode changes. Here
 * they decode on other cores, and the soak's RSS is the server's alone.
 *
 *   node --import tsx bench/soak-viewers.ts <port> <first client index> <count>
 *
 * Talks over the IPC channel: the parent sends ViewerCommand, this process answers each with one
 * ViewerReply carrying the same `seq`. "ready" is sent once every client is connected.
 */
import { RfbClient } from "../src/rfb/client/rfb-client.ts";
import { Encoding, PseudoEncoding } from "../src/rfb/encodings.ts";
import type { PixelFormat } from "../src/rfb/pixel-format.ts";
import { SERVER_PIXEL_FORMAT } from "../src/rfb/pixel-format.ts";

export type ViewerCommand =
  | { seq: number; cmd: "stats" }
  /** forget the updates counted so far (before a mode change whose frames must arrive) */
  | { seq: number; cmd: "reset-recent" }
  | { seq: number; cmd: "set-desktop-size"; index: number; width: number; height: number }
  | { seq: number; cmd: "close" };

export interface ViewerStats {
  index: number;
  kind: string;
  updates: number;
  bytes: number;
  /** updates since the last reset-recent */
  recent: number;
  width: number;
  height: number;
  /** why the connection ended, if it did */
  lost?: string;
}

export type ViewerReply = { seq: number; ok: true; viewers?: ViewerStats[] } | { seq: number; ok: false; error: string };

const BGR233: PixelFormat = { bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 };
const RGB565: PixelFormat = { bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 };

/** noVNC 1.x's list, in its order (Tight JPEG at its default quality 6, compression 2). */
const NOVNC_ENCODINGS = [
  Encoding.CopyRect, Encoding.Tight, Encoding.TightPNG, Encoding.Hextile, Encoding.Raw,
  PseudoEncoding.QualityLevel0 + 6, PseudoEncoding.CompressLevel0 + 2,
  PseudoEncoding.DesktopSize, PseudoEncoding.LastRect, PseudoEncoding.ExtendedDesktopSize, PseudoEncoding.DesktopName, PseudoEncoding.VMwareCursor,
];
/** TigerVNC's vncviewer: Tight first, continuous updates with fences, the rich cursor. */
const TIGER_ENCODINGS = [
  Encoding.Tight, Encoding.ZRLE, Encoding.Hextile, Encoding.CopyRect, Encoding.Raw, PseudoEncoding.CompressLevel0 + 2,
  PseudoEncoding.Cursor, PseudoEncoding.DesktopSize, PseudoEncoding.ExtendedDesktopSize, PseudoEncoding.LastRect, PseudoEncoding.Fence, PseudoEncoding.ContinuousUpdates,
];

interface Viewer {
  index: number;
  client: RfbClient;
  kind: string;
  updates: number;
  bytes: number;
  recent: number;
  lost?: string;
}

/** The i-th client's settings: alternately noVNC-like (32 bpp) and TigerVNC-like (32, 16 or 8 bpp). */
async function openViewer(port: number, index: number): Promise<Viewer> {
  const tiger = index % 2 === 1;
  const pixelFormat = tiger ? [SERVER_PIXEL_FORMAT, RGB565, BGR233][(index >> 1) % 3]! : SERVER_PIXEL_FORMAT;
  const client = await RfbClient.connect({ host: "127.0.0.1", port }, { encodings: tiger ? TIGER_ENCODINGS : NOVNC_ENCODINGS, pixelFormat, timeoutMs: 60_000 });
  const v: Viewer = { index, client, kind: tiger ? `tigervnc-${pixelFormat.bitsPerPixel}bpp` : "novnc", updates: 0, bytes: 0, recent: 0 };
  client.on("update", (u: { bytes: number }) => {
    v.updates++;
    v.recent++;
    v.bytes += u.bytes;
    // noVNC asks again after each update; TigerVNC has continuous updates on
    if (!tiger) void client.requestUpdate({ incremental: true }).catch(() => {});
  });
  client.once("close", (e: Error) => {
    v.lost = e.message;
  });
  if (tiger) {
    // TigerVNC turns continuous updates on once the server has said it supports them
    client.once("end-of-continuous-updates", () => {
      client.enableContinuousUpdates(true, { x: 0, y: 0, width: 0xffff, height: 0xffff });
    });
  }
  void client.requestUpdate({ incremental: false }).catch(() => {});
  return v;
}

const stats = (v: Viewer): ViewerStats => ({
  index: v.index,
  kind: v.kind,
  updates: v.updates,
  bytes: v.bytes,
  recent: v.recent,
  width: v.client.framebuffer.width,
  height: v.client.framebuffer.height,
  ...(v.lost !== undefined ? { lost: v.lost } : {}),
});

function parseArgs(argv: string[]): { port: number; first: number; count: number } {
  const [port, first, count] = argv.map(Number);
  const ok = (n: number | undefined, min: number, max: number): n is number => Number.isInteger(n) && n! >= min && n! <= max;
  if (!ok(port, 1, 65535) || !ok(first, 0, 1e6) || !ok(count, 1, 10_000)) {
    console.error("usage: soak-viewers.ts <port> <first client index> <count>");
    process.exit(2);
  }
  return { port, first, count };
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error("soak-viewers.ts runs as a child of bench/soak.ts (it needs the IPC channel)");
    process.exit(2);
  }
  const send = (m: ViewerReply | { ready: true }): void => void process.send!(m);
  const { port, first, count } = parseArgs(process.argv.slice(2));
  const viewers: Viewer[] = [];
  // commands are served as soon as the channel is up; "ready" tells the parent all clients are in
  process.on("message", (m: ViewerCommand) => {
    try {
      switch (m.cmd) {
        case "stats":
          return send({ seq: m.seq, ok: true, viewers: viewers.map(stats) });
        case "reset-recent":
          for (const v of viewers) v.recent = 0;
          return send({ seq: m.seq, ok: true });
        case "set-desktop-size": {
          const v = viewers.find((x) => x.index === m.index);
          if (!v) return send({ seq: m.seq, ok: false, error: `no viewer ${m.index} here` });
          v.client.setDesktopSize(m.width, m.height);
          return send({ seq: m.seq, ok: true });
        }
        case "close":
          for (const v of viewers) v.client.close();
          send({ seq: m.seq, ok: true });
          process.disconnect();
          return;
      }
    } catch (e) {
      send({ seq: m.seq, ok: false, error: (e as Error).message });
    }
  });
  for (let i = 0; i < count; i++) viewers.push(await openViewer(port, first + i));
  send({ ready: true });
}

await main();
