/**
 * The desktop workload: a wallpaper, a top panel with a clock (from virtual time), several windows that
 * drift across the screen and redraw their contents every frame (a scrolling terminal, a bar chart, a
 * photo viewer, a notes editor), and an arrow pointer that follows pointer input.
 *
 * Every frame is drawn into the back buffer and then presented, so two framebuffers alternate (a
 * page-flipping compositor); on a one-buffer display it draws into the shown buffer. Like a compositor that
 * knows its buffers' age, it restores the wallpaper only where that buffer had windows (or the pointer)
 * when it was last drawn and no window is now, then draws the panel and every window whole: the frame is
 * the same as a whole redraw (option repaint: "whole" draws that, for comparison). The pointer is put on
 * the cursor plane when the display has one (moveCursor gets the image's top-left: pointer − hotspot, as a
 * DRM cursor plane's CRTC_X/Y and i915's CURPOS take it), else it is drawn into the frame last.
 *
 * Input: a left click raises the window under the pointer and focuses it; dragging a title bar moves the
 * window (it then stays where dropped). Typed text goes to the notes window; Ctrl-V pastes the host
 * clipboard there, Ctrl-C copies the notes to the guest clipboard.
 */
import type { BitmapFont } from "../font/psf.ts";
import { terminus16, terminusBold32 } from "../font/terminus.ts";
import type { CursorImage, DisplayMode, GuestDisplay, LinearImage } from "../guest-display.ts";
import { formatClock } from "./clock.ts";
import { arrowCursor } from "./cursor-image.ts";
import { blit, blitAlpha, createImage, drawText, fillRect, rgb, strokeRect, subImage, textWidth, verticalGradient } from "./draw.ts";
import { Buttons, Keyboard, Keysym, type InputEvent } from "./input.ts";
import { Prng } from "./prng.ts";
import { RepaintTracker, subtractRects, type Rect } from "./repaint-tracker.ts";
import { FlipTracker, WorkloadBase, type SwitchableWorkload } from "./workload.ts";

export interface DesktopOptions {
  seed: number;
  mode?: DisplayMode;
  /** wall-clock time at virtual time 0 (default 2025-03-14 09:26:53 UTC) */
  epochMs?: number;
  hostname?: string;
  /**
   * "damage" (default): restore the wallpaper only where the buffer last had windows; "whole": redraw the
   * whole frame every time. The frames are the same; "whole" costs the full frame's memory traffic.
   */
  repaint?: "damage" | "whole";
}

type WindowKind = "terminal" | "chart" | "photo" | "notes";

interface Win {
  kind: WindowKind;
  title: string;
  accent: number;
  /** size as a fraction of the screen, and motion parameters (fractions of the free space, seconds) */
  fw: number;
  fh: number;
  cx: number;
  cy: number;
  ax: number;
  ay: number;
  px: number;
  py: number;
  phx: number;
  phy: number;
  /** where it was dropped after a drag (then it stops drifting) */
  pinned: { x: number; y: number } | undefined;
  /** laid out for the current mode */
  w: number;
  h: number;
  x: number;
  y: number;
}

const PANEL_H = 36;
const TITLE_H = 22;
const BORDER = 1;
const DEFAULT_EPOCH_MS = Date.UTC(2025, 2, 14, 9, 26, 53);
const TERMINAL_LINE_MS = 120;
const MAX_NOTES = 4000;
/** how far a window's drop shadow is offset right and down */
const SHADOW = 6;

export class DesktopWorkload extends WorkloadBase implements SwitchableWorkload {
  readonly name = "desktop";
  private readonly font: BitmapFont = terminus16();
  private readonly big: BitmapFont = terminusBold32();
  private readonly keyboard = new Keyboard();
  private readonly cursor: CursorImage = arrowCursor();
  private readonly rng: Prng;
  private flips: FlipTracker | undefined;
  private wallpaper: LinearImage | undefined;
  private photo: LinearImage;
  private windows: Win[] = [];
  private focused = -1;
  private pointer = { x: 0, y: 0, buttons: 0 };
  private drag: { win: Win; dx: number; dy: number } | undefined;
  private notes = "";
  private hostClipboard = "";
  private terminal: string[] = [];
  private terminalCount = 0;
  private readonly termRng: Prng;
  private suspended = false;
  private cursorShown: { x: number; y: number } | undefined;
  private frameCount = 0;
  private readonly repaint = new RepaintTracker();
  /** what this frame drew over the wallpaper, outside the panel (reused every frame) */
  private readonly drawnRects: Rect[] = [];

