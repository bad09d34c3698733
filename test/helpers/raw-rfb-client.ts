/**
 * Raw RFB peers for hostile-client tests: they speak just enough of the handshake (3.8, security None) and
 * then send exactly the bytes a test gives, or stop reading. Over TCP, or over a WebSocket carrying the
 * same stream in binary messages. Our RfbClient is too well-behaved for this.
 */
import { connect, type Socket } from "node:net";
import { WebSocket } from "ws";

export interface RawRfbClient {
  write(bytes: Uint8Array): void;
  /** bytes received so far */
  received(): number;
  /** everything received so far, handshake included (only when opened with `keep`) */
  bytes(): Buffer;
  /** stop reading: the kernel buffers fill, then the server's output queue */
  pause(): void;
  /** read again */
  resume(): void;
  /** while paused, read at most `n` of the bytes that arrived (a reader slower than the link; TCP only) */
  readAtMost(n: number): void;
  destroy(): void;
  /** resolves when the connection is gone; the WebSocket close code if there was one */
  readonly closed: Promise<{ code?: number }>;
}

type Target = ({ tcp: number } | { ws: number }) & { keep?: boolean };

/** Open a connection and complete the None handshake (ServerInit received). */
export async function rawRfbClient(target: Target): Promise<RawRfbClient> {
  const c = "tcp" in target ? tcpPeer(target.tcp, target.keep ?? false) : await wsPeer(target.ws, target.keep ?? false);
  await c.waitFor(12);
  c.write(Buffer.from("RFB 003.008\n"));
  await c.waitFor(12 + 2);
  c.write(Buffer.of(1));
  await c.waitFor(12 + 2 + 4);
  c.write(Buffer.of(1));
  await c.waitFor(12 + 2 + 4 + 24);
  return c;
}

interface Peer extends RawRfbClient {
  waitFor(total: number): Promise<void>;
}

function counting(keep: boolean): { add(d: Buffer): void; total(): number; bytes(): Buffer; waitFor(n: number, closed: Promise<unknown>): Promise<void> } {
  let total = 0;
  const kept: Buffer[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  return {
    add(d) {
      total += d.length;
      if (keep) kept.push(Buffer.from(d));
      for (let i = waiters.length - 1; i >= 0; i--) if (total >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
    },
    total: () => total,
    bytes: () => {
      if (!keep) throw new Error("bytes(): open the client with keep: true");
      return Buffer.concat(kept);
    },
    waitFor(n, closed) {
      if (total >= n) return Promise.resolve();
      return Promise.race([
        new Promise<void>((resolve) => waiters.push({ n, resolve })),
        closed.then(() => {
          throw new Error(`the server closed the connection after ${total} bytes (waiting for ${n})`);
        }),
      ]);
    },
  };
}

function tcpPeer(port: number, keep: boolean): Peer {
  const socket: Socket = connect(port, "127.0.0.1");
  const count = counting(keep);
  socket.on("error", () => {});
  socket.on("data", (d: Buffer) => count.add(d));
  const closed = new Promise<{ code?: number }>((r) => socket.once("close", () => r({})));
  return {
    write: (b) => void socket.write(b),
    received: count.total,
    bytes: count.bytes,
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    readAtMost: (n) => {
      const have = socket.readableLength;
      if (have > 0) socket.read(Math.min(n, have)); // emits "data", which counts it
    },
    destroy: () => void socket.destroy(),
    closed,
    waitFor: (n) => count.waitFor(n, closed),
  };
}

async function wsPeer(port: number, keep: boolean): Promise<Peer> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, ["binary"]);
  const count = counting(keep);
  ws.on("error", () => {});
  ws.on("message", (d: Buffer) => count.add(d));
  const closed = new Promise<{ code?: number }>((r) => ws.once("close", (code) => r({ code })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    write: (b) => ws.send(b),
    received: count.total,
    bytes: count.bytes,
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    readAtMost: () => {
      throw new Error("readAtMost: TCP only");
    },
    destroy: () => ws.terminate(),
    closed,
    waitFor: (n) => count.waitFor(n, closed),
  };
}
