/**
 * A character-cell screen like the Linux framebuffer console (fbcon): a grid of code points with VGA colour
 * attributes, a cursor with deferred wrap, scrolling, and incremental rendering into a LinearImage — only
 * rows that changed are redrawn, and a scroll moves the rendered pixels up instead of redrawing every row.
 */
import type { BitmapFont } from "../font/psf.ts";
import type { LinearImage } from "../guest-display.ts";
import { blit, drawGlyph, fillRect } from "./draw.ts";

/** The 16 VGA text colours, as the Linux console's default palette. */
export const VGA_PALETTE: readonly number[] = [
  0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xaaaaaa,
  0x555555, 0xff5555, 0x55ff55, 0xffff55, 0x5555ff, 0xff55ff, 0x55ffff, 0xffffff,
];

export const Color = {
  BLACK: 0, RED: 1, GREEN: 2, BROWN: 3, BLUE: 4, MAGENTA: 5, CYAN: 6, GREY: 7,
  DARK_GREY: 8, BRIGHT_RED: 9, BRIGHT_GREEN: 10, YELLOW: 11, BRIGHT_BLUE: 12, BRIGHT_MAGENTA: 13, BRIGHT_CYAN: 14, WHITE: 15,
} as const;

/** Attribute byte: foreground in the low nibble, background in the high one. */
export function attr(fg: number, bg: number = Color.BLACK): number {
  return (fg & 15) | ((bg & 15) << 4);
}

export const DEFAULT_ATTR = attr(Color.GREY, Color.BLACK);

export class TextGrid {
  readonly chars: Uint32Array;
  readonly attrs: Uint8Array;
  private readonly dirty: Uint8Array;
  private pendingScroll = 0;
  private full = true;
  /** cursor column (may equal cols: a wrap is pending) and row */
  cx = 0;
  cy = 0;
  attr = DEFAULT_ATTR;
  /** where the cursor was drawn, so moving or hiding it repaints that row */
  private drawnCursor = { col: -1, row: -1 };

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    if (cols < 1 || rows < 1) throw new RangeError(`a text grid of ${cols}x${rows}`);
    this.chars = new Uint32Array(cols * rows).fill(0x20);
    this.attrs = new Uint8Array(cols * rows).fill(DEFAULT_ATTR);
    this.dirty = new Uint8Array(rows).fill(1);
  }

  /** The code points of row `r`, trailing blanks removed (for tests and logs). */
  rowText(r: number): string {
    let s = "";
    for (let c = 0; c < this.cols; c++) s += String.fromCodePoint(this.chars[r * this.cols + c]!);
    return s.trimEnd();
  }

  /** Write text: \n moves to the next line's start, \r to this line's start; long lines wrap; the screen scrolls. */
  write(text: string, attribute = this.attr): void {
    for (const ch of text) {
      if (ch === "\n") {
        this.newline();
        continue;
      }
      if (ch === "\r") {
        this.cx = 0;
        continue;
      }
      if (this.cx >= this.cols) this.newline();
      const i = this.cy * this.cols + this.cx;
      this.chars[i] = ch.codePointAt(0)!;
      this.attrs[i] = attribute;
      this.dirty[this.cy] = 1;
      this.cx++;
    }
  }

  newline(): void {
    this.cx = 0;
    if (this.cy + 1 < this.rows) this.cy++;
    else this.scroll(1);
  }

  /** Erase the character before the cursor (moving back over a wrap); false at the top-left. */
  backspace(): boolean {
    if (this.cx === 0) {
      if (this.cy === 0) return false;
      this.cy--;
      this.cx = this.cols;
    }
    this.cx--;
    const i = this.cy * this.cols + this.cx;
    this.chars[i] = 0x20;
    this.attrs[i] = this.attr;
    this.dirty[this.cy] = 1;
    return true;
  }

  clear(): void {
    this.chars.fill(0x20);
    this.attrs.fill(this.attr);
    this.cx = 0;
    this.cy = 0;
    this.full = true;
  }

  scroll(n: number): void {
    if (n <= 0) return;
    const cols = this.cols;
    if (n >= this.rows) {
      this.chars.fill(0x20);
      this.attrs.fill(this.attr);
      this.full = true;
      return;
    }
    this.chars.copyWithin(0, n * cols);
    this.attrs.copyWithin(0, n * cols);
    this.chars.fill(0x20, (this.rows - n) * cols);
    this.attrs.fill(this.attr, (this.rows - n) * cols);
    this.dirty.copyWithin(0, n);
    this.dirty.fill(1, this.rows - n);
    this.pendingScroll += n;
    this.drawnCursor.row -= n;
  }

  /** Forget what was rendered: the next render redraws every cell. */
  invalidate(): void {
    this.full = true;
  }

  /** Whether a render would draw anything (given the cursor's state). */
  needsRender(cursorVisible: boolean): boolean {
    if (this.full || this.pendingScroll > 0) return true;
    const col = cursorVisible ? Math.min(this.cx, this.cols - 1) : -1;
    const row = cursorVisible ? this.cy : -1;
    if (col !== this.drawnCursor.col || row !== this.drawnCursor.row) return true;
    for (let r = 0; r < this.rows; r++) if (this.dirty[r]) return true;
    return false;
  }

  /**
   * Bring `img` up to date: cell (c, r) is drawn at (c × font.width, r × font.height); the cursor is an
   * underline (the cell's last two pixel rows) in the cell's foreground. Returns the number of rows drawn.
   */
  render(img: LinearImage, font: BitmapFont, cursorVisible: boolean): number {
    const fw = font.width, fh = font.height;
    const col = cursorVisible ? Math.min(this.cx, this.cols - 1) : -1;
    const row = cursorVisible ? this.cy : -1;
    if (this.full) {
      fillRect(img, this.cols * fw, 0, img.width - this.cols * fw, img.height, VGA_PALETTE[Color.BLACK]!);
      fillRect(img, 0, this.rows * fh, img.width, img.height - this.rows * fh, VGA_PALETTE[Color.BLACK]!);
      this.dirty.fill(1);
    } else if (this.pendingScroll > 0) {
      const keep = this.rows - this.pendingScroll;
      blit(img, 0, 0, img, 0, this.pendingScroll * fh, this.cols * fw, keep * fh);
    }
    if (!this.full && (this.drawnCursor.col !== col || this.drawnCursor.row !== row)) {
      if (this.drawnCursor.row >= 0 && this.drawnCursor.row < this.rows) this.dirty[this.drawnCursor.row] = 1;
      if (row >= 0) this.dirty[row] = 1;
    }
    this.full = false;
    this.pendingScroll = 0;
    let drawn = 0;
    for (let r = 0; r < this.rows; r++) {
      if (!this.dirty[r]) continue;
      this.dirty[r] = 0;
      drawn++;
      const base = r * this.cols;
      const y = r * fh;
      for (let c = 0; c < this.cols; c++) {
        const a = this.attrs[base + c]!;
        drawGlyph(img, font, c * fw, y, font.glyphFor(this.chars[base + c]!), VGA_PALETTE[a & 15]!, VGA_PALETTE[a >> 4]!);
      }
      if (r === row) {
        const a = this.attrs[base + col]!;
        fillRect(img, col * fw, y + fh - 2, fw, 2, VGA_PALETTE[a & 15]!);
      }
    }
    this.drawnCursor = { col, row };
    return drawn;
  }
}
