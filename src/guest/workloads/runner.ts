/**
 * Drives a workload on a GuestDisplay at a set rate in virtual time: frame k is drawn for t = k × 1000 / rate
 * ms, whatever the wall clock says, so a seed and an input schedule give the same pictures on any machine.
 * Input and clipboard text are queued and handed to the workload just before the next frame.
 *
 * step(n) draws n frames at once (tests, benchmarks, a worker told to run n frames); runRealtime() paces the
 * same frames against the monotonic clock (performance.now, never used for what is drawn). When drawing falls
 * behind by more than a few periods, the pacer drops the backlog of wall-clock slots rather than bursting:
 * virtual time still advances one period per frame.
 */
import type { GuestDisplay } from "../guest-display.ts";
import type { InputEvent } from "./input.ts";
import type { ClipboardOut, Workload } from "./workload.ts";

export interface RunnerOptions {
  /** frames per second of virtual time (e.g. 60 or 10) */
  rateHz: number;
}

type Queued = { kind: "input"; event: InputEvent } | { kind: "clipboard"; text: string };

export interface FrameStats {
  frames: number;
  /** time spent drawing, per frame */
  meanMs: number;
  maxMs: number;
  /** frames that started more than one period after their slot */
  late: number;
  /** wall-clock slots dropped because drawing fell behind */
  droppedSlots: number;
  wallMs: number;
}

export interface RealtimeRun {
  /** Stop after the frame in progress; resolves with the statistics. */
  stop(): Promise<FrameStats>;
  /** Resolves when the run ends (stop() or maxFrames). */
  readonly done: Promise<FrameStats>;
}

const MAX_BACKLOG_PERIODS = 3;

export class WorkloadRunner {
  readonly rateHz: number;
  private queue: Queued[] = [];
  private frames = 0;
  private started = false;
  private drawMsTotal = 0;
  private drawMsMax = 0;

  constructor(
    readonly workload: Workload,
    readonly display: GuestDisplay,
    options: RunnerOptions,
  ) {
    if (!(options.rateHz > 0 && options.rateHz <= 1000)) throw new RangeError(`rate ${options.rateHz} Hz is not in (0, 1000]`);
    this.rateHz = options.rateHz;
  }

  get periodMs(): number {
    return 1000 / this.rateHz;
  }

  /** Frames drawn so far. */
  get frameIndex(): number {
    return this.frames;
  }

  /** The virtual time of the next frame. */
  get timeMs(): number {
    return (this.frames * 1000) / this.rateHz;
  }

  get clipboardOut(): ClipboardOut | undefined {
    return this.workload.clipboardOut;
  }

  /** Start the workload (idempotent). */
  start(): this {
    if (!this.started) {
      this.workload.start(this.display);
      this.started = true;
    }
    return this;
  }

  input(event: InputEvent): void {
    this.queue.push({ kind: "input", event });
  }

  clipboard(text: string): void {
    this.queue.push({ kind: "clipboard", text });
  }

  /** Draw `n` frames now, one period of virtual time apart. */
  step(n = 1): void {
    this.start();
    for (let i = 0; i < n; i++) {
      const queued = this.queue;
      if (queued.length > 0) {
        this.queue = [];
        for (const q of queued) {
          if (q.kind === "input") this.workload.input(q.event);
          else this.workload.clipboard(q.text);
        }
      }
      const t0 = performance.now();
      this.workload.frame(this.timeMs);
      const dt = performance.now() - t0;
      this.drawMsTotal += dt;
      if (dt > this.drawMsMax) this.drawMsMax = dt;
      this.frames++;
    }
  }

  /** Draw until virtual time reaches `tMs` (frames whose time is < tMs). */
  runUntil(tMs: number): void {
    while (this.timeMs < tMs) this.step(1);
  }

  /** Pace frames against the monotonic clock at the set rate (in this thread, via timers). */
  runRealtime(options: { maxFrames?: number } = {}): RealtimeRun {
    this.start();
    const period = this.periodMs;
    const startWall = performance.now();
    const firstFrame = this.frames;
    const drawBefore = this.drawMsTotal;
    this.drawMsMax = 0;
    let slot = 0;
    let late = 0;
    let dropped = 0;
    let stopping = false;
    let timer: NodeJS.Timeout | undefined;
    let finish!: (s: FrameStats) => void;
    const done = new Promise<FrameStats>((resolve) => (finish = resolve));
    const stats = (): FrameStats => {
      const frames = this.frames - firstFrame;
      return {
        frames,
        meanMs: frames > 0 ? (this.drawMsTotal - drawBefore) / frames : 0,
        maxMs: this.drawMsMax,
        late,
        droppedSlots: dropped,
        wallMs: performance.now() - startWall,
      };
    };
    const tick = (): void => {
      timer = undefined;
      if (stopping || (options.maxFrames !== undefined && this.frames - firstFrame >= options.maxFrames)) {
        finish(stats());
        return;
      }
      const now = performance.now();
      if (now - (startWall + slot * period) > period) late++;
      this.step(1);
      slot++;
      const after = performance.now();
      const behind = (after - (startWall + slot * period)) / period;
      if (behind > MAX_BACKLOG_PERIODS) {
        const skip = Math.floor(behind);
        slot += skip;
        dropped += skip;
      }
      timer = setTimeout(tick, Math.max(0, startWall + slot * period - performance.now()));
    };
    timer = setTimeout(tick, 0);
    return {
      done,
      stop: () => {
        stopping = true;
        if (timer !== undefined) {
          clearTimeout(timer);
          timer = undefined;
          finish(stats());
        }
        return done;
      },
    };
  }
}
