/**
 * Exact reads from a stream of chunks, for a client that decodes as data arrives: `await read(n)` resolves
 * with exactly n bytes. Also used by decoders (a rectangle's data is read piece by piece as its headers say).
 */
export class ConnectionClosed extends Error {}

/** Who can stop and restart the bytes coming in (the socket), so a client that decodes slower than the server sends holds a bounded backlog. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** Unread bytes above which the stream is paused (unless a pending read needs more); resumed below half. */
export const BYTE_SOURCE_HIGH_WATER = 2 * 1024 * 1024;

export class ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** the one pending read: `peek` leaves its bytes unread */
  private waiter: { n: number; peek: boolean; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private error: Error | undefined;
  /** bytes handed out so far (for statistics: bytes per frame) */
  consumed = 0;
  private flow: FlowControl | undefined;
  private paused = false;

  /** Let this source pause its stream while too much is unread: TCP's window then slows the server down. */
  setFlowControl(flow: FlowControl): void {
    this.flow = flow;
    this.checkFlow();
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.serve();
    this.checkFlow();
  }

  /** The stream ended or failed: pending and future reads reject with `e`. */
  end(e: Error = new ConnectionClosed("the connection closed")): void {
    if (this.error) return;
    this.error = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }

  get available(): number {
    return this.buffered;
  }

  read(n: number): Promise<Buffer> {
    return this.wait(n, false);
  }

  /**
   * The next n bytes as one buffer, once they are here, left unread (a later read or skip consumes them):
   * for a decoder that needs to see an item's header before it knows the item's length.
   */
  peek(n: number): Promise<Buffer> {
    return this.wait(n, true);
  }

  /**
   * What can be read now without waiting, as one contiguous view (the unread part of the oldest chunk;
   * empty when nothing is buffered). Nothing is consumed: a decoder parses many small items from it in
   * place and then consumes what it parsed with skip(), with no promise or buffer per item.
   */
  head(): Buffer {
    return this.chunks[0] ?? EMPTY;
  }

  /** Consume n buffered bytes (what head() or peek() showed) without waiting. */
  skip(n: number): void {
    if (this.waiter) throw new Error("ByteSource: skip while a read waits");
    if (!(n >= 0 && n <= this.buffered)) throw new RangeError(`ByteSource: skip ${n} of ${this.buffered} buffered bytes`);
    this.consumed += n;
    this.buffered -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      if (n < c.length) {
        this.chunks[0] = c.subarray(n);
        break;
      }
      n -= c.length;
      this.chunks.shift();
    }
    if (this.paused) this.checkFlow();
  }

  private wait(n: number, peek: boolean): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error("ByteSource: one read at a time"));
    if (this.buffered >= n) return Promise.resolve(peek ? this.look(n) : this.take(n));
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.waiter = { n, peek, resolve, reject };
      this.checkFlow();
    });
  }

  async u8(): Promise<number> {
    return (await this.read(1))[0]!;
  }

  async u16(): Promise<number> {
    return (await this.read(2)).readUInt16BE(0);
  }

  async u32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  async s32(): Promise<number> {
    return (await this.read(4)).readInt32BE(0);
  }

  /** Pause above the high-water mark, resume below half of it, and never stay paused while a read waits for more. */
  private checkFlow(): void {
    if (!this.flow) return;
    const wanted = this.waiter?.n ?? 0;
    if (!this.paused && this.buffered > Math.max(BYTE_SOURCE_HIGH_WATER, wanted)) {
      this.paused = true;
      this.flow.pause();
    } else if (this.paused && (this.buffered < BYTE_SOURCE_HIGH_WATER / 2 || this.buffered < wanted)) {
      this.paused = false;
      this.flow.resume();
    }
  }

  private serve(): void {
    const w = this.waiter;
    if (!w || this.buffered < w.n) return;
    this.waiter = undefined;
    w.resolve(w.peek ? this.look(w.n) : this.take(w.n));
  }

  private take(n: number): Buffer {
    const out = this.look(n);
    this.skip(n);
    return out;
  }

  /** The next n buffered bytes, unconsumed: a view of the first chunk when it holds them, else a copy. */
  private look(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    for (let i = 0, o = 0; o < n; i++) o += this.chunks[i]!.copy(out, o, 0, Math.min(this.chunks[i]!.length, n - o));
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
