/**
 * Small ZRLE, Zlib and Tight updates compressed again for one client, on a deflate stream of its own that keeps
 * its history. The shared encoding of a rect (encode once for all clients) is history-free: each piece
 * ends with a full flush and refers to nothing before it, so it is valid whatever a client was sent before.
 * That costs the small updates most: a typed glyph is a ZRLE tile of about 23 bytes, 19 bytes of zlib on
 * its own, but about 10 on a stream that has the letters typed before in its window, which is what a
 * server with one stream per client (Xvnc) sends.
 *
 * The stream here mirrors the end of the client's inflate window exactly: it has compressed, in order, the
 * data of every rect this client got on that zlib stream since the last shared piece. A shared piece puts
 * other data into the client's window, so the stream starts afresh (deflateReset: no history, which the
 * next piece then builds again). Every piece ends with a sync flush, byte-aligned as the shared ones are,
 * so the two kinds can follow one another on the client's stream in any order.
 *
 * One per client and zlib stream (client-zlib-streams.ts: Tight's four streams each have one). Per-client
 * compression costs CPU per client, so a connection uses it only for updates whose zlib input is small
 * (KEPT_ZLIB_INPUT_MAX, deflate-rect.ts); bigger ones go shared, encoded once for every client.
 */
import zlib from "node:zlib";
import { NativeDeflateStream } from "./encoders/native-deflate.ts";

/**
 * The lowest zlib level a client's own stream compresses at, whatever level the rect was encoded at (zlib's
 * default). A client's level trades CPU for bytes on big updates; the inputs here are at most 1 KiB, so a
 * higher level costs a µs or so and finds more in the history: typing at 1080p in ZRLE sends 25.0 bytes a
 * frame at level 6 against 26.1 at the default level 2. Higher levels a client asks for are kept.
 */
export const HISTORY_MIN_LEVEL = 6;

export class ClientZlibHistory {
  private stream: NativeDeflateStream | undefined;
  private level = -1;
  /** nothing compressed since the stream was made or reset: resetting again would change nothing */
  private fresh = true;

  /** A shared (history-free) piece went to the client: its data is in the client's window, not in ours. */
  sharedSent(): void {
    if (this.fresh) return;
    this.stream?.reset();
    this.fresh = true;
  }

  /**
   * Raw deflate of `data` at the rect's zlib level, or HISTORY_MIN_LEVEL where that is lower, referring back
   * into what this client inflated before on the stream, ended with a sync flush. Undefined where native
   * zlib is missing (then send the shared piece).
   */
  compress(data: Uint8Array, rectLevel: number): Uint8Array | undefined {
    const level = Math.max(rectLevel, HISTORY_MIN_LEVEL);
    if (level !== this.level) {
      this.stream?.end();
      this.stream = NativeDeflateStream.create(level, -15);
      this.level = level;
      this.fresh = true;
    }
    if (!this.stream) return undefined;
    const out = this.stream.deflate(data, zlib.constants.Z_SYNC_FLUSH);
    this.fresh = false;
    return out;
  }

  /** Free the native stream (the connection closed). */
  end(): void {
    this.stream?.end();
    this.stream = undefined;
    this.level = -1;
    this.fresh = true;
  }
}
