/** The arrow pointer a desktop shows: an ARGB8888 CursorImage, hotspot at the tip. */
import type { CursorImage } from "../guest-display.ts";

const ARROW = [
  "X           ",
  "XX          ",
  "X.X         ",
  "X..X        ",
  "X...X       ",
  "X....X      ",
  "X.....X     ",
  "X......X    ",
  "X.......X   ",
  "X........X  ",
  "X.........X ",
  "X..........X",
  "X......XXXXX",
  "X...X..X    ",
  "X..XX..X    ",
  "X.X  X..X   ",
  "XX   X..X   ",
  "X     X..X  ",
  "      X..X  ",
  "       XX   ",
];

const OUTLINE = 0xff000000;
const FILL = 0xffffffff;

export const ARROW_OUTLINE_XRGB = OUTLINE & 0xffffff;
export const ARROW_FILL_XRGB = FILL & 0xffffff;

/** A fresh arrow cursor (12×20, hotspot 0,0). */
export function arrowCursor(): CursorImage {
  const width = ARROW[0]!.length;
  const height = ARROW.length;
  const pixels = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = ARROW[y]!;
    for (let x = 0; x < width; x++) {
      const c = row[x];
      pixels[y * width + x] = c === "X" ? OUTLINE : c === "." ? FILL : 0;
    }
  }
  return { width, height, stridePixels: width, pixels, hotX: 0, hotY: 0 };
}
