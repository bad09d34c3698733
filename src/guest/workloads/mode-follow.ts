/**
 * Follows the display's preferred mode: every `pollMs` of virtual time it reads the EDID the host published
 * (GuestDisplay.preferredMode, as a guest driver re-reads it on a hotplug event), and when it names a mode
 * other than the current one, sets that mode and has the inner workload re-lay out and redraw everything.
 * A mode the device cannot show (over maxMode, or refused with a RangeError) is skipped and remembered.
 */
import type { DisplayMode, GuestDisplay } from "../guest-display.ts";
import type { InputEvent } from "./input.ts";
import { TestPatternWorkload } from "./test-pattern.ts";
import { WorkloadBase, type Workload } from "./workload.ts";

export interface ModeFollowOptions {
  seed: number;
  mode?: DisplayMode;
  /** how often to look at the EDID, in virtual ms (default 100; 0: every frame) */
  pollMs?: number;
}

export class ModeFollowWorkload extends WorkloadBase {
  readonly name: string;
  /** every mode set because the EDID asked for it, in order */
  readonly changes: DisplayMode[] = [];
  /** preferred modes that could not be set, with why */
  readonly refused: Array<{ mode: DisplayMode; reason: string }> = [];
  private lastPoll = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: ModeFollowOptions,
    readonly inner: Workload = new TestPatternWorkload({ seed: options.seed, ...(options.mode ? { mode: options.mode } : {}) }),
  ) {
    super();
    this.name = `mode-follow(${inner.name})`;
    inner.onClipboard((out) => this.copy(out.text));
  }

  start(display: GuestDisplay): void {
    this.attach(display);
    this.inner.start(display);
  }

  frame(tMs: number): void {
    const poll = this.options.pollMs ?? 100;
    if (tMs - this.lastPoll >= poll) {
      this.lastPoll = tMs;
      this.follow();
    }
    this.inner.frame(tMs);
  }

  input(event: InputEvent): void {
    this.inner.input(event);
  }

  clipboard(text: string): void {
    this.inner.clipboard(text);
  }

  resized(): void {
    this.inner.resized();
  }

  private follow(): void {
    const display = this.display;
    const want = display.preferredMode();
    const cur = display.mode;
    if (!want || (cur && cur.width === want.width && cur.height === want.height)) return;
    if (this.refused.some((r) => r.mode.width === want.width && r.mode.height === want.height)) return;
    const max = display.maxMode;
    if (want.width > max.width || want.height > max.height) {
      this.refused.push({ mode: want, reason: `larger than ${max.width}x${max.height}` });
      return;
    }
    try {
      display.setMode(want);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      this.refused.push({ mode: want, reason: e.message });
      return;
    }
    this.changes.push(want);
    this.inner.resized();
  }
}
