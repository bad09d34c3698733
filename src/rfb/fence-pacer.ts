/**
 * Pacing of continuous updates by fences, for clients that have both (TigerVNC's viewer, noVNC): after an
 * update, the server sends a fence request (BlockBefore); the client answers it only once it has handled
 * everything sent before it. Bytes sent after the last answered fence are in flight: in the kernel's socket
 * buffers, on the wire or in the client's backlog. Without this, our own buffer stays under one framebuffer
 * but the socket buffers on both ends (several MB on Linux) fill with stale frames, and a slow link or a
 * slow client lags seconds behind the guest. TigerVNC's server paces the same way.
 *
 * One fence is out at a time. When it is answered and more has been sent since, the next goes at once.
 */
import { FenceFlag, serverFence } from "./server-messages.ts";

/** Marks our fences' payloads (a client's own fences, and our initial probe, carry other payloads). */
const MAGIC = 0x76666470; // "vfdp"
const PAYLOAD_BYTES = 8;

export class FencePacer {
  private seq = 0;
  /** the sequence number of the fence out, if one is */
  private outstanding: number | undefined;
  private outstandingSince = 0;
  /** update bytes sent when the outstanding fence went out */
  private sentAtFence = 0;
  /** update bytes the client has handled (sent before its last answer) */
  private acknowledged = 0;

  /** Bytes sent (`sent`: update bytes so far) that the client has not been seen to handle. */
  inFlight(sent: number): number {
    return sent - this.acknowledged;
  }

  /** After an update went out: the fence request to send behind it, unless one is already out. */
  afterUpdate(sent: number, now: number): Buffer | undefined {
    if (this.outstanding !== undefined || sent <= this.acknowledged) return undefined;
    this.outstanding = ++this.seq >>> 0;
    this.outstandingSince = now;
    this.sentAtFence = sent;
    const payload = Buffer.alloc(PAYLOAD_BYTES);
    payload.writeUInt32BE(MAGIC, 0);
    payload.writeUInt32BE(this.outstanding, 4);
    return serverFence(FenceFlag.Request | FenceFlag.BlockBefore, payload);
  }

  /**
   * A fence answer from the client. True when it answered our outstanding fence (the in-flight count then
   * drops); false for anything else (our probe, a stale or foreign payload), which changes nothing.
   */
  answered(payload: Uint8Array): boolean {
    if (this.outstanding === undefined || payload.length !== PAYLOAD_BYTES) return false;
    const p = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (p.readUInt32BE(0) !== MAGIC || p.readUInt32BE(4) !== this.outstanding) return false;
    this.acknowledged = this.sentAtFence;
    this.outstanding = undefined;
    return true;
  }

  /** How long the fence out has waited for its answer (0 when none is out). */
  waitingMs(now: number): number {
    return this.outstanding === undefined ? 0 : now - this.outstandingSince;
  }
}
