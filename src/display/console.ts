/**
 * The Console seam: what the consumer hands to front-ends (VNC, web, screenshots). A surface in one pixel
 * format (XRGB8888, packed rows), damage rectangles, a cursor shape with its hotspot and position, whether
 * the display is on, and a way to ask for another size. Front-ends never see planes, dma-bufs, tiling or
 * DRM formats.
 */
import type { DamageList } from "./damage-tracker.ts";

/** Input a front-end forwards to the guest: an absolute pointer (RFB button bits) and keys (keysym and/or PC scancode). */
export type ConsoleInputEvent =
  | { type: "pointer"; x: number; y: number; buttons: number }
  | { type: "key"; down: boolean; keysym?: number; scancode?: number };

/** Where the guest side takes front-end input and host clipboard text (a workload, a VMM's input devices). */
export interface ConsoleInputSink {
  input(event: ConsoleInputEvent): void;
  clipboard(text: string): void;
}

/** Keyboard LEDs as QEMU's LED-state pseudo-encoding carries them. */
export const Leds = { SCROLL: 1, NUM: 2, CAPS: 4 } as const;

export interface ConsoleSurface {
  readonly width: number;
  readonly height: number;
  /** XRGB8888 (0x00RRGGBB; bytes B, G, R, X), row y at y * width; the X byte is not meaningful */
  readonly pixels: Uint32Array;
}

export interface CursorShape {
  readonly width: number;
  readonly height: number;
  /** ARGB8888 (0xAARRGGBB), packed rows */
  readonly pixels: Uint32Array;
  readonly hotX: number;
  readonly hotY: number;
}

export interface ConsoleListener {
  /** A new surface (first frame, or a size change); everything on it is new. */
  surface?(surface: ConsoleSurface): void;
  /** Parts of the current surface changed. The list is reused after the call returns. */
  update?(damage: DamageList): void;
  /** The guest turned its display off (or the device went away). */
  displayOff?(reason: string): void;
  cursorShape?(cursor: CursorShape | undefined): void;
  cursorMove?(x: number, y: number): void;
  /** The guest copied text (for VNC ServerCutText / the web clipboard). */
  clipboard?(text: string): void;
  /** The guest's keyboard LEDs changed (bits of Leds). */
  leds?(state: number): void;
}

/** Turns a front-end's size request into guest action (the EDID dance), or refuses it. */
export type SizeRequestHandler = (width: number, height: number) => "forwarded" | "unsupported";

export class Console {
  private readonly listeners = new Set<ConsoleListener>();
  private currentSurface: ConsoleSurface | undefined;
  private currentCursor: CursorShape | undefined;
  private cursorX = 0;
  private cursorY = 0;
  private on = false;
  private sizeHandler: SizeRequestHandler | undefined;
  private readonly watchersChanged: ((watchers: number) => void)[] = [];
  private readonly passive = new Set<ConsoleListener>();
  private inputSink: ConsoleInputSink | undefined;
  private ledState = 0;
  private clipboardText: string | undefined;

  constructor(readonly name: string) {}

  get surface(): ConsoleSurface | undefined {
    return this.currentSurface;
  }

  get cursor(): CursorShape | undefined {
    return this.currentCursor;
  }

  get cursorPosition(): { x: number; y: number } {
    return { x: this.cursorX, y: this.cursorY };
  }

  get displayOn(): boolean {
    return this.on;
  }

  /** Keyboard LED bits (Leds) as the guest last set them. */
  get leds(): number {
    return this.ledState;
  }

  /** What the guest copied last, if anything. */
  get guestClipboard(): string | undefined {
    return this.clipboardText;
  }

  /** Whether input goes anywhere (a view-only console has no sink). */
  get acceptsInput(): boolean {
    return this.inputSink !== undefined;
  }

  /** Listeners that want the display kept current (a viewer); passive ones only hear what others cause. */
  get watchers(): number {
    return this.listeners.size - this.passive.size;
  }

  /**
   * Start receiving events. A new listener is told the current state at once. `watch: false` makes it
   * passive: it hears every event but does not by itself keep the producer refreshing (a rate meter, a
   * fault monitor).
   */
  addListener(l: ConsoleListener, options: { watch?: boolean } = {}): void {
    if (this.listeners.has(l)) return;
    this.listeners.add(l);
    if (options.watch === false) this.passive.add(l);
    if (this.currentSurface) l.surface?.(this.currentSurface);
    if (this.currentCursor) l.cursorShape?.(this.currentCursor);
    if (options.watch !== false) for (const f of this.watchersChanged) f(this.watchers);
  }

  removeListener(l: ConsoleListener): void {
    if (!this.listeners.delete(l)) return;
    if (this.passive.delete(l)) return;
    for (const f of this.watchersChanged) f(this.watchers);
  }

  /** For the producer: be told when the number of watchers changes (refresh only while someone watches). */
  onWatchersChanged(f: (watchers: number) => void): void {
    this.watchersChanged.push(f);
  }

  /** A front-end asks for a new size (an RFB SetDesktopSize, a browser window resize). */
  requestSize(width: number, height: number): "forwarded" | "unsupported" | "invalid" {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384) {
      return "invalid";
    }
    return this.sizeHandler ? this.sizeHandler(width, height) : "unsupported";
  }

  /** A front-end's pointer or key event, for the guest. Dropped when nothing takes input. */
  sendInput(event: ConsoleInputEvent): void {
    this.inputSink?.input(event);
  }

  /** Host clipboard text for the guest (RFB ClientCutText, a browser paste). */
  sendClipboard(text: string): void {
    this.inputSink?.clipboard(text);
  }

  // ---- producer side (the consumer of the device, the VMM's input devices) ----

  setInputSink(sink: ConsoleInputSink | undefined): void {
    this.inputSink = sink;
  }

  publishClipboard(text: string): void {
    this.clipboardText = text;
    for (const l of this.listeners) l.clipboard?.(text);
  }

  publishLeds(state: number): void {
    const s = state & 7;
    if (s === this.ledState) return;
    this.ledState = s;
    for (const l of this.listeners) l.leds?.(s);
  }

  setSizeRequestHandler(h: SizeRequestHandler | undefined): void {
    this.sizeHandler = h;
  }

  publishSurface(surface: ConsoleSurface): void {
    this.currentSurface = surface;
    this.on = true;
    for (const l of this.listeners) l.surface?.(surface);
  }

  publishUpdate(damage: DamageList): void {
    if (damage.count === 0) return;
    for (const l of this.listeners) l.update?.(damage);
  }

  publishDisplayOff(reason: string, blank: boolean): void {
    if (!this.on) return;
    this.on = false;
    if (blank && this.currentSurface) this.currentSurface.pixels.fill(0);
    for (const l of this.listeners) l.displayOff?.(reason);
  }

  publishCursor(shape: CursorShape | undefined): void {
    this.currentCursor = shape;
    for (const l of this.listeners) l.cursorShape?.(shape);
  }

  publishCursorMove(x: number, y: number): void {
    if (x === this.cursorX && y === this.cursorY) return;
    this.cursorX = x;
    this.cursorY = y;
    for (const l of this.listeners) l.cursorMove?.(x, y);
  }
}