  constructor(private readonly options: DesktopOptions) {
    super();
    this.rng = new Prng(options.seed).fork("desktop");
    this.termRng = new Prng(options.seed).fork("terminal");
    this.photo = makePhoto(new Prng(options.seed).fork("photo"));
    const kinds: Array<[WindowKind, string]> = [
      ["photo", "Image Viewer - sunset.png"],
      ["chart", "System Monitor"],
      ["terminal", "Terminal - make -j4"],
      ["notes", "Notes"],
    ];
    for (const [kind, title] of kinds) {
      const r = this.rng;
      this.windows.push({
        kind,
        title,
        accent: rgb(r.int(40, 90), r.int(70, 130), r.int(140, 220)),
        fw: r.range(0.28, 0.4),
        fh: r.range(0.3, 0.45),
        cx: r.range(0.2, 0.8),
        cy: r.range(0.2, 0.8),
        ax: r.range(0.1, 0.2),
        ay: r.range(0.1, 0.2),
        px: r.range(5, 13),
        py: r.range(5, 13),
        phx: r.range(0, Math.PI * 2),
        phy: r.range(0, Math.PI * 2),
        pinned: undefined,
        w: 0,
        h: 0,
        x: 0,
        y: 0,
      });
    }
    this.focused = this.windows.length - 1;
  }

  /** The pointer position the workload last saw. */
  get pointerPosition(): { x: number; y: number } {
    return { x: this.pointer.x, y: this.pointer.y };
  }

  /** Window titles from bottom to top (for tests). */
  get stacking(): string[] {
    return this.windows.map((w) => w.title);
  }

  get notesText(): string {
    return this.notes;
  }

  /** Where a window is on screen now (for tests). */
  windowRect(title: string): { x: number; y: number; w: number; h: number } | undefined {
    const w = this.windows.find((x) => x.title === title);
    return w && { x: w.x, y: w.y, w: w.w, h: w.h };
  }

  start(display: GuestDisplay): void {
    this.startShared(new FlipTracker(display));
  }

  startShared(flips: FlipTracker): void {
    this.flips = flips;
    this.attachShared(flips, this.options.mode);
    this.layout();
  }

  suspend(): void {
    this.suspended = true;
    // other workloads draw into the buffers meanwhile
    this.repaint.forget();
    if (this.display.hasCursor) this.display.setCursor(undefined);
    this.cursorShown = undefined;
  }

  resume(): void {
    this.suspended = false;
    this.repaint.forget();
  }

  resized(): void {
    this.flips?.modeWasSet();
    this.layout();
  }

  input(event: InputEvent): void {
    if (event.type === "pointer") {
      this.pointerEvent(event.x, event.y, event.buttons);
      return;
    }
    const press = this.keyboard.handle(event);
    if (!press) return;
    const lower = press.text?.toLowerCase();
    if (press.ctrl && !press.alt) {
      if (lower === "c") this.copy(this.notes);
      else if (lower === "v") this.appendNotes(this.hostClipboard);
      return;
    }
    if (press.alt) return;
    if (press.keysym === Keysym.BackSpace) this.notes = this.notes.slice(0, -1);
    else if (press.text === "\r") this.appendNotes("\n");
    else if (press.text !== undefined && press.text !== "\t") this.appendNotes(press.text);
  }

  clipboard(text: string): void {
    this.hostClipboard = text;
  }

  frame(tMs: number): void {
    this.advance(tMs);
    if (this.suspended) return;
    const flips = this.flips!;
    const display = flips.display;
    const back = flips.back();
    const img = display.buffer(back);
    this.draw(img, back, tMs);
    if (display.hasCursor) {
      if (!this.cursorShown) display.setCursor(this.cursor);
      const x = this.pointer.x - this.cursor.hotX;
      const y = this.pointer.y - this.cursor.hotY;
      if (!this.cursorShown || this.cursorShown.x !== x || this.cursorShown.y !== y) {
        display.moveCursor(x, y);
        this.cursorShown = { x, y };
      }
    } else {
      const x = this.pointer.x - this.cursor.hotX;
      const y = this.pointer.y - this.cursor.hotY;
      blitAlpha(img, x, y, this.cursor);
      this.drawnRects.push({ x, y, w: this.cursor.width, h: this.cursor.height });
    }
    this.repaint.drawn(back, img, this.drawnRects);
    flips.present(back);
    this.frameCount++;
  }

