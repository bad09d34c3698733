/**
 * One client's zlib streams (ZRLE's, Zlib's, Tight's four), as its connection writes rects onto them:
 * - which streams the client has had data on: its first rect on each gets the 2-byte zlib header spliced in
 *   front of the shared, header-less data (zlib-data-field.ts);
 * - its own deflate streams with history for small updates (client-zlib-history.ts).
 * An update goes through withOwnHistory() and then, rect by rect in order, pieces(): the streams must see
 * the rects in the order the client inflates them.
 */
import { ClientZlibHistory } from "./client-zlib-history.ts";
import { KEPT_ZLIB_INPUT_MAX } from "./encoders/deflate-rect.ts";
import type { EncodedRect, SplicedZlibStream } from "./encoders/encoder.ts";
import { startsZlibStream, withZlibData, withZlibHeaderPieces } from "./encoders/zlib-data-field.ts";

export class ClientZlibStreams {
  private readonly started = new Set<SplicedZlibStream>();
  private readonly histories = new Map<SplicedZlibStream, ClientZlibHistory>();

  /**
   * A small update's zlib rects compressed again on this client's own streams, which keep their history; a
   * bigger update as encoded for everyone, which makes the streams it uses start afresh here (the client's
   * window then holds data our history has not seen). Each rect keeps its place and everything before its
   * zlib data.
   */
  withOwnHistory(encoded: EncodedRect[]): EncodedRect[] {
    let zlibRects = 0;
    let input = 0;
    for (const r of encoded) {
      if (r.zlibStream === undefined) continue;
      zlibRects++;
      input += r.zlibInput ? r.zlibInput.data.length : Infinity;
    }
    if (zlibRects === 0) return encoded;
    if (input > KEPT_ZLIB_INPUT_MAX) {
      for (const r of encoded) if (r.zlibStream !== undefined) this.historyOf(r.zlibStream).sharedSent();
      return encoded;
    }
    return encoded.map((r) => {
      if (r.zlibStream === undefined) return r;
      const history = this.historyOf(r.zlibStream);
      const deflated = history.compress(r.zlibInput!.data, r.zlibInput!.level);
      if (!deflated) {
        history.sharedSent();
        return r;
      }
      return withZlibData(r, deflated);
    });
  }

  /** Whether any of the rects is the client's first on its stream (its bytes then need the header spliced in). */
  needsHeader(encoded: readonly EncodedRect[]): boolean {
    return encoded.some((r) => r.zlibStream !== undefined && !this.started.has(r.zlibStream));
  }

  /** The rect's bytes as this client gets them, in pieces appended to `out` (the header on a stream's first use). */
  pieces(rect: EncodedRect, out: Uint8Array[]): void {
    if (startsZlibStream(rect, this.started)) out.push(...withZlibHeaderPieces(rect));
    else out.push(rect.bytes);
  }

  /** Free the native streams (the connection closed). */
  end(): void {
    for (const h of this.histories.values()) h.end();
  }

  private historyOf(stream: SplicedZlibStream): ClientZlibHistory {
    let h = this.histories.get(stream);
    if (!h) this.histories.set(stream, (h = new ClientZlibHistory()));
    return h;
  }
}
