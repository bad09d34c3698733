/**
 * The one benchmark viewer for every server in the comparison (ours, libvncserver, Xvnc): our strict RFB
 * client in a process of its own. It uses ContinuousUpdates when the server announces them (ours, Xvnc),
 * else keeps one incremental request outstanding, re-sent as soon as each update arrives (libvncserver).
 *
 *   node --import tsx bench/comparison-client.ts <port> <encodings, comma-separated> <lossy 0|1> <frames file> <width> <height> <frames>
 * stdout "connected <cu|requests>" once the first whole screen is in;
 * stdin  "expect <i>" -> "armed <i>": frame i is about to be put; when the decoded screen shows it,
 *        "got <i> <CLOCK_MONOTONIC ns> <bytes received so far> <updates so far>", and at once the client
 *        arms itself for frame i+1 ("armed <i+1>"). Every frame is read and its changed blocks found once,
 *        before connecting, so arming is only picking that list;
 *        "stop" -> exits.
 * "Shows it": every 16×16 block that differs from the previous frame now matches it — exactly for lossless
 * encodings; for JPEG, the block's mean brightness is nearer this frame's than the previous frame's (blocks
 * whose mean hardly changes are not judged, as JPEG may legitimately blur them). A frame equal to the
 * previous one has nothing to deliver and is answered at once ("unchanged"); a lossy frame whose changed
 * blocks are all too faint to judge is taken as shown by the first update after it.
 */
import { closeSync, openSync } from "node:fs";
import { createInterface } from "node:readline";
import { RfbClient, type UpdateStats } from "../src/rfb/client/rfb-client.ts";
import { PseudoEncoding } from "../src/rfb/encodings.ts";
import { SERVER_PIXEL_FORMAT } from "../src/rfb/pixel-format.ts";
import { readFrame, type FrameFile } from "./frame-recording.ts";

const BLOCK = 16;
/** a lossy block is judged only when its mean (R+G+B) moves by at least this much between frames */
const MIN_LOSSY_CHANGE = 24;

const [portArg, encArg, lossyArg, path, w, h, n] = process.argv.slice(2);
const lossy = lossyArg === "1";
const file: FrameFile = { path: path!, scene: "desktop", width: Number(w), height: Number(h), frames: Number(n) };
const fd = openSync(file.path, "r");
const encodings = [...encArg!.split(",").map(Number), PseudoEncoding.ContinuousUpdates, PseudoEncoding.Fence];
const { width, height } = file;
const blocksX = Math.ceil(width / BLOCK);
const blocksY = Math.ceil(height / BLOCK);

/** What frame i must change on screen: the blocks to watch and (lossy) each one's target and previous mean. */
interface FrameCheck {
  pixels: Uint32Array;
  blocks: Int32Array;
  targetMean: Float64Array;
  previousMean: Float64Array;
  /** blocks that differ from the frame before, watched or (lossy, too faint) not */
  changed: number;
}

function blockMean(px: Uint32Array, b: number): number {
  const x0 = (b % blocksX) * BLOCK;
  const y0 = Math.floor(b / blocksX) * BLOCK;
  const x1 = Math.min(width, x0 + BLOCK);
  const y1 = Math.min(height, y0 + BLOCK);
  let sum = 0;
  for (let y = y0; y < y1; y++) {
    for (let i = y * width + x0, end = y * width + x1; i < end; i++) {
      const v = px[i]!;
      sum += ((v >>> 16) & 0xff) + ((v >>> 8) & 0xff) + (v & 0xff);
    }
  }
  return sum / ((x1 - x0) * (y1 - y0));
}

