/**
 * Per-second rates for the inspector: frames that changed something (damage), VNC bytes sent. Sampled on
 * a timer by whoever owns the device, so every viewer of the inspector sees the same numbers and reading
 * them costs nothing.
 */
import type { Console, ConsoleListener } from "../display/console.ts";

export interface Rates {
  /** console updates with damage per second (what a viewer sees change), over the last sample */
  fps: number;
  /** VNC bytes per second to all clients, over the last sample */
  bytesPerSecond: number;
}

export class RateMeter {
  private changedFrames = 0;
  private lastFrames = 0;
  private lastBytes = 0;
  private lastAt = 0;
  private current: Rates = { fps: 0, bytesPerSecond: 0 };
  private timer: NodeJS.Timeout | undefined;
  private readonly listener: ConsoleListener = {
    update: (d) => {
      if (d.count > 0) this.changedFrames++;
    },
  };

  constructor(
    private readonly console: Console,
    private readonly bytesSent: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get rates(): Readonly<Rates> {
    return this.current;
  }

  /** Start sampling every `intervalMs`. It only listens: frames are counted while someone views the device. */
  start(intervalMs = 1000): void {
    this.console.addListener(this.listener, { watch: false });
    this.lastAt = this.now();
    this.lastBytes = this.bytesSent();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Take a sample now (the timer does this; tests call it directly). */
  sample(): Readonly<Rates> {
    const at = this.now();
    const seconds = (at - this.lastAt) / 1000;
    const bytes = this.bytesSent();
    if (seconds > 0) {
      this.current = {
        fps: Math.round(((this.changedFrames - this.lastFrames) / seconds) * 10) / 10,
        bytesPerSecond: Math.round((bytes - this.lastBytes) / seconds),
      };
    }
    this.lastAt = at;
    this.lastFrames = this.changedFrames;
    this.lastBytes = bytes;
    return this.current;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.console.removeListener(this.listener);
  }
}
