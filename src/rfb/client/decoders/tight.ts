/**
 * Tight (encoding 7), client side: the compression control byte (reset bits for the four zlib streams,
 * then Fill, JPEG, or basic compression with the copy, palette or gradient filter), compact lengths, and
 * JPEG through sharp. TightPNG (tight-png.ts) is the same decoder with PNG instead of basic compression.
 *
 * Everything read is checked against the rectangle: palette sizes 2…256, indices inside the palette,
 * compact lengths within what the data can need, zlib output of exactly the expected size, images of the
 * rectangle's size. Anything else is a DecodeError.
 */
import sharp from "sharp";
import { Encoding } from "../../encodings.ts";
import type { ByteSource } from "../byte-source.ts";
import { DecodeError, type ClientFramebuffer, type DecodeContext, type RectDecoder } from "../decoder.ts";
import type { PixelReader } from "../pixel-reader.ts";
import { TightInflater } from "./tight-inflater.ts";

const MIN_TO_COMPRESS = 12;

/** Read a compact length (1–3 bytes) and check it against `limit`. */
export async function readCompactLength(source: ByteSource, limit: number, what: string): Promise<number> {
  let b = await source.u8();
  let n = b & 0x7f;
  if (b & 0x80) {
    b = await source.u8();
    n |= (b & 0x7f) << 7;
    if (b & 0x80) n |= (await source.u8()) << 14;
  }
  if (n > limit) throw new DecodeError(`Tight ${what} length ${n} is more than the rectangle can need (${limit})`);
  return n;
}

/** The most bytes a JPEG or PNG of w×h pixels may take (far above any real encoder's output). */
export function imageLengthLimit(w: number, h: number): number {
  return w * h * 8 + 65536;
}

/** Draw an image decoded by sharp (1–4 channels, 8 bits) into the framebuffer. */
export function drawDecodedImage(fb: ClientFramebuffer, x: number, y: number, w: number, h: number, data: Buffer, channels: number): void {
  const px = fb.pixels;
  let i = 0;
  for (let row = 0; row < h; row++) {
    let o = (y + row) * fb.width + x;
    for (let col = 0; col < w; col++, i += channels) {
      if (channels >= 3) px[o++] = ((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!) >>> 0;
      else px[o++] = data[i]! * 0x010101;
    }
  }
}

/** Decode a JPEG or PNG of exactly w×h and draw it. */
export async function decodeImage(ctx: DecodeContext, x: number, y: number, w: number, h: number, kind: string): Promise<void> {
  const length = await readCompactLength(ctx.source, imageLengthLimit(w, h), kind);
  const file = await ctx.source.read(length);
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await sharp(file).raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new DecodeError(`Tight ${kind}: ${(e as Error).message}`);
  }
  const { info, data } = decoded;
  if (info.width !== w || info.height !== h) throw new DecodeError(`Tight ${kind} is ${info.width}x${info.height} in a ${w}x${h} rectangle`);
  if (info.channels < 1 || info.channels > 4 || data.length < w * h * info.channels) throw new DecodeError(`Tight ${kind}: unexpected ${info.channels}-channel image`);
  drawDecodedImage(ctx.framebuffer, x, y, w, h, data, info.channels);
}

function fillRect(fb: ClientFramebuffer, x: number, y: number, w: number, h: number, colour: number): void {
  for (let row = y; row < y + h; row++) fb.pixels.fill(colour, row * fb.width + x, row * fb.width + x + w);
}

export class TightDecoder implements RectDecoder {
  readonly encoding: number = Encoding.Tight;
  protected readonly streams = [0, 1, 2, 3].map((id) => new TightInflater(id));

  async decode(ctx: DecodeContext, x: number, y: number, w: number, h: number): Promise<void> {
    const fb = ctx.framebuffer;
    if (x + w > fb.width || y + h > fb.height) throw new DecodeError(`Tight rectangle ${w}x${h}+${x}+${y} is outside the ${fb.width}x${fb.height} framebuffer`);
    const control = await ctx.source.u8();
    for (let i = 0; i < 4; i++) if (control & (1 << i)) this.streams[i]!.reset();
    const kind = control >>> 4;
    if (kind === 0x8) {
      const t = await ctx.source.read(ctx.pixels.tpixelBytes);
      fillRect(fb, x, y, w, h, ctx.pixels.tpixel(t, 0));
    } else if (kind === 0x9) {
      if (ctx.pixels.bytesPerPixel === 1) throw new DecodeError("Tight JPEG at 8 bits per pixel");
      await decodeImage(ctx, x, y, w, h, "JPEG");
    } else if (kind < 0x8) {
      await this.basic(ctx, control, x, y, w, h);
    } else {
      await this.other(ctx, control, x, y, w, h);
    }
  }

  /** Control nibbles above 9: none in Tight (1010/1110 need "Tight without zlib", which we never ask for). */
  protected other(_ctx: DecodeContext, control: number, _x: number, _y: number, _w: number, _h: number): Promise<void> {
    return Promise.reject(new DecodeError(`Tight compression control 0x${control.toString(16).padStart(2, "0")} is not valid here`));
  }

