/**
 * Our VNC server fed the recorded frames as in real use: a model mbochs-large vGPU whose guest copies each
 * frame into its VRAM and shows it (the desktop alternates two buffers with page flips, as the compositor
 * that drew it does; the others draw in place), the display consumer refreshing from the vGPU, and our
 * server on its console. Runs as its own process so the bench can read its CPU from /proc.
 *
 *   node --import tsx bench/ours-feeder.ts <frames file> <scene> <width> <height> <frames>
 * stdout "listening <port>"; stdin "put <i>" -> "ready <i> <frame-ready CLOCK_MONOTONIC ns> <guest CPU ns so far>"
 * The guest's copy (pread into VRAM + the flip) and this script's own talking to the bench are timed with
 * the main thread's CPU clock around them (both run on it) and reported, so the bench counts only the
 * consumer's and server's share of the CPU.
 */
import { openSync } from "node:fs";
import { NoneSecurity } from "../src/rfb/security/none.ts";
import { RfbServer } from "../src/rfb/server.ts";
import { readFrame, type FrameFile, type RecordedScene } from "./frame-recording.ts";
import { mbochsWithConsumer } from "./model-display.ts";
import { onPutCommands } from "./put-commands.ts";
import { callingThreadCpuMs } from "./thread-cpu.ts";

const [path, scene, w, h, n] = process.argv.slice(2);
const file: FrameFile = { path: path!, scene: scene as RecordedScene, width: Number(w), height: Number(h), frames: Number(n) };
const fd = openSync(file.path, "r");
const { display, consumer } = mbochsWithConsumer(file.width, file.height, { refreshHz: 1 });
const flips = file.scene === "desktop" && display.bufferCount > 1;
const buffers = [0, 1].filter((b) => b < display.bufferCount).map((b) => display.buffer(b));
if (buffers.some((b) => b.stridePixels !== file.width)) throw new Error(`VRAM stride differs from ${file.width}: not a packed mode`);
display.present(0);
consumer.start();
consumer.refresh();
const server = new RfbServer({ console: consumer.console, tcp: { host: "127.0.0.1", port: 0 }, security: [new NoneSecurity()] });
const { tcp } = await server.listen();
console.log(`listening ${tcp!.port}`);

let guestCpuMs = 0;

function put(i: number): void {
  const c0 = callingThreadCpuMs();
  const n = flips ? i % 2 : 0;
  readFrame(fd, file, i, buffers[n]!.pixels);
  display.present(n);
  const ready = process.hrtime.bigint();
  guestCpuMs += callingThreadCpuMs() - c0;
  consumer.refresh(); // the consumer's next tick; its compare, copy and the encodes it triggers are ours
  const c1 = callingThreadCpuMs();
  process.stdout.write(`ready ${i} ${ready} ${Math.round(guestCpuMs * 1e6)}\n`);
  guestCpuMs += callingThreadCpuMs() - c1;
}

onPutCommands(put);
process.stdin.on("end", () => {
  void server.close().then(() => {
    consumer.stop();
    process.exit(0);
  });
});
