/**
 * Reads one frame of a plane into the console surface: row by row, straight from the mapped plane when its
 * rows already are XRGB8888, through a row decoder and a line buffer otherwise. Rows the mapping does not
 * (fully) cover — the unmappable tail page of a dma-buf, a plane larger than its region — are read as far
 * as they go and the rest is left black, never read past the mapping.
 */
import { DamageTracker, pixelSource, type PixelSource } from "./damage-tracker.ts";
import { bytesPerPixel, isNativeFormat, rowDecoder, type RowDecoder } from "./row-decoders.ts";

export interface PlaneLayout {
  drmFormat: number;
  width: number;
  height: number;
  /** bytes per line */
  stride: number;
}

/** Why a plane cannot be shown, or undefined when it can. */
export function unsupportedReason(layout: PlaneLayout, modifierIsLinear: boolean): string | undefined {
  if (!modifierIsLinear) return "tiled planes are not decoded yet";
  if (!rowDecoder(layout.drmFormat)) return `format 0x${layout.drmFormat.toString(16)} is not supported`;
  const bpp = bytesPerPixel(layout.drmFormat);
  if (layout.width < 1 || layout.height < 1) return "empty plane";
  if (layout.stride < layout.width * bpp) return `stride ${layout.stride} is smaller than ${layout.width} pixels`;
  return undefined;
}

export class FrameReader {
  private line: Uint32Array;
  private lineSource: PixelSource;
  private source: PixelSource | undefined;
  private sourceBytes: Uint8Array | undefined;

  constructor() {
    this.line = new Uint32Array(0);
    this.lineSource = pixelSource(new Uint8Array(this.line.buffer));
  }

  /**
   * Compare/copy `layout`'s rows from `bytes` (of which the first `readable` are valid) into `tracker`.
   * Returns the number of rows that could not be read completely.
   */
  read(tracker: DamageTracker, layout: PlaneLayout, bytes: Uint8Array, readable: number): number {
    const width = Math.min(layout.width, tracker.width);
    const height = Math.min(layout.height, tracker.height);
    const decoder = rowDecoder(layout.drmFormat)!;
    const bpp = bytesPerPixel(layout.drmFormat);
    const native = isNativeFormat(layout.drmFormat) && width === tracker.width && bytes.byteOffset % 4 === 0 && layout.stride % 4 === 0;
    if (native && this.sourceBytes !== bytes) {
      this.source = pixelSource(bytes);
      this.sourceBytes = bytes;
    }
    this.ensureLine(tracker.width);
    let partial = 0;
    const rowBytes = width * bpp;
    for (let y = 0; y < height; y++) {
      const offset = y * layout.stride;
      if (offset + rowBytes <= readable) {
        if (native) tracker.row(y, this.source!, offset);
        else this.decodeRow(tracker, y, decoder, bytes, offset, width);
      } else {
        partial++;
        const pixels = offset < readable ? Math.floor((readable - offset) / bpp) & ~1 : 0;
        this.line.fill(0);
        if (pixels > 0) decoder(bytes, offset, pixels, this.line);
        tracker.row(y, this.lineSource, 0);
      }
    }
    return partial;
  }

  private decodeRow(tracker: DamageTracker, y: number, decoder: RowDecoder, bytes: Uint8Array, offset: number, width: number): void {
    decoder(bytes, offset, width, this.line);
    tracker.row(y, this.lineSource, 0);
  }

  private ensureLine(width: number): void {
    if (this.line.length === width) return;
    this.line = new Uint32Array(width);
    this.lineSource = pixelSource(new Uint8Array(this.line.buffer));
  }
}
