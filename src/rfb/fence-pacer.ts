/**
 * Pacing of continuous updates by fences, for clients that have both (TigerVNC's viewer, noVNC): after an
 * update, the server sends a fence request (BlockBefore); the client answers it only once it has handled
 * everything sent before it. Bytes sent after the last answered fence are in flight: in the kernel's socket
 * buffers, on the wire or in the client's backlog. Without this, our own buffer stays under one framebuffer
 * but the socket buffers on both ends (several MB on Linux) fill with stale frames, and a slow link or a
 * slow client lags seconds behind the guest. TigerVNC's server paces the same way.
 *
 * A fence follows every update, at most MAX_UPDATES_IN_FLIGHT of them out; when one is answered and more
 * was sent after the last fence, the next goes at once.
 */
import { FenceFlag, serverFence } from "./server-messages.ts";

/** Marks our fences' payloads (a client's own fences, and our initial probe, carry other payloads). */
const MAGIC = 0x76666470; // "vfdp"
const PAYLOAD_BYTES = 8;

/**
 * Updates that may be out beyond the last one the client was seen to handle: two keep the client busy
 * while the next is encoded and on its way (one would halve the frame rate over a link with latency),
 * and bound how stale what it shows can get to about two updates' decoding time.
 */
export const MAX_UPDATES_IN_FLIGHT = 2;

interface Outstanding {
  seq: number;
  since: number;
  /** update bytes sent when this fence went out */
  sent: number;
}

export class FencePacer {
  private seq = 0;
  /** fences out, oldest first (answers come in order) */
  private readonly outstanding: Outstanding[] = [];
  /** update bytes the client has handled (sent before its last answer) */
  private acknowledged = 0;

  /**
   * Whether another update may go: fewer than MAX_UPDATES_IN_FLIGHT fenced and at most `limitBytes` in
   * flight. With no fence out there is nothing to wait for (what was sent before pacing began, e.g. the
   * first whole screen before continuous updates were on, was never fenced): the update goes, fenced.
   */
  canSend(sent: number, limitBytes: number): boolean {
    if (this.outstanding.length === 0) return true;
    return this.outstanding.length < MAX_UPDATES_IN_FLIGHT && sent - this.acknowledged <= limitBytes;
  }

  /** After an update went out (`sent`: update bytes so far): the fence request to send behind it, if any is due. */
  afterUpdate(sent: number, now: number): Buffer | undefined {
    const last = this.outstanding.at(-1)?.sent ?? this.acknowledged;
    if (sent <= last || this.outstanding.length >= MAX_UPDATES_IN_FLIGHT) return undefined;
    const seq = (this.seq = (this.seq + 1) >>> 0);
    this.outstanding.push({ seq, since: now, sent });
    const payload = Buffer.alloc(PAYLOAD_BYTES);
    payload.writeUInt32BE(MAGIC, 0);
    payload.writeUInt32BE(seq, 4);
    return serverFence(FenceFlag.Request | FenceFlag.BlockBefore, payload);
  }

  /**
   * A fence answer from the client. True when it answered one of ours (that one and any before it are done,
   * and what was sent before it is handled); false for anything else (our probe, a stale or foreign
   * payload), which changes nothing.
   */
  answered(payload: Uint8Array): boolean {
    if (this.outstanding.length === 0 || payload.length !== PAYLOAD_BYTES) return false;
    const p = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (p.readUInt32BE(0) !== MAGIC) return false;
    const i = this.outstanding.findIndex((o) => o.seq === p.readUInt32BE(4));
    if (i < 0) return false;
    this.acknowledged = this.outstanding[i]!.sent;
    this.outstanding.splice(0, i + 1);
    return true;
  }

  /** How long the oldest fence out has waited for its answer (0 when none is out). */
  waitingMs(now: number): number {
    const oldest = this.outstanding[0];
    return oldest === undefined ? 0 : now - oldest.since;
  }
}
