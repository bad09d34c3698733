/**
 * A FramebufferUpdate written while its rects are being encoded: the viewer decodes the top of a frame
 * while the server encodes the rest, as libvncserver does by flushing its 30,000-byte buffer whenever it
 * fills. Only piecewise encoders (Raw, Hextile; see RectEncoder.piecewise) can feed one: they finish a rect
 * band by band, synchronously, so every piece is written before the encoding's first await — nothing else
 * can be written to the connection in between, and the rects are still one snapshot of the surface.
 *
 * The update's header (with its rect count, known upfront as piecewise encoders make one rect per rect) and
 * its pseudo-rects go out with the first piece. A connection streams only the encoding it makes itself:
 * clients that share that encoding later (EncodeCache) get the finished rects in one write. Raw for the only
 * client with its settings is not shared: it reuses one small buffer for its pieces while each leaves at
 * once (piecesLeft).
 */
import { STREAM_PIECE_BYTES } from "./encoders/encoder.ts";
import type { RfbTransport } from "./transport.ts";

export class StreamedUpdate {
  /** bytes written so far, header included */
  bytes = 0;
  private head: Uint8Array | undefined;
  private unflushed = 0;
  /** pieces written whose bytes have not left yet */
  private inFlight = 0;
  private whenAllLeft: (() => void) | undefined;

  /** `head`: the FramebufferUpdate header and the pseudo-rects before the pixels */
  constructor(
    private readonly transport: RfbTransport,
    head: Uint8Array,
  ) {
    this.head = head;
  }

  /** Whether any piece was written (if not, the update was never started and is sent the usual way). */
  get started(): boolean {
    return this.head === undefined;
  }

  /** The encoder's sink: write the piece now, and hand it to the kernel once enough is gathered. */
  readonly piece = (piece: Uint8Array): void => {
    if (this.head) {
      this.write(this.head);
      this.head = undefined;
    }
    if (piece.length === 0) return;
    this.write(piece);
    if (this.unflushed >= STREAM_PIECE_BYTES / 2) this.handOver();
  };

  /**
   * Whether every piece written so far has left for the kernel (what was gathered is handed over first), so
   * the memory it was in may be written again (EncodeContext.piecesLeft). Anything else still waiting in the
   * transport, this update's or an earlier one's, answers no.
   */
  readonly piecesLeft = (): boolean => {
    if (this.unflushed > 0) this.handOver();
    return this.transport.bufferedBytes === 0;
  };

  /** Hand what was gathered to the kernel now. */
  private handOver(): void {
    this.unflushed = 0;
    this.transport.flush();
  }

  /**
   * The encoding is done (every piece is written): `sent` is called once all of them have left, as a
   * transport's `sent` is for one write.
   */
  finish(sent?: () => void): void {
    this.whenAllLeft = sent;
    this.settle();
  }

  private write(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    this.unflushed += bytes.length;
    this.inFlight++;
    this.transport.write(bytes, this.left);
  }

  private readonly left = (): void => {
    this.inFlight--;
    this.settle();
  };

  private settle(): void {
    if (this.inFlight > 0 || !this.whenAllLeft) return;
    const sent = this.whenAllLeft;
    this.whenAllLeft = undefined;
    sent();
  }
}