  private pointerEvent(x: number, y: number, buttons: number): void {
    const m = this.mode;
    const px = Math.max(0, Math.min(m.width - 1, Math.round(x)));
    const py = Math.max(0, Math.min(m.height - 1, Math.round(y)));
    const pressed = buttons & ~this.pointer.buttons;
    const released = this.pointer.buttons & ~buttons;
    this.pointer = { x: px, y: py, buttons };
    if (pressed & Buttons.LEFT) {
      for (let i = this.windows.length - 1; i >= 0; i--) {
        const w = this.windows[i]!;
        if (px >= w.x && px < w.x + w.w && py >= w.y && py < w.y + w.h) {
          this.windows.splice(i, 1);
          this.windows.push(w);
          this.focused = this.windows.length - 1;
          if (py < w.y + TITLE_H) this.drag = { win: w, dx: px - w.x, dy: py - w.y };
          break;
        }
      }
    }
    if (this.drag) {
      const d = this.drag;
      d.win.pinned = { x: px - d.dx, y: Math.max(PANEL_H, py - d.dy) };
      d.win.x = d.win.pinned.x;
      d.win.y = d.win.pinned.y;
    }
    if (released & Buttons.LEFT) this.drag = undefined;
  }

  private appendNotes(text: string): void {
    this.notes = (this.notes + text).slice(-MAX_NOTES);
  }

  private layout(): void {
    const m = this.mode;
    this.wallpaper = makeWallpaper(m.width, m.height, new Prng(this.options.seed).fork("wallpaper"));
    this.repaint.forget();
    for (const w of this.windows) {
      w.w = Math.max(160, Math.min(m.width, Math.round(m.width * w.fw)));
      w.h = Math.max(120, Math.min(m.height - PANEL_H, Math.round(m.height * w.fh)));
    }
    this.cursorShown = undefined;
  }

  /** Everything that moves with time: window positions and the terminal's scrollback. */
  private advance(tMs: number): void {
    const m = this.mode;
    const s = tMs / 1000;
    for (const w of this.windows) {
      if (w.pinned) {
        w.x = w.pinned.x;
        w.y = w.pinned.y;
        continue;
      }
      const freeW = Math.max(0, m.width - w.w);
      const freeH = Math.max(0, m.height - PANEL_H - w.h);
      const fx = clamp01(w.cx + w.ax * Math.sin((2 * Math.PI * s) / w.px + w.phx));
      const fy = clamp01(w.cy + w.ay * Math.sin((2 * Math.PI * s) / w.py + w.phy));
      w.x = Math.round(fx * freeW);
      w.y = PANEL_H + Math.round(fy * freeH);
    }
    const want = Math.floor(tMs / TERMINAL_LINE_MS) + 1;
    while (this.terminalCount < want) {
      this.terminal.push(terminalLine(this.termRng, this.terminalCount));
      this.terminalCount++;
      if (this.terminal.length > 200) this.terminal.shift();
    }
  }

  /**
   * The wallpaper where buffer `back` had windows (all of it when that is not known), then the panel and
   * the windows, each whole. Records in drawnRects where this frame drew over the wallpaper (the panel is
   * redrawn whole every frame, so it is not in there).
   */
  private draw(img: LinearImage, back: number, tMs: number): void {
    const wallpaper = this.wallpaper!;
    const stale = this.options.repaint === "whole" ? undefined : this.repaint.staleRects(back, img);
    // the windows are opaque and drawn whole: no wallpaper is needed under them
    if (stale) for (const r of subtractRects(stale, this.windows)) blit(img, r.x, r.y, wallpaper, r.x, r.y, r.w, r.h);
    else blit(img, 0, 0, wallpaper);
    this.drawnRects.length = 0;
    this.drawPanel(img, tMs);
    for (let i = 0; i < this.windows.length; i++) {
      const w = this.windows[i]!;
      this.drawWindow(img, w, i === this.focused, tMs);
      // the title is drawn unclipped, so on a narrow window it runs past the right edge
      const right = Math.max(w.x + w.w + SHADOW, w.x + 8 + textWidth(this.font, w.title));
      this.drawnRects.push({ x: w.x, y: w.y, w: right - w.x, h: w.h + SHADOW });
    }
  }

