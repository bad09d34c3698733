/**
 * "The output buffer has been emptied", every time it is, for transports whose own event does not say so
 * each time: a TCP socket emits 'drain' only after a write went over its high-water mark, and ws has no such
 * event at all. After each write's callback the watch looks at the transport's buffer and tells its listeners
 * once it is empty; while data still waits (ciphertext in the raw socket under TLS, ws's send queue) it looks
 * again every few milliseconds, one timer at most.
 */
const RECHECK_MS = 5;

export class DrainWatch {
  private readonly listeners: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly bufferedBytes: () => number) {}

  add(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A write has left (its callback ran): tell the listeners now if the buffer is empty, else soon after it is. */
  readonly written = (): void => {
    if (this.stopped || this.timer) return;
    if (this.bufferedBytes() === 0) {
      this.notify();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.written();
    }, RECHECK_MS);
  };

  /** The transport's own event said the buffer is empty. */
  readonly notify = (): void => {
    if (this.stopped) return;
    for (const l of this.listeners) l();
  };

  /** The transport closed: no more calls, no timer left behind. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
