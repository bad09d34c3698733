/**
 * One of Tight's four persistent zlib streams on the client side. A server may continue a stream over many
 * rectangles (TigerVNC does) or reset it (our server does, every time), so the inflater is a streaming
 * node:zlib Inflate fed each rectangle's compressed bytes and sync-flushed: all output the input allows
 * has been emitted when the flush calls back (the pattern ws relies on for permessage-deflate).
 */
import { constants, createInflate, type Inflate } from "node:zlib";
import { DecodeError } from "../decoder.ts";
import { INFLATE_CHUNK_BYTES } from "./persistent-inflate.ts";

export class TightInflater {
  private z: Inflate | undefined;
  private chunks: Buffer[] = [];
  private produced = 0;
  private failure: Error | undefined;

  constructor(readonly streamId: number) {}

  /** The server set this stream's reset bit: the next data starts a new zlib stream. */
  reset(): void {
    this.z?.close();
    this.z = undefined;
    this.failure = undefined;
  }

  /** Inflate one rectangle's compressed bytes; they must give exactly `expected` bytes. */
  async inflate(input: Uint8Array, expected: number): Promise<Buffer> {
    if (this.failure) throw new DecodeError(`Tight zlib stream ${this.streamId} failed earlier and was not reset: ${this.failure.message}`);
    const z = this.z ?? this.open();
    this.chunks = [];
    this.produced = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        z.once("error", onError);
        z.write(input);
        z.flush(constants.Z_SYNC_FLUSH, () => {
          z.off("error", onError);
          resolve();
        });
      });
    } catch (e) {
      this.failure = e as Error;
      throw new DecodeError(`Tight zlib stream ${this.streamId}: ${(e as Error).message}`);
    }
    if (this.produced !== expected) {
      throw new DecodeError(`Tight zlib stream ${this.streamId} gave ${this.produced} bytes where the rectangle needs ${expected}`);
    }
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.produced);
  }

  private open(): Inflate {
    const z = createInflate({ chunkSize: INFLATE_CHUNK_BYTES });
    z.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.produced += chunk.length;
    });
    // a failure is reported by the pending inflate(); keep a late one from becoming an uncaught error
    z.on("error", (e: Error) => {
      this.failure ??= e;
    });
    this.z = z;
    return z;
  }
}
