/**
 * The viewers of the VNC server benchmark, in a process of their own so their decoding is not counted as
 * server CPU. Client 0 is our full client (decodes every update); the others only read and discard, like a
 * viewer on a fast link. All use continuous updates. Prints "ready" once every client has its first frame.
 *   node --import tsx bench/rfb-bench-clients.ts <port> <clients> <encodings comma-separated> <pixel format: xrgb|rgbx>
 */
import { connect } from "node:net";
import { RfbClient } from "../src/rfb/client/rfb-client.ts";
import { PseudoEncoding } from "../src/rfb/encodings.ts";
import { RGBX_PIXEL_FORMAT, SERVER_PIXEL_FORMAT, encodePixelFormat } from "../src/rfb/pixel-format.ts";

const [portArg, countArg, encArg, pfArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const encodings = [...encArg!.split(",").map(Number), PseudoEncoding.ContinuousUpdates, PseudoEncoding.Fence, PseudoEncoding.ExtendedDesktopSize];
const format = pfArg === "rgbx" ? RGBX_PIXEL_FORMAT : SERVER_PIXEL_FORMAT;
// the drain clients parse nothing, so they cannot answer fences: without Fence the server does not pace them
const drainEncodings = encodings.filter((e) => e !== PseudoEncoding.Fence);

async function drainClient(): Promise<void> {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  let stage = 0;
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("data", (d: Buffer) => {
      got += d.length;
      if (stage === 0 && got >= 12) {
        socket.write("RFB 003.008\n");
        stage = 1;
      } else if (stage === 1 && got >= 14) {
        socket.write(Buffer.of(1));
        stage = 2;
      } else if (stage === 2 && got >= 18) {
        socket.write(Buffer.of(1));
        stage = 3;
      } else if (stage === 3 && got >= 18 + 24) {
        const pf = Buffer.alloc(20);
        encodePixelFormat(format, pf, 4);
        const enc = Buffer.alloc(4 + 4 * drainEncodings.length);
        enc[0] = 2;
        enc.writeUInt16BE(drainEncodings.length, 2);
        drainEncodings.forEach((e, i) => enc.writeInt32BE(e, 4 + 4 * i));
        const req = Buffer.from([3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        const cu = Buffer.from([150, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        socket.write(Buffer.concat([pf, enc, req, cu]));
        stage = 4;
        resolve();
      }
    });
  });
}

const main = await RfbClient.connect({ host: "127.0.0.1", port }, { pixelFormat: format, encodings });
const first = main.nextUpdate((u) => u.pixels > 0);
void main.requestUpdate({ incremental: false }).catch(() => {});
await first;
main.enableContinuousUpdates(true, { x: 0, y: 0, width: main.framebuffer.width, height: main.framebuffer.height });
await Promise.all(Array.from({ length: count - 1 }, () => drainClient()));
let updates = 0;
let bytes = 0;
main.on("update", (u: { bytes: number }) => {
  updates++;
  bytes += u.bytes;
});
console.log("ready");
process.stdin.on("data", () => {
  console.log(JSON.stringify({ updates, bytes }));
  process.exit(0);
});