  protected async basic(ctx: DecodeContext, control: number, x: number, y: number, w: number, h: number): Promise<void> {
    const src = ctx.source;
    const pr = ctx.pixels;
    const stream = this.streams[(control >>> 4) & 3]!;
    const filter = control & 0x40 ? await src.u8() : 0;
    const tb = pr.tpixelBytes;
    if (filter === 1) {
      const n = (await src.u8()) + 1;
      if (n < 2) throw new DecodeError("Tight palette of 1 colour (2…256 allowed)");
      const raw = await src.read(n * tb);
      const palette = new Uint32Array(n);
      for (let i = 0; i < n; i++) palette[i] = pr.tpixel(raw, i * tb);
      const rowBytes = n === 2 ? (w + 7) >>> 3 : w;
      const data = await this.readData(src, stream, rowBytes * h);
      const fb = ctx.framebuffer;
      for (let row = 0; row < h; row++) {
        let o = (y + row) * fb.width + x;
        const base = row * rowBytes;
        if (n === 2) {
          for (let col = 0; col < w; col++) fb.pixels[o++] = palette[(data[base + (col >>> 3)]! >>> (7 - (col & 7))) & 1]!;
        } else {
          for (let col = 0; col < w; col++) {
            const index = data[base + col]!;
            if (index >= n) throw new DecodeError(`Tight palette index ${index} with ${n} colours`);
            fb.pixels[o++] = palette[index]!;
          }
        }
      }
    } else if (filter === 0 || filter === 2) {
      const data = await this.readData(src, stream, w * h * tb);
      if (filter === 0) drawTPixels(ctx.framebuffer, pr, x, y, w, h, data);
      else if (pr.tpixel24) drawGradientRgb(ctx.framebuffer, x, y, w, h, data);
      else drawGradientPixels(ctx.framebuffer, pr, x, y, w, h, data);
    } else {
      throw new DecodeError(`Tight filter id ${filter} (0 copy, 1 palette, 2 gradient)`);
    }
  }

  /** Basic data: raw when under 12 bytes, else compact length + zlib on the rectangle's stream. */
  private async readData(src: ByteSource, stream: TightInflater, length: number): Promise<Buffer> {
    if (length < MIN_TO_COMPRESS) return src.read(length);
    // deflate never grows data by more than a few bytes per 16 KiB block; allow generous room
    const compressed = await readCompactLength(src, length + (length >>> 3) + 1024, "zlib data");
    return stream.inflate(await src.read(compressed), length);
  }
}

function drawTPixels(fb: ClientFramebuffer, pr: PixelReader, x: number, y: number, w: number, h: number, data: Buffer): void {
  const tb = pr.tpixelBytes;
  let i = 0;
  for (let row = 0; row < h; row++) {
    let o = (y + row) * fb.width + x;
    if (pr.tpixel24) {
      for (let col = 0; col < w; col++, i += 3) fb.pixels[o++] = ((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!) >>> 0;
    } else {
      for (let col = 0; col < w; col++, i += tb) fb.pixels[o++] = pr.tpixel(data, i);
    }
  }
}

/**
 * The gradient filter (rfbproto): each channel was sent as (V − P) mod (max + 1), P = left + above −
 * above-left clamped to 0…max, pixels outside the rectangle count as 0. Here TPIXELs are whole pixels, and
 * the channels are the pixel format's (3-byte TPIXELs: drawGradientRgb).
 */
function drawGradientPixels(fb: ClientFramebuffer, pr: PixelReader, x: number, y: number, w: number, h: number, data: Buffer): void {
  const f = pr.format;
  const tb = pr.tpixelBytes;
  const max = [f.redMax, f.greenMax, f.blueMax];
  const shift = [f.redShift, f.greenShift, f.blueShift];
  // channel values of the previous row and of this row, with a zero column at index 0
  let above = new Int32Array((w + 1) * 3);
  let current = new Int32Array((w + 1) * 3);
  let i = 0;
  for (let row = 0; row < h; row++) {
    current.fill(0, 0, 3);
    let o = (y + row) * fb.width + x;
    for (let col = 0; col < w; col++, i += tb) {
      const value = pr.value(data, i);
      let out = 0;
      for (let c = 0; c < 3; c++) {
        const m = max[c]!;
        const d = Math.floor(value / 2 ** shift[c]!) & m;
        let p = current[col * 3 + c]! + above[(col + 1) * 3 + c]! - above[col * 3 + c]!;
        p = p < 0 ? 0 : p > m ? m : p;
        const v = (p + d) & m;
        current[(col + 1) * 3 + c] = v;
        out += v * 2 ** shift[c]!;
      }
      fb.pixels[o++] = pr.toXrgb(out);
    }
    [above, current] = [current, above];
  }
}

/**
 * The gradient filter for 3-byte TPIXELs (the channels are the R, G, B bytes), a full-motion frame's worth
 * at a time: the neighbours are the pixels already drawn (0x00RRGGBB words), so no row buffers.
 */
function drawGradientRgb(fb: ClientFramebuffer, x: number, y: number, w: number, h: number, data: Buffer): void {
  const px = fb.pixels;
  let i = 0;
  for (let row = 0; row < h; row++) {
    const start = (y + row) * fb.width + x;
    const above = row > 0 ? start - fb.width : -1;
    let left = 0;
    let aboveLeft = 0;
    for (let col = 0; col < w; col++, i += 3) {
      const up = above >= 0 ? px[above + col]! : 0;
      const r = (data[i]! + clampPredicted(((left >>> 16) & 0xff) + ((up >>> 16) & 0xff) - ((aboveLeft >>> 16) & 0xff))) & 0xff;
      const g = (data[i + 1]! + clampPredicted(((left >>> 8) & 0xff) + ((up >>> 8) & 0xff) - ((aboveLeft >>> 8) & 0xff))) & 0xff;
      const b = (data[i + 2]! + clampPredicted((left & 0xff) + (up & 0xff) - (aboveLeft & 0xff))) & 0xff;
      left = (r << 16) | (g << 8) | b;
      px[start + col] = left;
      aboveLeft = up;
    }
  }
}

function clampPredicted(p: number): number {
  return p < 0 ? 0 : p > 255 ? 255 : p;
}
