/** The workloads' building blocks: PSF fonts, the drawing toolkit, PNG, the PRNG, the keyboard. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { parsePsf, PsfError } from "../../../src/guest/font/psf.ts";
import { terminus16, terminusBold32 } from "../../../src/guest/font/terminus.ts";
import { blit, blitAlpha, createImage, drawGlyph, drawText, fillRect, subImage, TRANSPARENT } from "../../../src/guest/workloads/draw.ts";
import {
  chordEvents,
  Keyboard,
  Keysym,
  Scancode,
  scancodeEventsFor,
  keysymEventsFor,
  vtSwitchTarget,
  type KeyPress,
} from "../../../src/guest/workloads/input.ts";
import { crc32, decodePng, encodePng, PngError } from "../../../src/guest/workloads/png.ts";
import { Prng } from "../../../src/guest/workloads/prng.ts";
import { TextGrid } from "../../../src/guest/workloads/text-grid.ts";

function glyphArt(font: ReturnType<typeof terminus16>, ch: string): string[] {
  const g = font.glyphFor(ch.codePointAt(0)!);
  const rows: string[] = [];
  for (let y = 0; y < font.height; y++) {
    let s = "";
    for (let x = 0; x < font.width; x++) s += font.pixel(g, x, y) ? "#" : ".";
    rows.push(s);
  }
  return rows;
}

test("the shipped Terminus fonts parse (PSF1 8x16 and PSF2 16x32) and map Unicode to the right glyphs", () => {
  const f = terminus16();
  assert.deepEqual([f.width, f.height, f.glyphCount], [8, 16, 512]);
  assert.deepEqual(glyphArt(f, "A").slice(2, 12), [
    "..####..", ".#....#.", ".#....#.", ".#....#.", ".#....#.", ".######.", ".#....#.", ".#....#.", ".#....#.", ".#....#.",
  ]);
  assert.ok(glyphArt(f, " ").every((r) => r === "........"));
  assert.notDeepEqual(glyphArt(f, "a"), glyphArt(f, "A"));
  // Unicode table: ä and the full block map to their own glyphs; an unmapped code point falls back (U+FFFD).
  assert.notEqual(f.lookup(0xe4), undefined);
  assert.notEqual(f.lookup(0x2588), undefined);
  assert.equal(f.lookup(0x2603), undefined);
  assert.equal(f.glyphFor(0x2603), f.lookup(0xfffd));
  const b = terminusBold32();
  assert.deepEqual([b.width, b.height, b.bytesPerRow], [16, 32, 2]);
  const zero = glyphArt(b, "0");
  assert.ok(zero.some((r) => r.includes("###")), "a bold 0 has thick strokes");
});

test("parsePsf refuses what is not a PSF font and a truncated one", () => {
  assert.throws(() => parsePsf(new Uint8Array([1, 2, 3, 4, 5])), PsfError);
  assert.throws(() => parsePsf(new Uint8Array([0x36, 0x04, 0x00, 0x10, 1, 2, 3])), /truncated/);
  // A hand-made PSF2 without a Unicode table: glyph i stands for code point i.
  const hdr = new Uint8Array(32);
  const dv = new DataView(hdr.buffer);
  [0x864ab572, 0, 32, 0, 2, 2, 2, 8].forEach((v, i) => dv.setUint32(i * 4, v, true));
  const font = parsePsf(Uint8Array.from([...hdr, 0x80, 0x01, 0xff, 0xff]));
  assert.equal(font.lookup(1), 1);
  assert.equal(font.pixel(0, 0, 0), true);
  assert.equal(font.pixel(0, 7, 1), true);
  assert.equal(font.pixel(0, 1, 0), false);
});

test("drawGlyph and drawText put the font's bits in fg and the rest in bg, clipped at every edge", () => {
  const f = terminus16();
  const img = createImage(20, 20);
  img.pixels.fill(0x123456);
  drawText(img, f, 2, 1, "A", 0xffffff, 0x000000);
  const g = f.glyphFor(0x41);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 8; x++) {
    assert.equal(img.pixels[(1 + y) * 20 + 2 + x], f.pixel(g, x, y) ? 0xffffff : 0x000000, `pixel ${x},${y}`);
  }
  assert.equal(img.pixels[0], 0x123456, "outside the cell untouched");
  // Transparent background keeps what was there; negative and overhanging positions are clipped.
  drawGlyph(img, f, 14, 10, g, 0xff0000, TRANSPARENT);
  drawGlyph(img, f, -5, -9, g, 0x00ff00);
  assert.equal(img.pixels[19 * 20 + 19], f.pixel(g, 5, 9) ? 0xff0000 : 0x123456);
  assert.equal(drawText(img, f, 0, 0, "héllo", 1), 5 * 8);
});

test("fillRect clips; blit moves overlapping rows of one buffer correctly both ways; subImage shares memory", () => {
  const img = createImage(8, 8);
  fillRect(img, -2, -2, 4, 4, 7);
  assert.equal(img.pixels[0], 7);
  assert.equal(img.pixels[1], 7);
  assert.equal(img.pixels[2], 0);
  assert.equal(img.pixels[8 * 2], 0);
  for (let i = 0; i < 64; i++) img.pixels[i] = i;
  blit(img, 0, 0, img, 0, 2, 8, 6); // scroll up by 2 rows
  assert.deepEqual([...img.pixels.subarray(0, 8)], [16, 17, 18, 19, 20, 21, 22, 23]);
  assert.deepEqual([...img.pixels.subarray(40, 48)], [56, 57, 58, 59, 60, 61, 62, 63]);
  for (let i = 0; i < 64; i++) img.pixels[i] = i;
  blit(img, 1, 2, img, 0, 0, 7, 6); // down and right
  assert.equal(img.pixels[2 * 8 + 1], 0);
  assert.equal(img.pixels[7 * 8 + 7], 5 * 8 + 6);
  const sub = subImage(img, 2, 3, 4, 2);
  fillRect(sub, 0, 0, 100, 100, 99);
  assert.equal(img.pixels[3 * 8 + 2], 99);
  assert.equal(img.pixels[4 * 8 + 5], 99);
  assert.notEqual(img.pixels[4 * 8 + 6], 99);
  assert.notEqual(img.pixels[5 * 8 + 2], 99);
});

test("blitAlpha blends straight alpha and skips transparent pixels", () => {
  const dst = createImage(3, 1);
  dst.pixels.fill(0x000000);
  const src = { width: 3, height: 1, stridePixels: 3, pixels: Uint32Array.from([0xffff0000, 0x80ffffff, 0x0000ff00]) };
  blitAlpha(dst, 0, 0, src);
  assert.equal(dst.pixels[0], 0xff0000);
  assert.equal(dst.pixels[1], 0x808080);
  assert.equal(dst.pixels[2], 0);
});

test("TextGrid wraps, scrolls and renders only what changed", () => {
  const f = terminus16();
  const grid = new TextGrid(4, 2);
  const img = createImage(32, 32);
  grid.write("abcdef");
  assert.deepEqual([grid.rowText(0), grid.rowText(1)], ["abcd", "ef"]);
  assert.equal(grid.render(img, f, false), 2);
  assert.equal(grid.render(img, f, false), 0, "nothing changed");
  grid.write("\nxy");
  assert.deepEqual([grid.rowText(0), grid.rowText(1)], ["ef", "xy"]);
  grid.render(img, f, false);
  const fresh = createImage(32, 32);
  const again = new TextGrid(4, 2);
  again.write("ef\nxy");
  again.render(fresh, f, false);
  assert.deepEqual([...img.pixels], [...fresh.pixels], "scrolling by moving pixels gives what a full redraw gives");
  grid.backspace();
  assert.equal(grid.rowText(1), "x");
});

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

function png(width: number, height: number, depth: number, colorType: number, raw: number[], opts: { plte?: number[]; interlace?: boolean } = {}): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  ihdr[12] = opts.interlace ? 1 : 0;
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr)];
  if (opts.plte) parts.push(pngChunk("PLTE", Uint8Array.from(opts.plte)));
  parts.push(pngChunk("IDAT", new Uint8Array(deflateSync(Uint8Array.from(raw)))), pngChunk("IEND", new Uint8Array(0)));
  return Buffer.concat(parts);
}

test("PNG: round trip of an RGB image with every row filter, plus grey, palette, 16-bit RGBA and Adam7", () => {
  const img = createImage(5, 4);
  for (let i = 0; i < 20; i++) img.pixels[i] = (i * 0x0b1d27) & 0xffffff;
  assert.deepEqual([...decodePng(encodePng(img)).pixels], [...img.pixels]);
  // 2x2 RGB, rows with Sub and Paeth filters.
  const filtered = png(2, 2, 8, 2, [1, 10, 20, 30, 5, 5, 5, 4, 1, 2, 3, 0, 0, 0]);
  assert.deepEqual([...decodePng(filtered).pixels], [0x0a141e, 0x0f1923, 0x0b1621, 0x0f1923]);
  // 1-bit grey: 10 pixels, 2 bytes a row.
  assert.deepEqual([...decodePng(png(10, 1, 1, 0, [0, 0b10100000, 0b01000000])).pixels].map((v) => v & 0xff), [255, 0, 255, 0, 0, 0, 0, 0, 0, 255]);
  // 4-bit palette.
  const pal = decodePng(png(3, 1, 4, 3, [0, 0x21, 0x00], { plte: [1, 2, 3, 4, 5, 6, 7, 8, 9] }));
  assert.deepEqual([...pal.pixels], [0x070809, 0x040506, 0x010203]);
  // 16-bit RGBA: the high bytes count, alpha is dropped.
  assert.deepEqual([...decodePng(png(1, 1, 16, 6, [0, 0xab, 0xcd, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00])).pixels], [0xab1256]);
  // Up and Average rows (grey): None [10 20], Up [1 2] -> 11 22, Average [5 5] -> 10 21, Sub [3 4] -> 3 7.
  const upAvg = decodePng(png(2, 4, 8, 0, [0, 10, 20, 2, 1, 2, 3, 5, 5, 1, 3, 4]));
  assert.deepEqual([...upAvg.pixels].map((v) => v & 0xff), [10, 20, 11, 22, 10, 21, 3, 7]);
  // Adam7, 3x3 grey, pass by pass: 1 (0,0); 2 and 3 empty; 4 (2,0); 5 row 2 x=0,2; 6 x=1 rows 0,2; 7 row 1.
  const raw2 = [0, 10, 0, 20, 0, 30, 31, 0, 40, 0, 41, 0, 50, 51, 52];
  const inter = decodePng(png(3, 3, 8, 0, raw2, { interlace: true }));
  assert.deepEqual([...inter.pixels].map((v) => v & 0xff), [10, 40, 20, 50, 51, 52, 30, 41, 31]);
  const bad = encodePng(img);
  bad[40] = bad[40]! ^ 0xff;
  assert.throws(() => decodePng(bad), PngError);
  assert.throws(() => decodePng(new Uint8Array(20)), /signature/);
});

test("Prng: same seed same stream, different seeds different streams, forks independent of later draws", () => {
  const a = new Prng(42), b = new Prng(42), c = new Prng(43);
  const sa = Array.from({ length: 8 }, () => a.u32());
  assert.deepEqual(sa, Array.from({ length: 8 }, () => b.u32()));
  assert.notDeepEqual(sa, Array.from({ length: 8 }, () => c.u32()));
  assert.equal(new Prng(1).fork("x").u32(), new Prng(1).fork("x").u32());
  const r = new Prng(5);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(3, 7);
    assert.ok(v >= 3 && v < 7 && Number.isInteger(v));
  }
});

test("Keyboard: scancodes use the US layout with Shift and Caps Lock; keysyms type themselves; Ctrl-Alt-Fn switches VT", () => {
  const kb = new Keyboard();
  const typed = (events: ReturnType<typeof scancodeEventsFor>): string =>
    events.map((e) => kb.handle(e)).filter((p): p is KeyPress => !!p).map((p) => p.text ?? "").join("");
  assert.equal(typed(scancodeEventsFor("Hello, World!\r")), "Hello, World!\r");
  assert.equal(typed(keysymEventsFor("ünï")), "ünï");
  kb.handle({ type: "key", down: true, scancode: Scancode.Caps_Lock });
  kb.handle({ type: "key", down: false, scancode: Scancode.Caps_Lock });
  assert.equal(kb.handle({ type: "key", down: true, scancode: 0x1e })?.text, "A", "caps lock");
  assert.equal(kb.handle({ type: "key", down: true, scancode: 0x02 })?.text, "1", "caps lock leaves digits");
  // The scancode wins over a keysym that disagrees (QEMU extended key events).
  assert.equal(kb.handle({ type: "key", down: true, scancode: 0x30, keysym: 0x78 })?.text, "B");
  const kb2 = new Keyboard();
  const presses = chordEvents(Keysym.Control_L, Keysym.Alt_L, Keysym.F2).map((e) => kb2.handle(e)).filter((p): p is KeyPress => !!p);
  assert.equal(presses.length, 1);
  assert.equal(vtSwitchTarget(presses[0]!), 2);
  const kb3 = new Keyboard();
  const viaScancodes = [
    { type: "key" as const, down: true, scancode: Scancode.Control_R },
    { type: "key" as const, down: true, scancode: Scancode.Alt_L },
    { type: "key" as const, down: true, scancode: Scancode.F1 },
  ].map((e) => kb3.handle(e)).filter((p): p is KeyPress => !!p);
  assert.equal(vtSwitchTarget(viaScancodes[0]!), 1);
  assert.equal(vtSwitchTarget(new Keyboard().handle({ type: "key", down: true, keysym: Keysym.F2 })!), undefined, "F2 alone is no switch");
  assert.equal(vtSwitchTarget(new Keyboard().handle({ type: "key", down: true, keysym: Keysym.XF86Switch_VT_1 + 1 })!), 2);
});