function blockEqual(a: Uint32Array, b: Uint32Array, block: number): boolean {
  const x0 = (block % blocksX) * BLOCK;
  const y0 = Math.floor(block / blocksX) * BLOCK;
  const x1 = Math.min(width, x0 + BLOCK);
  const y1 = Math.min(height, y0 + BLOCK);
  for (let y = y0; y < y1; y++) for (let i = y * width + x0, end = y * width + x1; i < end; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The blocks of `now` that differ from `before`. */
function frameCheck(now: Uint32Array, before: Uint32Array): FrameCheck {
  const blocks: number[] = [];
  const targets: number[] = [];
  const previous: number[] = [];
  let changed = 0;
  // a band of 16 unchanged rows is skipped with one native compare
  const nowBytes = Buffer.from(now.buffer, now.byteOffset, now.byteLength);
  const beforeBytes = Buffer.from(before.buffer, before.byteOffset, before.byteLength);
  const bandBytes = width * BLOCK * 4;
  for (let b = 0; b < blocksX * blocksY; b++) {
    if (b % blocksX === 0) {
      const start = (b / blocksX) * bandBytes;
      const end = Math.min(nowBytes.length, start + bandBytes);
      if (nowBytes.compare(beforeBytes, start, end, start, end) === 0) {
        b += blocksX - 1;
        continue;
      }
    }
    if (blockEqual(now, before, b)) continue;
    changed++;
    if (lossy) {
      const target = blockMean(now, b);
      const was = blockMean(before, b);
      if (Math.abs(target - was) < MIN_LOSSY_CHANGE) continue;
      targets.push(target);
      previous.push(was);
    }
    blocks.push(b);
  }
  return { pixels: now, blocks: Int32Array.from(blocks), targetMean: Float64Array.from(targets), previousMean: Float64Array.from(previous), changed };
}

// Every frame is read and its changed blocks found before connecting: arming for a frame is then only
// picking its check, so the viewer does no reading or comparing while the servers are measured (at 4K,
// reading a 33 MB frame and comparing it took 6–40 ms on a busy host: more than a 60 Hz slot).
const frames: Uint32Array[] = [];
for (let i = 0; i < file.frames; i++) {
  const px = new Uint32Array(width * height);
  readFrame(fd, file, i, px);
  frames.push(px);
}
closeSync(fd);
/** checks[i] for i >= 1; frame 0 is judged against what the screen shows when it is armed */
const checks: Array<FrameCheck | undefined> = frames.map((px, i) => (i === 0 ? undefined : frameCheck(px, frames[i - 1]!)));

const client = await RfbClient.connect({ host: "127.0.0.1", port: Number(portArg) }, { pixelFormat: SERVER_PIXEL_FORMAT, encodings, timeoutMs: 20_000 });
if (client.framebuffer.width !== width || client.framebuffer.height !== height) {
  throw new Error(`server screen ${client.framebuffer.width}x${client.framebuffer.height}, frames ${width}x${height}`);
}
/** blocks of the armed frame not yet seen on screen */
const pending = new Int32Array(blocksX * blocksY);
/** the watched blocks' index into the armed check's means */
const pendingSlot = new Int32Array(blocksX * blocksY);
let armedCheck: FrameCheck | undefined;
let pendingCount = 0;
let expecting = -1;
/** the armed frame equals what is on screen: nothing to deliver */
let unchanged = false;
let bytes = 0;
let updates = 0;

/** Arm for frame i: the blocks that differ from frame i-1 (from the screen as it is, for frame 0). */
function arm(i: number): void {
  const check = checks[i] ?? frameCheck(frames[i]!, Uint32Array.from(client.framebuffer.pixels));
  armedCheck = check;
  pending.set(check.blocks);
  for (let k = 0; k < check.blocks.length; k++) pendingSlot[k] = k;
  pendingCount = check.blocks.length;
  expecting = i;
  unchanged = check.changed === 0;
}

/** Drop the pending blocks the screen now shows; true when none is left. */
function settled(): boolean {
  const fb = client.framebuffer.pixels;
  const check = armedCheck!;
  let keep = 0;
  for (let k = 0; k < pendingCount; k++) {
    const b = pending[k]!;
    const slot = pendingSlot[k]!;
    const shown = lossy
      ? Math.abs(blockMean(fb, b) - check.targetMean[slot]!) < Math.abs(blockMean(fb, b) - check.previousMean[slot]!)
      : blockEqual(fb, check.pixels, b);
    if (!shown) {
      pending[keep] = b;
      pendingSlot[keep++] = slot;
    }
  }
  pendingCount = keep;
  return keep === 0;
}

/** `at`: when the update was decoded, before the check (which is the viewer's cost, not the server's) */
function report(at: bigint): void {
  if (expecting < 0 || !settled()) return;
  const i = expecting;
  console.log(`got ${i} ${at} ${bytes} ${updates}${unchanged ? " unchanged" : ""}`);
  expecting = -1;
  if (i + 1 < file.frames) armAndTell(i + 1);
}

function armAndTell(i: number): void {
  arm(i);
  console.log(`armed ${i}`);
  // nothing to deliver (the frame equals what is on screen): answered now. A lossy frame whose changes are
  // all too faint to judge is settled by the first update after it is put.
  if (unchanged) report(process.hrtime.bigint());
}

let continuous = false;
client.on("update", (u: UpdateStats) => {
  const at = process.hrtime.bigint();
  bytes += u.bytes;
  updates++;
  if (!continuous) void client.requestUpdate({ incremental: true }).catch(() => {});
  report(at);
});
client.on("close", (e: Error) => {
  console.error(`comparison client: ${e.message}`);
  process.exit(3);
});

await client.requestUpdate({ incremental: false });
if (client.continuousUpdatesSupported) {
  continuous = true;
  client.enableContinuousUpdates(true);
} // else the update handler has already sent the next incremental request
console.log(`connected ${continuous ? "cu" : "requests"}`);

for await (const line of createInterface({ input: process.stdin })) {
  const m = /^expect (\d+)$/.exec(line);
  if (!m) break;
  const i = Number(m[1]);
  // already armed for it by itself (frame i-1 arrived late, after the bench gave up on it)
  if (expecting === i) console.log(`armed ${i}`);
  else armAndTell(i);
}
client.close();
process.exit(0);
