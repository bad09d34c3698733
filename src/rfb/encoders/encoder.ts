/**
 * The one interface every pixel encoding implements (one file per encoding, as noVNC keeps one decoder per
 * file). An encoder turns a rectangle of the console surface into the bytes of one or more RFB rectangles
 * (12-byte header included) for one client configuration: pixel format, compression level, JPEG quality.
 *
 * Encoders keep no state between calls and none per client, so one encoding of a rectangle can be sent to
 * every client that asked for exactly the same thing. The persistent zlib streams RFB defines (ZRLE's,
 * Zlib's, Tight's four) are handled alike: a rectangle's zlib data is raw deflate, compressed on its own and
 * ended with a full flush (no back-reference into earlier data), and Tight never sets a reset bit. A client's
 * first rectangle on a stream gets the 2-byte zlib header spliced in by the sender (see `zlibStream` and
 * zlib-data-field.ts); after that the bytes are shared.
 *
 * encode() reads the surface only before its first await: a rectangle is a snapshot of one moment even when
 * compression runs later on the thread pool.
 */
import type { OutputBuffers } from "../output-pool.ts";
import type { PixelTranslator } from "../pixel-translator.ts";

export type Subsampling = "1x" | "2x" | "4x" | "gray" | "8x" | "16x";

export interface EncodeContext {
  /** the console surface: XRGB8888 words (0x00RRGGBB; the top byte is not meaningful), packed rows */
  readonly pixels: Uint32Array;
  readonly width: number;
  readonly height: number;
  readonly translator: PixelTranslator;
  /** the client's compression level 0–9 (−256…−247), or −1 when it sent none (the encoder's default) */
  readonly compressLevel: number;
  /** JPEG quality 1–100 when the client allows lossy (a quality level or fine quality), or −1: lossless only */
  readonly jpegQuality: number;
  /** JPEG chroma subsampling (from the quality level's table or the client's −768…−763) */
  readonly subsampling: Subsampling;
  /** where large outputs go (reused buffers, see output-pool.ts); without it they are allocated */
  readonly output?: OutputBuffers;
  /**
   * Set only for an encoder that is `piecewise`: it hands every byte of its rects to the sink as soon as they
   * are final, in order and in pieces, so a sender can write the first bands of a frame while the rest is
   * still being encoded. The pieces are views of the returned rects' bytes.
   */
  readonly sink?: (piece: Uint8Array) => void;
  /**
   * Set with `sink` only when the encoding is this connection's alone (never shared through the encode
   * cache): whether every piece given to the sink so far has left for the kernel, so that the memory it was
   * in may be written again. An encoder that `reusesPieces` then writes its next piece into the same small
   * buffer, which is still in the CPU's cache when the kernel copies it, and keeps no copy of the rect.
   */
  readonly piecesLeft?: () => boolean;
}

/** Tight's four zlib streams, by stream id. */
export const TIGHT_ZLIB_STREAMS = ["tight0", "tight1", "tight2", "tight3"] as const;

/**
 * The client's zlib stream a rectangle's data continues. ZRLE and Zlib: bytes 12…15 are a u32 length, raw
 * deflate follows. Tight: a compact length at `zlibLengthAt`, raw deflate follows.
 */
export type SplicedZlibStream = "zrle" | "zlib" | (typeof TIGHT_ZLIB_STREAMS)[number];

