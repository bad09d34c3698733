/**
 * A reader for X Window Dump files (what `xwd` writes): just enough to turn a TrueColor ZPixmap grab of a
 * viewer's window into XRGB words for comparison with the Console. The header is 25 big-endian CARD32s,
 * then the window name up to header_size, then ncolors 12-byte colormap entries, then the image rows.
 */
export interface XwdImage {
  width: number;
  height: number;
  /** 0x00RRGGBB per pixel, packed rows */
  pixels: Uint32Array;
}

const ZPIXMAP = 2;
const LSB_FIRST = 0;

export function parseXwd(file: Uint8Array): XwdImage {
  if (file.length < 100) throw new RangeError(`XWD file too short: ${file.length} bytes`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const h = (i: number): number => view.getUint32(i * 4, false);
  const headerSize = h(0);
  const version = h(1);
  const format = h(2);
  const width = h(4);
  const height = h(5);
  const byteOrder = h(7);
  const bitsPerPixel = h(11);
  const bytesPerLine = h(12);
  const masks = [h(14), h(15), h(16)] as const;
  const ncolors = h(19);
  if (version !== 7) throw new RangeError(`XWD version ${version}, expected 7`);
  if (format !== ZPIXMAP) throw new RangeError(`XWD pixmap format ${format}, expected ZPixmap (2)`);
  if (bitsPerPixel !== 32 && bitsPerPixel !== 24) throw new RangeError(`XWD at ${bitsPerPixel} bpp is not supported`);
  const dataStart = headerSize + ncolors * 12;
  if (dataStart + bytesPerLine * height > file.length) throw new RangeError("XWD file is truncated");
  const bytesPerPixel = bitsPerPixel / 8;
  const shifts = masks.map((m) => Math.clz32(1) - Math.clz32(m & -m)) as [number, number, number];
  const pixels = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    let o = dataStart + y * bytesPerLine;
    for (let x = 0; x < width; x++, o += bytesPerPixel) {
      let v = 0;
      if (byteOrder === LSB_FIRST) for (let b = bytesPerPixel - 1; b >= 0; b--) v = v * 256 + file[o + b]!;
      else for (let b = 0; b < bytesPerPixel; b++) v = v * 256 + file[o + b]!;
      const r = ((v & masks[0]) >>> shifts[0]) & 0xff;
      const g = ((v & masks[1]) >>> shifts[1]) & 0xff;
      const bl = ((v & masks[2]) >>> shifts[2]) & 0xff;
      pixels[y * width + x] = (r << 16) | (g << 8) | bl;
    }
  }
  return { width, height, pixels };
}
