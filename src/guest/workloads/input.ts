/**
 * Input as a guest sees it: an absolute pointer (a USB tablet) with RFB button bits, and key events carrying
 * an X11 keysym (RFB KeyEvent), a PC scancode (QEMU's extended key event: XT set 1, 0xE0-prefixed keys
 * with bit 7 set, e.g. Right = 0xCD), or both — then the scancode wins, as the guest keyboard sees only
 * scancodes and applies its own (US) layout. Keyboard turns that stream into key presses with modifiers.
 */

export const Buttons = { LEFT: 1, MIDDLE: 2, RIGHT: 4, WHEEL_UP: 8, WHEEL_DOWN: 16 } as const;

export interface PointerEvent {
  type: "pointer";
  x: number;
  y: number;
  /** RFB PointerEvent button mask: bit 0 left, 1 middle, 2 right, 3/4 wheel */
  buttons: number;
}

export interface KeyEvent {
  type: "key";
  down: boolean;
  /** X11 keysym (RFB) */
  keysym?: number;
  /** QEMU/PC scancode (XT set 1; extended keys as 0x80 | code) */
  scancode?: number;
}

export type InputEvent = PointerEvent | KeyEvent;

/** X11 keysyms used here (X11/keysymdef.h, XF86keysym.h). */
export const Keysym = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Escape: 0xff1b,
  Home: 0xff50,
  Left: 0xff51,
  Up: 0xff52,
  Right: 0xff53,
  Down: 0xff54,
  Prior: 0xff55,
  Next: 0xff56,
  End: 0xff57,
  Insert: 0xff63,
  KP_Enter: 0xff8d,
  KP_Multiply: 0xffaa,
  F1: 0xffbe,
  F2: 0xffbf,
  F3: 0xffc0,
  F4: 0xffc1,
  F5: 0xffc2,
  F6: 0xffc3,
  F7: 0xffc4,
  F8: 0xffc5,
  F9: 0xffc6,
  F10: 0xffc7,
  F11: 0xffc8,
  F12: 0xffc9,
  Shift_L: 0xffe1,
  Shift_R: 0xffe2,
  Control_L: 0xffe3,
  Control_R: 0xffe4,
  Caps_Lock: 0xffe5,
  Meta_L: 0xffe7,
  Meta_R: 0xffe8,
  Alt_L: 0xffe9,
  Alt_R: 0xffea,
  Super_L: 0xffeb,
  Super_R: 0xffec,
  ISO_Level3_Shift: 0xfe03,
  Delete: 0xffff,
  /** XF86Switch_VT_1; VT n is this + n - 1 */
  XF86Switch_VT_1: 0x1008fe01,
} as const;

/** PC scancodes (XT set 1, QEMU numbering) of the US layout: [unshifted keysym, shifted keysym]. */
const SCANCODES: ReadonlyArray<readonly [number, number, number]> = [
  [0x01, Keysym.Escape, Keysym.Escape],
  ...[..."1234567890"].map((c, i) => [0x02 + i, c.charCodeAt(0), "!@#$%^&*()".charCodeAt(i)] as const),
  [0x0c, 0x2d, 0x5f], // - _
  [0x0d, 0x3d, 0x2b], // = +
  [0x0e, Keysym.BackSpace, Keysym.BackSpace],
  [0x0f, Keysym.Tab, Keysym.Tab],
  ...[..."qwertyuiop"].map((c, i) => [0x10 + i, c.charCodeAt(0), c.toUpperCase().charCodeAt(0)] as const),
  [0x1a, 0x5b, 0x7b], // [ {
  [0x1b, 0x5d, 0x7d], // ] }
  [0x1c, Keysym.Return, Keysym.Return],
  [0x1d, Keysym.Control_L, Keysym.Control_L],
  ...[..."asdfghjkl"].map((c, i) => [0x1e + i, c.charCodeAt(0), c.toUpperCase().charCodeAt(0)] as const),
  [0x27, 0x3b, 0x3a], // ; :
  [0x28, 0x27, 0x22], // ' "
  [0x29, 0x60, 0x7e], // ` ~
  [0x2a, Keysym.Shift_L, Keysym.Shift_L],
  [0x2b, 0x5c, 0x7c], // \ |
  ...[..."zxcvbnm"].map((c, i) => [0x2c + i, c.charCodeAt(0), c.toUpperCase().charCodeAt(0)] as const),
  [0x33, 0x2c, 0x3c], // , <
  [0x34, 0x2e, 0x3e], // . >
  [0x35, 0x2f, 0x3f], // / ?
  [0x36, Keysym.Shift_R, Keysym.Shift_R],
  [0x37, Keysym.KP_Multiply, Keysym.KP_Multiply],
  [0x38, Keysym.Alt_L, Keysym.Alt_L],
  [0x39, 0x20, 0x20],
  [0x3a, Keysym.Caps_Lock, Keysym.Caps_Lock],
  ...Array.from({ length: 10 }, (_, i) => [0x3b + i, Keysym.F1 + i, Keysym.F1 + i] as const),
  [0x57, Keysym.F11, Keysym.F11],
  [0x58, Keysym.F12, Keysym.F12],
  [0x9c, Keysym.KP_Enter, Keysym.KP_Enter],
  [0x9d, Keysym.Control_R, Keysym.Control_R],
  [0xb8, Keysym.ISO_Level3_Shift, Keysym.ISO_Level3_Shift],
  [0xc7, Keysym.Home, Keysym.Home],
  [0xc8, Keysym.Up, Keysym.Up],
  [0xc9, Keysym.Prior, Keysym.Prior],
  [0xcb, Keysym.Left, Keysym.Left],
  [0xcd, Keysym.Right, Keysym.Right],
  [0xcf, Keysym.End, Keysym.End],
  [0xd0, Keysym.Down, Keysym.Down],
  [0xd1, Keysym.Next, Keysym.Next],
  [0xd2, Keysym.Insert, Keysym.Insert],
  [0xd3, Keysym.Delete, Keysym.Delete],
  [0xdb, Keysym.Super_L, Keysym.Super_L],
];

