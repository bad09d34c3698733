/**
 * A byte-exact RFB peer for the security tests: it keeps what the server sent and reads it back in exact
 * pieces, over TCP or over the web console's WebSocket, so a test can say "after the version, exactly this
 * and then the close" — which a real client (ours included) would hide.
 */
import { connect } from "node:net";
import { WebSocket } from "ws";

export type PeerTarget = { tcp: number } | { wsUrl: string };

export interface RfbPeer {
  write(bytes: Uint8Array): void;
  /** the next `n` bytes the server sends; rejects when it closes first */
  read(n: number): Promise<Buffer>;
  /** everything received and not read yet, once the server has closed */
  rest(): Promise<Buffer>;
  destroy(): void;
}

export async function openPeer(target: PeerTarget): Promise<RfbPeer> {
  let buffered = Buffer.alloc(0);
  let closed = false;
  let wake: (() => void) | undefined;
  const arrived = (d: Buffer): void => {
    buffered = Buffer.concat([buffered, d]);
    wake?.();
  };
  const ended = (): void => {
    closed = true;
    wake?.();
  };
  let send: (b: Uint8Array) => void;
  let destroy: () => void;
  if ("tcp" in target) {
    const s = connect(target.tcp, "127.0.0.1");
    s.on("error", () => {});
    s.on("data", arrived);
    s.on("close", ended);
    await new Promise<void>((resolve, reject) => {
      s.once("connect", resolve);
      s.once("error", reject);
    });
    send = (b) => void s.write(b);
    destroy = () => void s.destroy();
  } else {
    const ws = new WebSocket(target.wsUrl, ["binary"]);
    ws.on("error", () => {});
    ws.on("message", (d: Buffer) => arrived(d));
    ws.on("close", ended);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    send = (b) => ws.send(b);
    destroy = () => ws.terminate();
  }
  const waitUntil = async (done: () => boolean): Promise<void> => {
    while (!done()) {
      if (closed) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  };
  return {
    write: (b) => send(b),
    async read(n) {
      await waitUntil(() => buffered.length >= n);
      if (buffered.length < n) throw new Error(`the server closed after ${buffered.length} of ${n} bytes: ${JSON.stringify(buffered.toString("latin1"))}`);
      const out = buffered.subarray(0, n);
      buffered = buffered.subarray(n);
      return out;
    },
    async rest() {
      await waitUntil(() => false);
      const out = buffered;
      buffered = Buffer.alloc(0);
      return out;
    },
    destroy: () => destroy(),
  };
}

/** A 3.8 failure reason: u32 length, then the text. */
export async function readReason(peer: RfbPeer): Promise<string> {
  const n = (await peer.read(4)).readUInt32BE(0);
  return (await peer.read(n)).toString("utf8");
}