export interface EncodedRect {
  /** the whole rectangle as sent: u16 x, y, w, h, s32 encoding, then the encoding's data */
  readonly bytes: Uint8Array;
  /** set where the rect carries zlib data: a client that has not used this stream yet needs the zlib header spliced in */
  readonly zlibStream?: SplicedZlibStream;
  /** Tight: where the compact length of the zlib data is (after the control and filter bytes) */
  readonly zlibLengthAt?: number;
  /**
   * Rects of at most KEPT_ZLIB_INPUT_MAX bytes of zlib input: that input and the level, so a
   * sender may compress it again on its client's own stream, with history (client-zlib-history.ts);
   * `bytes` is the shared, history-free encoding all the same
   */
  readonly zlibInput?: { readonly data: Uint8Array; readonly level: number };
  /** set when the pixels are lossy (JPEG): the client gets them again losslessly once they settle */
  readonly lossy?: true;
  /**
   * Made with `ctx.piecesLeft`: the rect's data went to the sink from reused memory and is not kept, so
   * `bytes` is only its 12-byte header. Such a rect can never be written again; only the streamed update
   * that took its pieces had it.
   */
  readonly streamedOnly?: true;
}

export interface RectEncoder {
  /** the RFB encoding number it produces (its rectangles may also use others, e.g. Tight fills) */
  readonly encoding: number;
  /**
   * encode() returns synchronously exactly one rect per call, and gives its bytes to `ctx.sink` piece by
   * piece when there is a sink (Raw, Hextile: the encodings whose output is made in one pass, top to bottom)
   */
  readonly piecewise?: true;
  /**
   * Piecewise, and when given `ctx.piecesLeft` it writes every piece it can into one small buffer (see
   * there). Raw: its encoding is a copy of the surface, cheapest into memory that stays in cache; a shared
   * encoding goes to a frame-sized buffer the kernel reads back from main memory, which pays only when other
   * clients take it too (the connection streams this way only for the one client with its settings).
   */
  readonly reusesPieces?: true;
  /** Encode the rect; it may be split into several. The caller guarantees it lies inside the surface. */
  encode(ctx: EncodeContext, x: number, y: number, w: number, h: number): EncodedRect[] | Promise<EncodedRect[]>;
}

/** The 12-byte rectangle header, written at `off` of `out`. */
export function writeRectHeader(out: Uint8Array, off: number, x: number, y: number, w: number, h: number, encoding: number): number {
  out[off] = x >>> 8;
  out[off + 1] = x;
  out[off + 2] = y >>> 8;
  out[off + 3] = y;
  out[off + 4] = w >>> 8;
  out[off + 5] = w;
  out[off + 6] = h >>> 8;
  out[off + 7] = h;
  out[off + 8] = encoding >>> 24;
  out[off + 9] = encoding >>> 16;
  out[off + 10] = encoding >>> 8;
  out[off + 11] = encoding;
  return off + 12;
}

export const RECT_HEADER_BYTES = 12;

/**
 * About this much output makes one piece of a streamed rect: libvncserver flushes every 30,000 bytes; a
 * larger piece costs fewer system calls, and 1080p's 16-pixel tile row at 32 bpp is 120 KiB anyway.
 */
export const STREAM_PIECE_BYTES = 128 * 1024;

/**
 * The rows of one band of a rect `w` pixels wide: about STREAM_PIECE_BYTES of pixels, a whole multiple of
 * `rowMultiple` (Hextile's bands must hold whole tile rows), at least one multiple.
 */
export function bandRows(w: number, bytesPerPixel: number, rowMultiple: number): number {
  const rows = Math.floor(STREAM_PIECE_BYTES / (w * bytesPerPixel * rowMultiple)) * rowMultiple;
  return Math.max(rowMultiple, rows);
}

/** TigerVNC's JPEG quality and subsampling per quality level 0–9 (common/rfb/TightEncoder / JpegCompressor). */
export const QUALITY_LEVELS: ReadonlyArray<{ quality: number; subsampling: Subsampling }> = [
  { quality: 15, subsampling: "4x" },
  { quality: 29, subsampling: "4x" },
  { quality: 41, subsampling: "4x" },
  { quality: 42, subsampling: "2x" },
  { quality: 62, subsampling: "2x" },
  { quality: 77, subsampling: "2x" },
  { quality: 79, subsampling: "1x" },
  { quality: 86, subsampling: "1x" },
  { quality: 92, subsampling: "1x" },
  { quality: 100, subsampling: "1x" },
];
