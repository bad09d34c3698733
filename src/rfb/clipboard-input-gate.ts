/**
 * Keeps a client's input in order with its clipboard. With ExtendedClipboard a client only announces new
 * text (Notify); we ask for it (Request) and it arrives a round trip later (Provide). Keys the client sent
 * after the Notify are already here by then: a user who pastes into noVNC's clipboard panel and presses
 * Ctrl-V at once would paste the old text into the guest. So from our Request until the Provide, that
 * client's input waits here and is delivered after the text, in the order it came. The wait is bounded in
 * time and in events: a client that never provides (or floods input meanwhile) gets its input delivered
 * anyway, only not reordered.
 */
import type { ConsoleInputEvent as InputEvent } from "../display/console.ts";

/** How long input waits for the announced text. */
export const CLIPBOARD_WAIT_MS = 500;
/** Events held at most; beyond this the wait ends (pointer motion is many events a second). */
export const CLIPBOARD_WAIT_MAX_EVENTS = 512;

export class ClipboardInputGate {
  private held: InputEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deliver: (e: InputEvent) => void) {}

  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /** We asked the client for its text: hold input until it comes (or the wait runs out). */
  expectText(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), CLIPBOARD_WAIT_MS);
    this.timer.unref();
  }

  input(e: InputEvent): void {
    if (!this.timer) return this.deliver(e);
    this.held.push(e);
    if (this.held.length >= CLIPBOARD_WAIT_MAX_EVENTS) this.release();
  }

  /** The text came (or will not): deliver what waited, in order. */
  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const held = this.held;
    this.held = [];
    for (const e of held) this.deliver(e);
  }

  /** The client is gone: its held input goes nowhere. */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.held = [];
  }
}
