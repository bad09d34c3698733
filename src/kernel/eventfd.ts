/**
 * An eventfd: a 64-bit counter file. write(8 bytes) adds, read(8 bytes) returns the count and resets it
 * (-EAGAIN when zero: the model's eventfds are non-blocking). Devices signal it; in-process listeners are
 * told at once, which stands in for poll() on a real fd.
 */
import { Errno, getU32, setU32 } from "../abi/index.ts";
import { OpenFile, type FileOps } from "./open-file.ts";

export class EventFd implements FileOps {
  readonly file: OpenFile;
  private count = 0;
  private readonly listeners = new Set<() => void>();

  constructor() {
    this.file = new OpenFile(this, true, true, "eventfd");
  }

  get pending(): number {
    return this.count;
  }

  signal(n = 1): void {
    this.count += n;
    for (const l of this.listeners) l();
  }

  onSignal(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  read(buf: Uint8Array): number {
    if (buf.length < 8) return -Errno.EINVAL;
    if (this.count === 0) return -Errno.EAGAIN;
    setU32(buf, 0, this.count % 0x1_0000_0000);
    setU32(buf, 4, Math.floor(this.count / 0x1_0000_0000));
    this.count = 0;
    return 8;
  }

  write(buf: Uint8Array): number {
    if (buf.length < 8) return -Errno.EINVAL;
    this.signal(getU32(buf, 0) + getU32(buf, 4) * 0x1_0000_0000);
    return 8;
  }

  release(): void {
    this.listeners.clear();
  }
}