const UNSHIFTED = new Map<number, number>();
const SHIFTED = new Map<number, number>();
/** keysym → [scancode, needs shift] (the first scancode producing it) */
const REVERSE = new Map<number, readonly [number, boolean]>();
for (const [code, plain, shifted] of SCANCODES) {
  UNSHIFTED.set(code, plain);
  SHIFTED.set(code, shifted);
  if (!REVERSE.has(plain)) REVERSE.set(plain, [code, false]);
  if (!REVERSE.has(shifted)) REVERSE.set(shifted, [code, true]);
}

export const Scancode = {
  Escape: 0x01,
  BackSpace: 0x0e,
  Tab: 0x0f,
  Return: 0x1c,
  Control_L: 0x1d,
  Shift_L: 0x2a,
  Alt_L: 0x38,
  Caps_Lock: 0x3a,
  F1: 0x3b,
  F2: 0x3c,
  Control_R: 0x9d,
  Alt_R: 0xb8,
} as const;

const MODIFIERS = new Set<number>([
  Keysym.Shift_L, Keysym.Shift_R, Keysym.Control_L, Keysym.Control_R, Keysym.Caps_Lock, Keysym.Meta_L, Keysym.Meta_R,
  Keysym.Alt_L, Keysym.Alt_R, Keysym.Super_L, Keysym.Super_R, Keysym.ISO_Level3_Shift,
]);

/** Whether a key event is for a modifier key (by its scancode when it has one, else its keysym). */
export function isModifierEvent(e: KeyEvent): boolean {
  const keysym = e.scancode !== undefined && e.scancode !== 0 ? UNSHIFTED.get(e.scancode) : e.keysym;
  return keysym !== undefined && MODIFIERS.has(keysym);
}

/** The text a keysym types, or undefined for function and modifier keys. */
export function keysymText(keysym: number): string | undefined {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) return String.fromCharCode(keysym);
  if (keysym >= 0x01000100 && keysym <= 0x0110ffff) return String.fromCodePoint(keysym - 0x01000000);
  if (keysym === Keysym.Return || keysym === Keysym.KP_Enter) return "\r";
  if (keysym === Keysym.Tab) return "\t";
  if (keysym === Keysym.KP_Multiply) return "*";
  return undefined;
}

/** The keysym for a code point (Latin-1 directly, else the Unicode keysym range). */
export function keysymFor(codePoint: number): number {
  if (codePoint === 0x0a || codePoint === 0x0d) return Keysym.Return;
  if (codePoint === 0x09) return Keysym.Tab;
  if (codePoint === 0x08) return Keysym.BackSpace;
  if ((codePoint >= 0x20 && codePoint <= 0x7e) || (codePoint >= 0xa0 && codePoint <= 0xff)) return codePoint;
  return 0x01000000 + codePoint;
}