  private drawPanel(img: LinearImage, tMs: number): void {
    const m = this.mode;
    fillRect(img, 0, 0, m.width, PANEL_H, 0x1b1d23);
    fillRect(img, 0, PANEL_H - 1, m.width, 1, 0x3a3f4b);
    drawText(img, this.font, 12, 10, "Activities", 0xe8e8e8);
    const clock = formatClock((this.options.epochMs ?? DEFAULT_EPOCH_MS) + tMs);
    drawText(img, this.big, Math.floor((m.width - textWidth(this.big, clock)) / 2), 2, clock, 0xffffff);
    const right = `${this.options.hostname ?? "vgpu"}  ${m.width}x${m.height}`;
    drawText(img, this.font, m.width - textWidth(this.font, right) - 12, 10, right, 0xb0b4bc);
  }

  private drawWindow(img: LinearImage, w: Win, focused: boolean, tMs: number): void {
    // The drop shadow: only its strips right of and below the window, as the window covers the rest of it.
    fillRect(img, w.x + w.w, w.y + SHADOW, SHADOW, w.h, 0x101216);
    fillRect(img, w.x + SHADOW, w.y + w.h, w.w - SHADOW, SHADOW, 0x101216);
    fillRect(img, w.x, w.y, w.w, TITLE_H, focused ? w.accent : 0x4a4d55);
    drawText(img, this.font, w.x + 8, w.y + 3, w.title, 0xffffff);
    for (let i = 0; i < 3; i++) fillRect(img, w.x + w.w - 20 - i * 18, w.y + 6, 10, 10, [0xe0443e, 0xdea123, 0x1aab29][i]!);
    strokeRect(img, w.x, w.y, w.w, w.h, focused ? 0x9aa0ab : 0x555a63);
    const inner = subImage(img, w.x + BORDER, w.y + TITLE_H, w.w - 2 * BORDER, w.h - TITLE_H - BORDER);
    // subImage clips to the screen: a window partly off-screen keeps its content aligned to its own origin.
    const ox = Math.min(0, w.x + BORDER);
    const oy = Math.min(0, w.y + TITLE_H);
    switch (w.kind) {
      case "terminal":
        this.drawTerminal(inner, ox, oy);
        break;
      case "chart":
        this.drawChart(inner, ox, oy, tMs);
        break;
      case "photo":
        this.drawPhoto(inner, ox, oy, tMs);
        break;
      case "notes":
        this.drawNotes(inner, ox, oy, tMs, focused);
        break;
    }
  }

  private drawTerminal(c: LinearImage, ox: number, oy: number): void {
    fillRect(c, 0, 0, c.width, c.height, 0x0c0c0c);
    const fh = this.font.height;
    const rows = Math.max(0, Math.floor((c.height - 8 - oy) / fh));
    const first = Math.max(0, this.terminal.length - rows);
    for (let i = first; i < this.terminal.length; i++) {
      const line = this.terminal[i]!;
      const color = line.startsWith("warning") ? 0xffd75f : line.startsWith("  LD") ? 0x5fd7ff : 0xc0c0c0;
      drawText(c, this.font, ox + 4, oy + 4 + (i - first) * fh, line, color);
    }
  }

  private drawChart(c: LinearImage, ox: number, oy: number, tMs: number): void {
    fillRect(c, 0, 0, c.width, c.height, 0x20232a);
    const s = tMs / 1000;
    const bars = 16;
    const w = c.width - ox;
    const h = c.height - oy;
    const bw = Math.max(2, Math.floor((w - 20) / bars) - 4);
    for (let i = 0; i < bars; i++) {
      const v = 0.5 + 0.45 * Math.sin(s * (1.3 + i * 0.37) + i * 1.7) * Math.cos(s * 0.5 + i);
      const bh = Math.round(v * (h - 40));
      const x = ox + 10 + i * (bw + 4);
      fillRect(c, x, oy + h - 10 - bh, bw, bh, rgb(60 + i * 10, 200 - i * 6, 120 + i * 8));
    }
    drawText(c, this.font, ox + 10, oy + 6, `CPU ${Math.round(50 + 45 * Math.sin(s * 0.9))}%`, 0xe0e0e0);
  }

  private drawPhoto(c: LinearImage, ox: number, oy: number, tMs: number): void {
    // A slow Ken Burns pan over the photo, tiled.
    const p = this.photo;
    const sx = Math.floor((tMs / 40) % p.width);
    const sy = Math.floor((tMs / 90) % p.height);
    for (let y = oy - sy; y < c.height; y += p.height) {
      for (let x = ox - sx; x < c.width; x += p.width) blit(c, x, y, p);
    }
  }

