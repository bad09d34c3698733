/**
 * Reads one frame of a plane into the console surface: row by row, straight from the mapped plane when its
 * rows already are XRGB8888, through a row decoder and a line buffer otherwise. Rows the mapping does not
 * (fully) cover — the unmappable tail page of a dma-buf, a plane larger than its region — are read as far
 * as they go and the rest is left black, never read past the mapping.
 */
import { modifierDescriptor, type TilingName } from "../abi/index.ts";
import { DamageTracker, pixelSource, type PixelSource } from "./damage-tracker.ts";
import { RowDetiler } from "./detiler.ts";
import { bytesPerPixel, isNativeFormat, rowDecoder, type RowDecoder } from "./row-decoders.ts";

export interface PlaneLayout {
  drmFormat: number;
  /** DRM format modifier: LINEAR or Intel X/Y/Yf tiling */
  modifier: bigint;
  width: number;
  height: number;
  /** bytes per line */
  stride: number;
}

/** Why a plane cannot be shown, or undefined when it can. */
export function unsupportedReason(layout: PlaneLayout): string | undefined {
  const tiling = modifierDescriptor(layout.modifier)?.tiling;
  if (!tiling) return `modifier 0x${layout.modifier.toString(16)} is not supported`;
  if (!rowDecoder(layout.drmFormat)) return `format 0x${layout.drmFormat.toString(16)} is not supported`;
  const bpp = bytesPerPixel(layout.drmFormat);
  if (layout.width < 1 || layout.height < 1) return "empty plane";
  // the driver's word is all there is: refuse before allocating a surface for it (the Console's own bound)
  if (layout.width > 16384 || layout.height > 16384) return `plane ${layout.width}x${layout.height} is larger than 16384x16384`;
  if (layout.stride < layout.width * bpp) return `stride ${layout.stride} is smaller than ${layout.width} pixels`;
  if (tiling !== "linear") {
    try {
      new RowDetiler(tiling, bpp, layout.stride);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}

export class FrameReader {
  private line: Uint32Array;
  private lineSource: PixelSource;
  private source: PixelSource | undefined;
  private sourceBytes: Uint8Array | undefined;
  private detiler: RowDetiler | undefined;
  private tilingOf: PlaneLayout | undefined;
  private tiling: TilingName = "linear";
  private detilerKey = "";

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
    if (layout !== this.tilingOf) {
      this.tilingOf = layout;
      this.tiling = modifierDescriptor(layout.modifier)!.tiling;
    }
    const tiling = this.tiling;
    const native = isNativeFormat(layout.drmFormat) && width === tracker.width && bytes.byteOffset % 4 === 0 && layout.stride % 4 === 0;
    if ((native || tiling !== "linear") && this.sourceBytes !== bytes) {
      this.source = pixelSource(bytes); // mappings start on a page: always aligned
      this.sourceBytes = bytes;
    }
    this.ensureLine(tracker.width);
    if (tiling !== "linear") return this.readTiled(tracker, layout, tiling, decoder, width, height, readable);
    let partial = 0;
    const rowBytes = width * bpp;
    // Without the C helper, an idle frame costs one memcmp over the whole frame when its rows are packed. The
    // helper is as quick on an idle frame, and this compare would only add to a changed one (up to its first
    // difference, which may be near the bottom).
    if (native && !tracker.nativeRows && layout.stride === rowBytes && height === tracker.height && rowBytes * height <= readable && tracker.frameUnchanged(this.source!, 0)) {
      return 0;
    }
    let y = 0;
    // Rows that lie whole in the readable bytes go to the native helper in one call when it is built.
    if (native) {
      const whole = readable >= rowBytes ? Math.min(height, Math.floor((readable - rowBytes) / layout.stride) + 1) : 0;
      if (tracker.rows(bytes, layout.stride, 0, whole)) y = whole;
    }
    for (; y < height; y++) {
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

  private readTiled(tracker: DamageTracker, layout: PlaneLayout, tiling: Exclude<TilingName, "linear">, decoder: RowDecoder, width: number, height: number, readable: number): number {
    const bpp = bytesPerPixel(layout.drmFormat);
    const key = `${tiling}/${bpp}/${layout.stride}`;
    if (this.detilerKey !== key) {
      this.detiler = new RowDetiler(tiling, bpp, layout.stride);
      this.detilerKey = key;
    }
    const d = this.detiler!;
    const src = this.source!;
    let partial = 0;
    for (let y = 0; y < height; y++) {
      // Tiles lie whole in the mapping or not: a row whose tiles are past `readable` is partly zero.
      if ((Math.floor(y / d.layout.heightRows) + 1) * (layout.stride / d.layout.widthBytes) * d.layout.sizeBytes > readable) partial++;
      d.row(y, src.bytes, src.words, readable);
      this.decodeRow(tracker, y, decoder, d.lineBytes, 0, width);
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
