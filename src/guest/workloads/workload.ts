/**
 * What every guest workload is: a program that owns a GuestDisplay, advances by virtual time only (so its
 * output depends on its seed and its inputs, never on the wall clock), takes pointer/key input and host
 * clipboard text, and may put text on its own clipboard for the host to read.
 */
import type { DisplayMode, GuestDisplay } from "../guest-display.ts";
import type { InputEvent } from "./input.ts";

/** What the guest last copied, with a serial that counts copies (so the same text copied twice is two copies). */
export interface ClipboardOut {
  text: string;
  serial: number;
}

export interface Workload {
  readonly name: string;
  /** Take over the display: set a mode if it needs one, and prepare to draw. Draws nothing yet. */
  start(display: GuestDisplay): void;
  /** Advance to virtual time `tMs` (never less than the last call's) and draw and present what changed. */
  frame(tMs: number): void;
  /** Pointer and key input; takes effect from the next frame. */
  input(event: InputEvent): void;
  /** Text the host put on the clipboard (VNC ClientCutText): the guest may paste it. */
  clipboard(text: string): void;
  /** What the guest copied last (for the host: VNC ServerCutText), or undefined before its first copy. */
  readonly clipboardOut: ClipboardOut | undefined;
  /** Be told of each copy the guest makes. */
  onClipboard(listener: (out: ClipboardOut) => void): void;
  /** The display's mode was changed under this workload (e.g. by a mode follower): re-lay out and redraw all. */
  resized(): void;
}

/**
 * A workload that can share a display with others (console switching): all of them start on one
 * FlipTracker, so each knows which buffer is on screen. While suspended a workload keeps its state advancing
 * but draws nothing; on resume it redraws everything into a buffer that is not on screen and presents it.
 */
export interface SwitchableWorkload extends Workload {
  startShared(flips: FlipTracker): void;
  suspend(): void;
  resume(): void;
}

/** Common plumbing: display ownership, clipboard listeners, picking a mode. */
export abstract class WorkloadBase implements Workload {
  abstract readonly name: string;
  private clip: ClipboardOut | undefined;
  private readonly listeners: Array<(out: ClipboardOut) => void> = [];
  private displayRef: GuestDisplay | undefined;

  abstract start(display: GuestDisplay): void;
  abstract frame(tMs: number): void;
  abstract input(event: InputEvent): void;
  abstract clipboard(text: string): void;
  abstract resized(): void;

  get clipboardOut(): ClipboardOut | undefined {
    return this.clip;
  }

  onClipboard(listener: (out: ClipboardOut) => void): void {
    this.listeners.push(listener);
  }

  protected copy(text: string): void {
    const out = { text, serial: (this.clip?.serial ?? 0) + 1 };
    this.clip = out;
    for (const l of this.listeners) l(out);
  }

  protected attach(display: GuestDisplay): void {
    this.displayRef = display;
  }

  /**
   * Take over a display shared through a FlipTracker (a VT of a session): set the workload's mode if the
   * display is not already in it, and tell the tracker when that changed the mode (its buffers then hold
   * nothing of the new size).
   */
  protected attachShared(flips: FlipTracker, mode: DisplayMode | undefined): void {
    this.attach(flips.display);
    const before = flips.display.mode;
    const now = ensureMode(flips.display, mode);
    if (!before || before.width !== now.width || before.height !== now.height) flips.modeWasSet();
  }

  protected get display(): GuestDisplay {
    if (!this.displayRef) throw new Error(`${this.name}: not started`);
    return this.displayRef;
  }

  protected get mode(): DisplayMode {
    const m = this.display.mode;
    if (!m) throw new Error(`${this.name}: the display is off`);
    return m;
  }
}

/** A sensible first mode when none is requested: `wanted`, else the EDID's, else 1024x768; never above maxMode. */
export function ensureMode(display: GuestDisplay, wanted?: DisplayMode): DisplayMode {
  if (wanted) {
    const cur = display.mode;
    if (!cur || cur.width !== wanted.width || cur.height !== wanted.height) display.setMode(wanted);
    return wanted;
  }
  if (display.mode) return display.mode;
  const preferred = display.preferredMode();
  const max = display.maxMode;
  const fits = (m: DisplayMode): boolean => m.width <= max.width && m.height <= max.height;
  const pick = preferred && fits(preferred) ? preferred : fits({ width: 1024, height: 768 }) ? { width: 1024, height: 768 } : max;
  display.setMode(pick);
  return pick;
}

/**
 * Which buffer is on screen, for workloads that page-flip or share the display. Every present() goes
 * through it; a mode set shows buffer 0 again (bochs resets Y_OFFSET, mdpy has only one).
 */
export class FlipTracker {
  private shownBuffer = 0;

  constructor(readonly display: GuestDisplay) {}

  get shown(): number {
    return this.shownBuffer;
  }

  /** A buffer that is not on screen (the shown one when there is only one). */
  back(): number {
    const n = this.display.bufferCount;
    return n >= 2 ? (this.shownBuffer + 1) % n : 0;
  }

  present(n: number): void {
    this.display.present(n);
    this.shownBuffer = n;
  }

  setMode(mode: DisplayMode): void {
    this.display.setMode(mode);
    this.shownBuffer = 0;
  }

  /** After someone else set the mode. */
  modeWasSet(): void {
    this.shownBuffer = 0;
  }
}