/** A key going down, after the layout and modifiers. */
export interface KeyPress {
  keysym: number;
  /** what the key types (with shift and caps lock applied), "\r" for Enter; undefined for other keys */
  text: string | undefined;
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
}

/** Turns key events into presses, tracking modifier state the way a guest keyboard driver does. */
export class Keyboard {
  private shiftL = false;
  private shiftR = false;
  private ctrlL = false;
  private ctrlR = false;
  private altL = false;
  private altR = false;
  private capsLock = false;

  get ctrl(): boolean {
    return this.ctrlL || this.ctrlR;
  }

  get alt(): boolean {
    return this.altL || this.altR;
  }

  get shift(): boolean {
    return this.shiftL || this.shiftR;
  }

  /** A press for a key-down event (modifiers included), undefined for releases and unknown keys. */
  handle(e: KeyEvent): KeyPress | undefined {
    let keysym: number | undefined;
    if (e.scancode !== undefined && e.scancode !== 0) {
      const plain = UNSHIFTED.get(e.scancode);
      if (plain === undefined) return undefined;
      const isLetter = plain >= 0x61 && plain <= 0x7a;
      const shifted = isLetter ? this.shift !== this.capsLock : this.shift;
      keysym = shifted ? SHIFTED.get(e.scancode)! : plain;
    } else {
      keysym = e.keysym;
    }
    if (keysym === undefined) return undefined;
    if (this.trackModifier(keysym, e.down)) return undefined;
    if (!e.down) return undefined;
    return { keysym, text: keysymText(keysym), ctrl: this.ctrl, alt: this.alt, shift: this.shift };
  }

  private trackModifier(keysym: number, down: boolean): boolean {
    switch (keysym) {
      case Keysym.Shift_L: this.shiftL = down; return true;
      case Keysym.Shift_R: this.shiftR = down; return true;
      case Keysym.Control_L: this.ctrlL = down; return true;
      case Keysym.Control_R: this.ctrlR = down; return true;
      case Keysym.Alt_L: case Keysym.Meta_L: this.altL = down; return true;
      case Keysym.Alt_R: case Keysym.Meta_R: case Keysym.ISO_Level3_Shift: this.altR = down; return true;
      case Keysym.Caps_Lock: if (down) this.capsLock = !this.capsLock; return true;
      case Keysym.Super_L: case Keysym.Super_R: return true;
      default: return false;
    }
  }
}

/** The virtual terminal a press switches to (Ctrl-Alt-Fn, or an XF86Switch_VT_n keysym), else undefined. */
export function vtSwitchTarget(press: KeyPress): number | undefined {
  if (press.keysym >= Keysym.XF86Switch_VT_1 && press.keysym < Keysym.XF86Switch_VT_1 + 12) {
    return press.keysym - Keysym.XF86Switch_VT_1 + 1;
  }
  if (press.ctrl && press.alt && press.keysym >= Keysym.F1 && press.keysym <= Keysym.F12) return press.keysym - Keysym.F1 + 1;
  return undefined;
}

/** Down/up keysym events (RFB KeyEvent) that type `text`. */
export function keysymEventsFor(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  for (const ch of text) {
    const keysym = keysymFor(ch.codePointAt(0)!);
    out.push({ type: "key", down: true, keysym }, { type: "key", down: false, keysym });
  }
  return out;
}

/** Scancode events (QEMU extended key events, keysym included) that type `text` on a US layout. */
export function scancodeEventsFor(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  for (const ch of text) {
    const keysym = keysymFor(ch.codePointAt(0)!);
    const found = REVERSE.get(keysym);
    if (!found) throw new RangeError(`no US-layout scancode types ${JSON.stringify(ch)}`);
    const [code, shift] = found;
    if (shift) out.push({ type: "key", down: true, keysym: Keysym.Shift_L, scancode: Scancode.Shift_L });
    out.push({ type: "key", down: true, keysym, scancode: code }, { type: "key", down: false, keysym, scancode: code });
    if (shift) out.push({ type: "key", down: false, keysym: Keysym.Shift_L, scancode: Scancode.Shift_L });
  }
  return out;
}

/** Events for a chord: press `keys` in order, release in reverse (e.g. Ctrl, Alt, F2). */
export function chordEvents(...keysyms: number[]): KeyEvent[] {
  const down = keysyms.map((keysym): KeyEvent => ({ type: "key", down: true, keysym }));
  const up = [...keysyms].reverse().map((keysym): KeyEvent => ({ type: "key", down: false, keysym }));
  return [...down, ...up];
}
