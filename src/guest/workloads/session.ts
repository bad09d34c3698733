/**
 * Console switching: a text console on VT1 and a desktop on VT2 sharing one display, switched by
 * Ctrl-Alt-F1 / Ctrl-Alt-F2 (or XF86Switch_VT_n keysyms) as key input. Both share one FlipTracker, so they
 * draw into the same framebuffers: the host sees the same buffers (the same dma-buf ids on mbochs) again
 * after a switch back, never new ones. The hidden one keeps its state advancing (the boot log goes on, the
 * clock runs) but draws nothing; on a switch the shown one redraws everything into a buffer not on screen
 * and presents it.
 *
 * Modifier keys go to both (so neither is left with Ctrl held); other keys, the pointer and host clipboard
 * text go to the VT on screen. A copy on either VT is this workload's copy.
 */
import type { DisplayMode, GuestDisplay } from "../guest-display.ts";
import { ConsoleWorkload, type ConsoleOptions } from "./console.ts";
import { DesktopWorkload, type DesktopOptions } from "./desktop.ts";
import { isModifierEvent, Keyboard, vtSwitchTarget, type InputEvent } from "./input.ts";
import { ensureMode, FlipTracker, WorkloadBase, type SwitchableWorkload } from "./workload.ts";

export interface SessionOptions {
  seed: number;
  mode?: DisplayMode;
  /** the VT shown first (default 1, the console) */
  initialVt?: 1 | 2;
  console?: Omit<ConsoleOptions, "seed" | "mode">;
  desktop?: Omit<DesktopOptions, "seed" | "mode">;
}

export class SessionWorkload extends WorkloadBase {
  readonly name = "session";
  readonly console: ConsoleWorkload;
  readonly desktop: DesktopWorkload;
  private readonly keyboard = new Keyboard();
  private active: 1 | 2;
  /** VT switches done so far */
  switches = 0;

  constructor(private readonly options: SessionOptions) {
    super();
    this.console = new ConsoleWorkload({ ...options.console, seed: options.seed });
    this.desktop = new DesktopWorkload({ ...options.desktop, seed: options.seed });
    this.active = options.initialVt ?? 1;
    for (const w of [this.console, this.desktop]) w.onClipboard((out) => this.copy(out.text));
  }

  /** The VT on screen. */
  get vt(): 1 | 2 {
    return this.active;
  }

  start(display: GuestDisplay): void {
    this.attach(display);
    ensureMode(display, this.options.mode);
    const flips = new FlipTracker(display);
    this.console.startShared(flips);
    this.desktop.startShared(flips);
    this.hidden().suspend();
  }

  frame(tMs: number): void {
    this.console.frame(tMs);
    this.desktop.frame(tMs);
  }

  input(event: InputEvent): void {
    if (event.type === "key") {
      const press = this.keyboard.handle(event);
      const target = press && vtSwitchTarget(press);
      if (target === 1 || target === 2) {
        this.switchTo(target);
        return;
      }
      if (target !== undefined) return; // no such VT
      if (isModifierEvent(event)) {
        this.console.input(event);
        this.desktop.input(event);
        return;
      }
    }
    this.shown().input(event);
  }

  clipboard(text: string): void {
    this.shown().clipboard(text);
  }

  resized(): void {
    this.console.resized();
    this.desktop.resized();
    // resized() redraws whole screens; the hidden one must stay hidden.
    this.hidden().suspend();
    this.shown().resume();
  }

  switchTo(vt: 1 | 2): void {
    if (vt === this.active) return;
    this.shown().suspend();
    this.active = vt;
    this.shown().resume();
    this.switches++;
  }

  private shown(): SwitchableWorkload {
    return this.active === 1 ? this.console : this.desktop;
  }

  private hidden(): SwitchableWorkload {
    return this.active === 1 ? this.desktop : this.console;
  }
}