  private drawNotes(c: LinearImage, ox: number, oy: number, tMs: number, focused: boolean): void {
    fillRect(c, 0, 0, c.width, c.height, 0xfdfdf6);
    const fw = this.font.width, fh = this.font.height;
    const cols = Math.max(1, Math.floor((c.width - ox - 12) / fw));
    const rows = Math.max(1, Math.floor((c.height - oy - 8) / fh));
    const lines: string[] = [];
    for (const para of this.notes.split("\n")) {
      if (para.length === 0) lines.push("");
      for (let i = 0; i < para.length; i += cols) lines.push(para.slice(i, i + cols));
    }
    if (lines.length === 0) lines.push("");
    const shown = lines.slice(-rows);
    for (let i = 0; i < shown.length; i++) drawText(c, this.font, ox + 6, oy + 4 + i * fh, shown[i]!, 0x202020);
    if (focused && Math.floor(tMs / 500) % 2 === 0) {
      const last = shown[shown.length - 1]!;
      fillRect(c, ox + 6 + last.length * fw, oy + 4 + (shown.length - 1) * fh, 2, fh, 0x202020);
    }
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function terminalLine(r: Prng, n: number): string {
  const dirs = ["drivers/gpu/drm", "kernel/sched", "fs/ext4", "net/ipv4", "mm", "drivers/vfio/mdev"];
  const files = ["core", "main", "fair", "inode", "tcp_input", "page_alloc", "mdev_core", "vfio_main"];
  const k = r.int(0, 20);
  if (k === 0) return `warning: unused variable 'ret' [-Wunused-variable] (${n})`;
  if (k < 3) return `  LD [M]  ${r.pick(dirs)}/${r.pick(files)}.ko`;
  return `  CC      ${r.pick(dirs)}/${r.pick(files)}.o`;
}

/** The wallpaper: a diagonal blue-violet gradient with soft seeded circles (drawn once per mode). */
function makeWallpaper(width: number, height: number, r: Prng): LinearImage {
  const img = createImage(width, height);
  verticalGradient(img, 0, 0, width, height, 0x23395d, 0x5b3a6e);
  const circles = Array.from({ length: 6 }, () => ({
    x: r.range(0, width),
    y: r.range(0, height),
    rad: r.range(0.1, 0.3) * Math.max(width, height),
    lift: r.int(8, 24),
  }));
  const px = img.pixels;
  for (const c of circles) {
    const y0 = Math.max(0, Math.floor(c.y - c.rad)), y1 = Math.min(height, Math.ceil(c.y + c.rad));
    const r2 = c.rad * c.rad;
    for (let y = y0; y < y1; y++) {
      const dy = y - c.y;
      const span = Math.sqrt(Math.max(0, r2 - dy * dy));
      const x0 = Math.max(0, Math.floor(c.x - span)), x1 = Math.min(width, Math.ceil(c.x + span));
      const row = y * width;
      for (let x = x0; x < x1; x++) {
        const v = px[row + x]!;
        const rr = Math.min(255, ((v >>> 16) & 0xff) + c.lift);
        const gg = Math.min(255, ((v >>> 8) & 0xff) + c.lift);
        const bb = Math.min(255, (v & 0xff) + c.lift);
        px[row + x] = (rr << 16) | (gg << 8) | bb;
      }
    }
  }
  return img;
}

/** A 256×192 synthetic "photo": a sunset gradient with a sun, hills and seeded noise. */
function makePhoto(r: Prng): LinearImage {
  const w = 256, h = 192;
  const img = createImage(w, h);
  verticalGradient(img, 0, 0, w, h, 0xff7e5f, 0xfeb47b);
  const sunX = r.range(60, 200), sunY = r.range(50, 100);
  const px = img.pixels;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const ridge = h * 0.62 + 14 * Math.sin(x / 23 + 1.3) + 9 * Math.sin(x / 9);
      if (y > ridge) {
        const d = Math.min(1, (y - ridge) / (h - ridge + 1));
        px[i] = rgb(40 - d * 20, 70 - d * 30, 60 - d * 20);
      } else {
        const dx = x - sunX, dy = y - sunY;
        if (dx * dx + dy * dy < 400) px[i] = 0xfff3c4;
      }
      const n = r.int(0, 7) - 3;
      const v = px[i]!;
      px[i] = rgb(clampByte(((v >>> 16) & 0xff) + n), clampByte(((v >>> 8) & 0xff) + n), clampByte((v & 0xff) + n));
    }
  }
  return img;
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
