/**
 * The event-loop floor: what a frame costs a server in CPU when it does nothing but be woken for it, send a
 * 45-byte update and read the client's answer — in C (bench/peers/floor-server.c) and in Node
 * (bench/floor-server.ts), paced at 60 Hz like the comparison, CPU from /proc as for the servers. Every
 * server in the comparison pays its language's floor on every frame on top of the pixel work, so where a
 * frame's pixel work is small (a typed character) the floor is most of what it costs.
 */
import { connect, type Socket } from "node:net";
import { LineChild } from "./line-child.ts";
import { processCpuMs } from "./proc-stats.ts";
import { untilSlot } from "./frame-slot.ts";

export interface EventLoopFloor {
  frames: number;
  /** CPU ms a frame, C floor server */
  cMs: number;
  /** CPU ms a frame, Node floor server */
  nodeMs: number;
}

const HERE = new URL(".", import.meta.url).pathname;
const UPDATE_BYTES = 45;
const ANSWER = Buffer.alloc(17, 0);
ANSWER[0] = 248;
const FRAME_MS = 1000 / 60;

/** CPU ms a frame of one floor server over `frames` frames, after `warm` unmeasured ones. */
async function floorOf(name: string, command: string, args: string[], warm: number, frames: number): Promise<number> {
  const server = new LineChild(name, command, args);
  let socket: Socket | undefined;
  try {
    const [, port] = await server.expect("listening", 30_000);
    socket = connect(Number(port), "127.0.0.1");
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket!.once("connect", resolve).once("error", reject));
    let received = 0;
    let whole: (() => void) | undefined;
    socket.on("data", (d: Buffer) => {
      received += d.length;
      while (received >= UPDATE_BYTES) {
        received -= UPDATE_BYTES;
        socket!.write(ANSWER);
        whole?.();
      }
    });
    let start = 0;
    let slot = performance.now();
    for (let i = 0; i < warm + frames; i++) {
      if (i === warm) start = processCpuMs(server.pid);
      slot += FRAME_MS;
      await untilSlot(slot);
      const got = new Promise<void>((resolve) => (whole = resolve));
      server.send(`put ${i}`);
      await server.expect("ready", 10_000, i);
      await got;
    }
    return (processCpuMs(server.pid) - start) / frames;
  } finally {
    socket?.destroy();
    await server.stop();
  }
}

export async function measureEventLoopFloor(floorServerC: string, quick: boolean): Promise<EventLoopFloor> {
  const [warm, frames] = quick ? [5, 20] : [60, 300];
  const cMs = await floorOf("C floor server", floorServerC, [], warm, frames);
  const nodeMs = await floorOf("Node floor server", process.execPath, ["--import", "tsx", `${HERE}floor-server.ts`], warm, frames);
  return { frames, cMs, nodeMs };
}
