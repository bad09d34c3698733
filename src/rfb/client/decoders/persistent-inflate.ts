/**
 * One zlib stream that lives as long as the connection (Zlib and ZRLE each have one, RFC 6143 §7.7.6):
 * each rect's compressed bytes are written to the same inflater and flushed with Z_SYNC_FLUSH, and what
 * that yields is the rect's data. Node's streaming Inflate keeps the window and bit position between rects.
 *
 * The output is collected in paused mode after the flush callback: the readable buffer is made big enough
 * never to apply back-pressure (which would stall the inflater until someone reads, i.e. never), so when
 * the callback runs, every byte the input produced is waiting in the buffer.
 */
import zlib from "node:zlib";
import { DecodeError } from "../decoder.ts";

/**
 * Output chunk of the client's inflaters. Node's default (16 KiB) makes a 6 MB rect (a 1080p video frame)
 * ~400 round trips to the thread pool: ZRLE's decode of such a frame took 54 ms with it, 30 ms with this.
 */
export const INFLATE_CHUNK_BYTES = 256 * 1024;

export class PersistentInflate {
  private readonly inflate: zlib.Inflate;
  private failure: Error | undefined;
  private rejectPending: ((e: Error) => void) | undefined;

  constructor(private readonly what: string) {
    this.inflate = zlib.createInflate({ readableHighWaterMark: 2 ** 31 - 1, chunkSize: INFLATE_CHUNK_BYTES } as zlib.ZlibOptions);
    this.inflate.on("error", (e) => {
      this.failure ??= e;
      this.rejectPending?.(e);
    });
  }

  /** Inflate one rect's compressed data; rejects with DecodeError on corrupt data (the stream is then dead). */
  async inflateRect(compressed: Uint8Array): Promise<Buffer> {
    if (this.failure) throw new DecodeError(`${this.what}: the zlib stream failed earlier: ${this.failure.message}`);
    try {
      await new Promise<void>((resolve, reject) => {
        this.rejectPending = reject;
        this.inflate.write(compressed);
        this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve());
      });
    } catch (e) {
      throw new DecodeError(`${this.what}: corrupt zlib data: ${(e as Error).message}`);
    } finally {
      this.rejectPending = undefined;
    }
    // an error event may have come with the flush callback (TS cannot know the callbacks ran)
    const failed = this.failure as Error | undefined;
    if (failed) throw new DecodeError(`${this.what}: corrupt zlib data: ${failed.message}`);
    const chunks: Buffer[] = [];
    for (let c = this.inflate.read() as Buffer | null; c !== null; c = this.inflate.read() as Buffer | null) chunks.push(c);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  close(): void {
    this.inflate.destroy();
  }
}
