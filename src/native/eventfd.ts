/**
 * A real eventfd with what the consumer needs (src/display EventNotifier): the fd to hand to
 * VFIO_DEVICE_SET_IRQS, listeners told when it becomes readable, the counter, close.
 *
 * Waiting is poll(2) on a koffi worker thread with a short timeout, re-armed while someone listens, so the
 * event loop never blocks and close() never races a poll on a recycled fd number: the fd is closed only
 * after the outstanding poll has returned.
 */
import { Errno, getU32 } from "../abi/index.ts";
import { libc, type PollFd } from "./libc.ts";

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const POLLIN = 1;
/** how long one poll waits before it looks whether it is still wanted */
const POLL_SLICE_MS = 50;

export class NativeEventFd {
  private readonly listeners = new Set<() => void>();
  private polling = false;
  private closing = false;
  private closed = false;
  private readonly buf = new Uint8Array(8);

  private constructor(readonly fd: number) {}

  /** eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), or -errno. */
  static create(): NativeEventFd | number {
    const c = libc();
    const fd = c.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -c.errno() : new NativeEventFd(fd);
  }

  onSignal(listener: () => void): () => void {
    this.listeners.add(listener);
    this.arm();
    return () => this.listeners.delete(listener);
  }

  /** Add n to the counter (what a device's eventfd_signal does; tests use it). */
  signal(n = 1): number {
    if (this.closed || this.closing) return -Errno.EBADF;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
    const c = libc();
    return c.write(this.fd, b, 8) < 0 ? -c.errno() : 0;
  }

  /** Read and reset the counter: its value, 0 when nothing was signalled, or -errno. */
  read(): number {
    if (this.closed || this.closing) return -Errno.EBADF;
    const c = libc();
    const n = c.read(this.fd, this.buf, 8);
    if (n < 0) {
      const e = c.errno();
      return e === Errno.EAGAIN ? 0 : -e;
    }
    return getU32(this.buf, 0) + getU32(this.buf, 4) * 0x1_0000_0000;
  }

  close(): number {
    if (this.closed || this.closing) return -Errno.EBADF;
    this.listeners.clear();
    if (this.polling) {
      this.closing = true;
      return 0;
    }
    return this.finishClose();
  }

  private finishClose(): number {
    this.closed = true;
    const c = libc();
    return c.close(this.fd) < 0 ? -c.errno() : 0;
  }

  private arm(): void {
    if (this.polling || this.closed || this.closing || this.listeners.size === 0) return;
    this.polling = true;
    const fds: PollFd[] = [{ fd: this.fd, events: POLLIN, revents: 0 }];
    libc().pollAsync(fds, 1, POLL_SLICE_MS, (err, ret) => {
      this.polling = false;
      if (this.closing) {
        this.finishClose();
        return;
      }
      if (!err && ret > 0 && (fds[0]!.revents & POLLIN) !== 0) {
        for (const l of [...this.listeners]) l();
        // A listener that does not read the counter would be told again at once; drain it for them.
        this.read();
      }
      this.arm();
    });
  }
}
