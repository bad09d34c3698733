/**
 * Damage detection: the device reports none, so every frame is compared with the console's own copy.
 *
 * The copy is the console surface itself (XRGB8888, packed rows). Each incoming row is first compared as a
 * whole with Buffer.compare (memcmp speed); an unchanged row costs nothing more. A changed row is scanned
 * per tile column to mark which 64x64 tiles changed, then copied into the surface. Each dirty tile keeps
 * the leftmost and rightmost column that changed in it (a typed character changes 8 of its 64 columns). At
 * the end of a frame the dirty tiles become rectangles: horizontal runs per tile row, merged downwards while
 * the run spans the same tiles, each trimmed to the first and last row that changed in its tile row and to
 * the first and last column that changed in its end tiles. Changed rows also mark, as they are copied in,
 * which 8-pixel segments changed: a run that changed nearly everywhere around a static area (an overlay on
 * a video) is cut along them (endFrame). Nothing is allocated per tile (a long span is copied through one view).
 *
 * Packed XRGB frames can go through the native helper (native-damage.ts) instead: the same rules over many
 * rows in one call. The tracker's per-tile arrays and move state are shared with it, so both paths can
 * serve the same frame (the native one for whole rows, row() for a partly readable last row).
 */
import { alignedBytes } from "../abi/aligned-memory.ts";
import { MoveState as M, nativeDamageRows, nativeRowPrintsAvailable, ROW_PRINT_BYTES, SEGMENT_PIXELS, segmentWords, type DamageArrays } from "./native-damage.ts";
import { firstDifference, lastDifference } from "./word-compare.ts";

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * A full-width band that moved up by `dy` rows since the previous frame (a console or a page scrolling):
 * rows y … y+h−1 of this frame equal rows y+dy … y+dy+h−1 of the previous one. Front-ends that keep the
 * previous frame (a VNC client) can copy instead of re-sending (RFB CopyRect).
 */
export interface VerticalMove {
  y: number;
  h: number;
  dy: number;
}

/**
 * The w×h area at (x, y) of this frame holds exactly what the area at (srcX, srcY) of the previous frame
 * held (a window dragged, a page scrolled): a front-end that keeps the previous frame copies it (RFB CopyRect).
 */
export interface Move {
  x: number;
  y: number;
  w: number;
  h: number;
  srcX: number;
  srcY: number;
}

/** The rectangles of one frame: the first `count` entries of `rects` (reused between frames). */
export interface DamageList {
  count: number;
  readonly rects: readonly Rect[];
  /** the tracker's scroll, when it saw one (covered by the rects too: a hint the move detector starts from) */
  move?: VerticalMove | undefined;
  /**
   * Areas that moved (MoveDetector), in an order a front-end can copy them one after another: no move's
   * source is an earlier move's destination. With `rest`, what is left of the rects for pixels. Both are
   * set together or not at all; the rects stay the whole damage, for front-ends that do not copy.
   */
  moves?: readonly Move[] | undefined;
  rest?: readonly Rect[] | undefined;
}

/** A copy of the first `count` rects, for code that keeps them past the next frame. */
export function damageRects(d: DamageList): Rect[] {
  return d.rects.slice(0, d.count).map((r) => ({ ...r }));
}

/** Bytes and 32-bit words over the same memory: what a source row is read through. */
export interface PixelSource {
  readonly bytes: Buffer;
  readonly words: Int32Array;
}

export function pixelSource(bytes: Uint8Array): PixelSource {
  if (bytes.byteOffset % 4 !== 0) throw new RangeError("a pixel source must start on a 4-byte boundary");
  return {
    bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    words: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2),
  };
}

export const DEFAULT_TILE = 64;

/** The line size of the x86-64 and arm64 cores we run on: what copies and compares stream memory in. */
export const CACHE_LINE_BYTES = 64;

/** From this many words a span is copied by memcpy through a view (one small allocation), below by a loop. */
const NATIVE_COPY_MIN_WORDS = 256;

/** A 32-bit word with bits lo … hi set (0 ≤ lo ≤ hi ≤ 31). */
function bitRange(lo: number, hi: number): number {
  return (hi === 31 ? -1 : (1 << (hi + 1)) - 1) & ~((1 << lo) - 1);
}

/** Set bits a … b (inclusive) of the bitmap row starting at word `base`. */
function setBits(bits: Uint32Array, base: number, a: number, b: number): void {
  for (let w = a >>> 5; w <= b >>> 5; w++) {
    bits[base + w]! |= bitRange(w === a >>> 5 ? a & 31 : 0, w === b >>> 5 ? b & 31 : 31);
  }
}

function copyWords(s: Int32Array, from: number, d: Int32Array, to: number, count: number): void {
  if (count >= NATIVE_COPY_MIN_WORDS) d.set(s.subarray(from, from + count), to);
  else for (let i = 0; i < count; i++) d[to + i] = s[from + i]!;
}

/**
 * A run of dirty tiles whose rectangle changed nearly everywhere (at most 1/CUT_MAX_CLEAN_SHARE of it
 * unchanged: full-motion content) but holds at least CUT_MIN_CLEAN_PIXELS unchanged pixels (a 64×64 tile's
 * worth) is cut along its changed 8-pixel segments: a static on-screen display or subtitle inside a video
 * is not sent again. A smaller static area costs less than the headers and lost compression of several
 * rects; a sparser run (windows moving over a desktop) stays whole, for the move detector, which searches
 * large rects only, to find its moves in.
 */
const CUT_MIN_CLEAN_PIXELS = 4096;
const CUT_MAX_CLEAN_SHARE = 4;
/** dirtyCells of a tile that markAll() marked: more than any tile has, so its run is never cut */
const ALL_CHANGED_CELLS = 1 << 28;

/** A move shorter than this is not worth a CopyRect. */
const MIN_MOVE_ROWS = 32;
/** How far up a scroll is looked for (a console line is 16 or 32 rows). */
const MAX_MOVE_DY = 64;
/** Searches for a new scroll distance per frame (each costs up to MAX_MOVE_DY row compares). */
const MOVE_SEARCHES_PER_FRAME = 4;

export interface DamageTrackerOptions {
  /**
   * Find unchanged rows by their row prints where the native pass can (default true): a frame where most
   * rows stay as they were then reads only the new frame, not the surface too. false compares every row.
   */
  rowPrints?: boolean;
}

export class DamageTracker {
  readonly surface: Uint32Array;
  readonly surfaceSource: PixelSource;
  private readonly tilesX: number;
  private readonly tilesY: number;
  private readonly dirty: Uint8Array;
  /** per dirty tile: the leftmost and rightmost column (surface x) that changed in it this frame */
  private readonly changedLeft: Int32Array;
  private readonly changedRight: Int32Array;
  /** per surface row, a bit per 8-pixel segment of it that changed this frame (segmentWordsPerRow words a row) */
  private readonly segmentBits: Uint32Array;
  private readonly segmentWordsPerRow: number;
  /** per tile compared by segment, how many (row, segment) cells of it changed this frame: how much of its area is static */
  private readonly dirtyCells: Int32Array;
  /**
   * Per tile, whether its spans are compared segment by segment while copied (1), or copied without reading
   * the surface first and marked changed throughout (0). Comparing reads the surface, which a plain copy need
   * not, so tiles are copied plainly but for one tile row a frame (the probe, every tile row in turn) and the
   * tiles where a cut run found a static area (kept compared while they have one): a static area appearing
   * in a video is found within a tile-row count of frames.
   */
  private readonly compareSegments: Uint8Array;
  /** the tile row whose tiles are compared by segment this frame whatever they did before */
  private probeRow = 0;
  /** per tile of the tile row endFrame() is at: compared, in a cut run, and with some cell unchanged */
  private readonly keepComparing: Uint8Array;
  /** per tile: the last frame that changed it found a static area in it (it is compared while that lasts) */
  private readonly holdsStatic: Uint8Array;
  /** first and last changed row inside each tile row, this frame (-1: none) */
  private readonly firstRow: Int32Array;
  private readonly lastRow: Int32Array;
  /** a pool that only grows: the damage of a frame is its first `count` entries */
  private readonly rects: Rect[] = [];
  private readonly damage: DamageList = { count: 0, rects: this.rects };
  private readonly openA: Int32Array;
  private readonly openB: Int32Array;
  /** the tile column after the run each open rect was made from (a rect extends only the same run) */
  private readonly openEndA: Int32Array;
  private readonly openEndB: Int32Array;
  private rectCount = 0;
  // Scroll detection: rows are compared top-down and copied in as they go, so the previous frame's rows
  // below the current one are still in the surface: an upward move shows as new row y == old row y + dy.
  // The current run, the best run of the frame, searches made and rows changed live in one Int32Array
  // (indices MoveState) that the native helper updates too.
  private readonly state = new Int32Array(M.length);
  private readonly native = nativeDamageRows();
  private readonly nativeArrays: DamageArrays;
  /**
   * Row prints (native/row-print.h) for the native pass, and whether each is still the print of its surface
   * row. Only rows() keeps them; anything else that writes the surface (row(), a blanked display) makes
   * them stale, so row() drops its row's and forgetRowPrints() drops them all.
   */
  private readonly rowPrints: Uint8Array;
  private readonly printValid: Uint8Array;
  /** whether rows() may use prints: native, a CPU that computes them, and not switched off */
  private readonly printsUsable: boolean;
  /** rows found changed by the last frame (endFrame() resets the running count) */
  private lastFrameChangedRows = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly tile: number = DEFAULT_TILE,
    options: DamageTrackerOptions = {},
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`bad surface size ${width}x${height}`);
    }
    // On a cache line, as the mapped frames it is compared with start on a page (aligned-memory.ts).
    const surfaceBytes = alignedBytes(width * height * 4, CACHE_LINE_BYTES);
    this.surface = new Uint32Array(surfaceBytes.buffer, surfaceBytes.byteOffset, width * height);
    this.surfaceSource = pixelSource(surfaceBytes);
    this.tilesX = Math.ceil(width / tile);
    this.tilesY = Math.ceil(height / tile);
    this.dirty = new Uint8Array(this.tilesX * this.tilesY);
    this.changedLeft = new Int32Array(this.tilesX * this.tilesY);
    this.changedRight = new Int32Array(this.tilesX * this.tilesY);
    this.segmentWordsPerRow = segmentWords(width);
    this.segmentBits = new Uint32Array(height * this.segmentWordsPerRow);
    this.dirtyCells = new Int32Array(this.tilesX * this.tilesY);
    this.compareSegments = new Uint8Array(this.tilesX * this.tilesY);
    this.keepComparing = new Uint8Array(this.tilesX);
    this.holdsStatic = new Uint8Array(this.tilesX * this.tilesY);
    this.firstRow = new Int32Array(this.tilesY).fill(-1);
    this.lastRow = new Int32Array(this.tilesY).fill(-1);
    this.openA = new Int32Array(this.tilesX);
    this.openB = new Int32Array(this.tilesX);
    this.openEndA = new Int32Array(this.tilesX);
    this.openEndB = new Int32Array(this.tilesX);
    this.printsUsable = this.native !== undefined && (options.rowPrints ?? true) && nativeRowPrintsAvailable() === true;
    this.rowPrints = new Uint8Array(height * ROW_PRINT_BYTES);
    this.printValid = new Uint8Array(height);
    this.nativeArrays = {
      surface: this.surface,
      width,
      height,
      tile,
      dirty: this.dirty,
      changedLeft: this.changedLeft,
      changedRight: this.changedRight,
      firstRow: this.firstRow,
      lastRow: this.lastRow,
      state: this.state,
      maxSearches: MOVE_SEARCHES_PER_FRAME,
      maxDy: MAX_MOVE_DY,
      compareSegments: this.compareSegments,
      segmentBits: this.segmentBits,
      dirtyCells: this.dirtyCells,
      rowPrints: this.rowPrints,
      printValid: this.printValid,
    };
  }

  /** Whether rows() finds unchanged rows by their prints on this machine (see DamageTrackerOptions.rowPrints). */
  get usesRowPrints(): boolean {
    return this.printsUsable;
  }

  /** The surface was written by someone else (a blanked display): no row print can be trusted any more. */
  forgetRowPrints(): void {
    this.printValid.fill(0);
  }

  /** Whether rows() runs natively (native/frame-damage.c) on this machine. */
  get nativeRows(): boolean {
    return this.native !== undefined;
  }

  /**
   * Rows y0 … y0+count−1 of a frame of XRGB8888 rows `stride` bytes apart, row y0 at the start of `src`,
   * in one native call: the same result as row() for each. Returns false (and does nothing) when the
   * native helper is not available; the caller then goes row by row.
   */
  rows(src: Uint8Array, stride: number, y0: number, count: number): boolean {
    // Only memory C can be handed: a look-alike of a Uint8Array (a Proxy, as the fuzz targets' bounds-checked
    // guest memory is) has no buffer behind it; it is read row by row through its own accessors.
    if (!this.native || !ArrayBuffer.isView(src)) return false;
    // Prints pay where most rows stay as they were (a console, a still desktop); in a frame where most change
    // (video) each changed row would be read once more for its print, so the last frame decides.
    const usePrints = this.printsUsable && this.lastFrameChangedRows * 2 <= this.height;
    this.native(src, stride, y0, count, this.nativeArrays, usePrints);
    return true;
  }

  /** Rows found changed since the last endFrame(). */
  get rowsChanged(): number {
    return this.state[M.changedRows]!;
  }

  /**
   * Compare row `y` of the frame — `width` XRGB8888 pixels at byte offset `offset` of `src` (4-aligned) —
   * with the surface, copy it in if it differs, and mark the tiles and segments it changed.
   */
  row(y: number, src: PixelSource, offset: number): void {
    // this path keeps no prints: the row may change below
    this.printValid[y] = 0;
    const rowBytes = this.width * 4;
    const dstOffset = y * rowBytes;
    const dst = this.surfaceSource.bytes;
    if (src.bytes.compare(dst, dstOffset, dstOffset + rowBytes, offset, offset + rowBytes) === 0) {
      // an unchanged row continues a move when the row it would have come from is the same
      if (this.continuesRun(y, src, offset)) this.state[M.runLen] = this.state[M.runLen]! + 1;
      return;
    }
    this.trackMove(y, src, offset);
    const s = src.words;
    const d = this.surfaceSource.words;
    const sBase = offset >>> 2;
    const dBase = y * this.width;
    const tileRow = (y / this.tile) | 0;
    const dirtyBase = tileRow * this.tilesX;
    let tx = 0;
    while (tx < this.tilesX) {
      if (this.dirty[dirtyBase + tx] === 1) {
        // already dirty: copied below whatever this row holds there; only columns outside the tile's
        // changed span are compared, to widen it
        const x0 = tx * this.tile;
        // a tile changed across its whole width (video, a redrawn window) has nothing left to compare
        if (this.changedLeft[dirtyBase + tx] !== x0 || this.changedRight[dirtyBase + tx] !== Math.min(x0 + this.tile, this.width) - 1) {
          this.widenChangedSpan(s, sBase, d, dBase, dirtyBase + tx, x0);
        }
        tx++;
        continue;
      }
      // A run of clean tiles is usually still clean: one native compare over the run proves it for less
      // than scanning it; only a run that differs is scanned tile by tile.
      const runStart = tx;
      while (tx < this.tilesX && this.dirty[dirtyBase + tx] === 0) tx++;
      const x0 = runStart * this.tile;
      const x1 = Math.min(tx * this.tile, this.width);
      if (src.bytes.compare(this.surfaceSource.bytes, (dBase + x0) * 4, (dBase + x1) * 4, offset + x0 * 4, offset + x1 * 4) === 0) continue;
      for (let t = runStart, tx0 = x0; t < tx; t++, tx0 += this.tile) {
        const n = Math.min(this.tile, this.width - tx0);
        const first = firstDifference(s, sBase + tx0, d, dBase + tx0, n);
        if (first >= 0) {
          this.dirty[dirtyBase + t] = 1;
          this.changedLeft[dirtyBase + t] = tx0 + first;
          this.changedRight[dirtyBase + t] = tx0 + lastDifference(s, sBase + tx0, d, dBase + tx0, n);
        }
      }
    }
    this.copyDirtySpans(s, sBase, d, dBase, y, tileRow);
    if (this.firstRow[tileRow] === -1) this.firstRow[tileRow] = y;
    this.lastRow[tileRow] = y;
    this.state[M.changedRows] = this.state[M.changedRows]! + 1;
  }

  /** Widen dirty tile `i` (starting at column `x0`) by this row's changes left and right of its changed span. */
  private widenChangedSpan(s: Int32Array, sBase: number, d: Int32Array, dBase: number, i: number, x0: number): void {
    const left = this.changedLeft[i]!;
    if (left > x0) {
      const k = firstDifference(s, sBase + x0, d, dBase + x0, left - x0);
      if (k >= 0) this.changedLeft[i] = x0 + k;
    }
    const right = this.changedRight[i]!;
    const x1 = Math.min(x0 + this.tile, this.width);
    if (right < x1 - 1) {
      const k = lastDifference(s, sBase + right + 1, d, dBase + right + 1, x1 - 1 - right);
      if (k >= 0) this.changedRight[i] = right + 1 + k;
    }
  }

  /**
   * Every difference in this row lies inside a dirty tile's changed span (each was widened by the row's
   * differences): copying from the first span's left to the last span's right of each run of dirty tiles
   * leaves the surface row equal to the source. The copy marks the 8-pixel segments that changed.
   */
  private copyDirtySpans(s: Int32Array, sBase: number, d: Int32Array, dBase: number, y: number, tileRow: number): void {
    const dirtyBase = tileRow * this.tilesX;
    const bitsBase = y * this.segmentWordsPerRow;
    let tx = 0;
    while (tx < this.tilesX) {
      if (this.dirty[dirtyBase + tx] === 0) {
        tx++;
        continue;
      }
      const x0 = this.changedLeft[dirtyBase + tx]!;
      while (tx < this.tilesX && this.dirty[dirtyBase + tx] === 1) tx++;
      const x1 = this.changedRight[dirtyBase + tx - 1]! + 1;
      this.compareCopy(s, sBase, d, dBase, x0, x1, bitsBase, dirtyBase);
    }
  }

  /**
   * frame-damage.c's compare_copy: pixels x0 … x1−1 copied; in tiles whose compareSegments is set, compared
   * piece by piece as they are copied, the changed segment pieces marked and counted; runs of
   * other tiles copied plainly and marked whole.
   */
  private compareCopy(s: Int32Array, sBase: number, d: Int32Array, dBase: number, x0: number, x1: number, bitsBase: number, tilesBase: number): void {
    const tile = this.tile;
    for (let t = (x0 / tile) | 0, cx0 = x0; cx0 < x1; ) {
      if (this.compareSegments[tilesBase + t] === 0) {
        while ((t + 1) * tile < x1 && this.compareSegments[tilesBase + t + 1] === 0) t++;
        const cx1 = Math.min((t + 1) * tile, x1);
        copyWords(s, sBase + cx0, d, dBase + cx0, cx1 - cx0);
        setBits(this.segmentBits, bitsBase, (cx0 / SEGMENT_PIXELS) | 0, ((cx1 - 1) / SEGMENT_PIXELS) | 0);
        cx0 = cx1;
        t++;
        continue;
      }
      const cx1 = Math.min((t + 1) * tile, x1);
      let dirty = 0;
      for (let x = cx0; x < cx1; ) {
        const segment = (x / SEGMENT_PIXELS) | 0;
        const end = Math.min((segment + 1) * SEGMENT_PIXELS, cx1);
        let diff = 0;
        for (let i = sBase + x, j = dBase + x, stop = sBase + end; i < stop; i++, j++) {
          const v = s[i]!;
          diff |= v ^ d[j]!;
          d[j] = v;
        }
        if (diff !== 0) {
          this.segmentBits[bitsBase + (segment >>> 5)]! |= 1 << (segment & 31);
          dirty++;
        }
        x = end;
      }
      this.dirtyCells[tilesBase + t]! += dirty;
      cx0 = cx1;
      t++;
    }
  }

  /** Whether `src` at `offset` (one row) equals row `oldY` of the surface as it still is. */
  private oldRowEquals(src: PixelSource, offset: number, oldY: number): boolean {
    const rowBytes = this.width * 4;
    const o = oldY * rowBytes;
    return src.bytes.compare(this.surfaceSource.bytes, o, o + rowBytes, offset, offset + rowBytes) === 0;
  }

  /** Whether row y (at `offset` of `src`) continues the current move: its old row dy further down is equal. */
  private continuesRun(y: number, src: PixelSource, offset: number): boolean {
    const st = this.state;
    const len = st[M.runLen]!;
    const dy = st[M.runDy]!;
    return len > 0 && y === st[M.runStart]! + len && y + dy < this.height && this.oldRowEquals(src, offset, y + dy);
  }

  private trackMove(y: number, src: PixelSource, offset: number): void {
    const st = this.state;
    if (this.continuesRun(y, src, offset)) {
      st[M.runLen] = st[M.runLen]! + 1;
      return;
    }
    this.closeRun();
    if (st[M.searches]! >= MOVE_SEARCHES_PER_FRAME) return;
    st[M.searches] = st[M.searches]! + 1;
    const maxDy = Math.min(MAX_MOVE_DY, this.height - 1 - y);
    for (let dy = 1; dy <= maxDy; dy++) {
      if (this.oldRowEquals(src, offset, y + dy)) {
        st[M.runDy] = dy;
        st[M.runStart] = y;
        st[M.runLen] = 1;
        return;
      }
    }
  }

  private closeRun(): void {
    const st = this.state;
    if (st[M.runLen]! > st[M.bestH]!) {
      st[M.bestY] = st[M.runStart]!;
      st[M.bestH] = st[M.runLen]!;
      st[M.bestDy] = st[M.runDy]!;
    }
    st[M.runLen] = 0;
  }

  /**
   * True when a packed frame (rows back to back from byte `offset` of `src`) equals the surface: one memcmp
   * over the whole frame instead of one per row, which is what an idle guest costs. False says nothing
   * about where it differs; the caller then goes row by row.
   */
  frameUnchanged(src: PixelSource, offset: number): boolean {
    const bytes = this.width * this.height * 4;
    if (offset + bytes > src.bytes.length) return false;
    return src.bytes.compare(this.surfaceSource.bytes, 0, bytes, offset, offset + bytes) === 0;
  }

  /** Mark the whole surface changed (a new surface, or a front-end that needs everything). */
  markAll(): void {
    this.state[M.runLen] = 0;
    this.state[M.bestH] = 0;
    this.dirty.fill(1);
    // no segment bits say what changed: no run is cut along them
    this.dirtyCells.fill(ALL_CHANGED_CELLS);
    for (let i = 0; i < this.dirty.length; i++) {
      const x0 = (i % this.tilesX) * this.tile;
      this.changedLeft[i] = x0;
      this.changedRight[i] = Math.min(x0 + this.tile, this.width) - 1;
    }
    for (let ty = 0; ty < this.tilesY; ty++) {
      this.firstRow[ty] = ty * this.tile;
      this.lastRow[ty] = Math.min(this.height, (ty + 1) * this.tile) - 1;
    }
  }

  /**
   * The damage of this frame as rectangles — the first `count` entries of `rects`; the list and its
   * objects are reused by the next call — and the tracker reset for the next frame.
   */
  endFrame(): DamageList {
    this.rectCount = 0;
    // openAbove[tx]: index of the rect whose run started at tile column tx in the tile row above and
    // reached its bottom, or -1; openAboveEnd[tx]: where that run ended. A run over the same tiles that
    // starts at the top of this tile row extends it (the rect widened to both rows' changed columns).
    let openAbove = this.openA.fill(-1);
    let openHere = this.openB;
    let openAboveEnd = this.openEndA;
    let openHereEnd = this.openEndB;
    for (let ty = 0; ty < this.tilesY; ty++) {
      openHere.fill(-1);
      const base = ty * this.tilesX;
      const top = ty * this.tile;
      const first = this.firstRow[ty]!;
      const last = this.lastRow[ty]!;
      const y0 = first >= 0 ? first : top;
      const y1 = last >= 0 ? last + 1 : Math.min(top + this.tile, this.height);
      const reachesBottom = y1 === Math.min(top + this.tile, this.height);
      let tx = 0;
      while (tx < this.tilesX) {
        if (this.dirty[base + tx] === 0) {
          tx++;
          continue;
        }
        const runStart = tx;
        while (tx < this.tilesX && this.dirty[base + tx] === 1) tx++;
        const x = this.changedLeft[base + runStart]!;
        const end = this.changedRight[base + tx - 1]! + 1;
        const clean = this.cleanPixels(base + runStart, base + tx, x, end, y0, y1);
        if (clean >= CUT_MIN_CLEAN_PIXELS && clean * CUT_MAX_CLEAN_SHARE <= (end - x) * (y1 - y0)) {
          this.pushChangedBands(x, end, y0, y1);
          this.keepComparingIn(base, runStart, tx, y1 - y0);
          continue;
        }
        const above = openAbove[runStart]!;
        let index: number;
        if (above >= 0 && y0 === top && openAboveEnd[runStart] === tx) {
          const r = this.rects[above]!;
          const left = Math.min(r.x, x);
          r.w = Math.max(r.x + r.w, end) - left;
          r.x = left;
          r.h = y1 - r.y;
          index = above;
        } else {
          index = this.push(x, y0, end - x, y1 - y0);
        }
        if (reachesBottom) {
          openHere[runStart] = index;
          openHereEnd[runStart] = tx;
        }
      }
      for (let i = 0; i < this.tilesX; i++) {
        // a tile that did not change this frame says nothing new: it keeps what it held
        if (this.dirty[base + i] === 1) this.holdsStatic[base + i] = this.keepComparing[i]!;
        this.compareSegments[base + i] = ty === this.probeRow || this.holdsStatic[base + i] === 1 ? 1 : 0;
      }
      this.keepComparing.fill(0);
      this.dirty.fill(0, base, base + this.tilesX);
      this.dirtyCells.fill(0, base, base + this.tilesX);
      if (first >= 0) this.segmentBits.fill(0, first * this.segmentWordsPerRow, (last + 1) * this.segmentWordsPerRow);
      this.firstRow[ty] = -1;
      this.lastRow[ty] = -1;
      const t = openAbove;
      openAbove = openHere;
      openHere = t;
      const te = openAboveEnd;
      openAboveEnd = openHereEnd;
      openHereEnd = te;
    }
    this.probeRow = (this.probeRow + 1) % this.tilesY;
    const st = this.state;
    this.lastFrameChangedRows = st[M.changedRows]!;
    st[M.changedRows] = 0;
    this.damage.count = this.rectCount;
    this.closeRun();
    this.damage.move = st[M.bestH]! >= MIN_MOVE_ROWS && this.rectCount > 0 ? { y: st[M.bestY]!, h: st[M.bestH]!, dy: st[M.bestDy]! } : undefined;
    st[M.bestH] = 0;
    st[M.searches] = 0;
    return this.damage;
  }

  /**
   * The tiles runStart … runEnd−1 of a cut run (tile row at `base`, `rows` rows from its first to its last
   * that changed) that were compared and have a cell that did not change stay compared next frame: where a
   * static area sits in full-motion content. Every other tile is copied plainly, but for the probed row.
   */
  private keepComparingIn(base: number, runStart: number, runEnd: number, rows: number): void {
    for (let tx = runStart; tx < runEnd; tx++) {
      const tileWidth = Math.min(this.tile, this.width - tx * this.tile);
      if (this.compareSegments[base + tx] === 1 && this.dirtyCells[base + tx]! < Math.ceil(tileWidth / SEGMENT_PIXELS) * rows) this.keepComparing[tx] = 1;
    }
  }

  /**
   * About how many pixels of the run over tiles [from, to) of a tile row, rect x…end × y0…y1, did not change,
   * as its compared tiles saw them: a tile copied without comparing counts as changed throughout.
   */
  private cleanPixels(from: number, to: number, x: number, end: number, y0: number, y1: number): number {
    let clean = 0;
    for (let i = from; i < to; i++) {
      if (this.compareSegments[i] === 0) continue;
      const tileX = (i % this.tilesX) * this.tile;
      const width = Math.min(end, tileX + this.tile) - Math.max(x, tileX);
      clean += width * (y1 - y0) - this.dirtyCells[i]! * SEGMENT_PIXELS;
    }
    return clean;
  }

  /**
   * The run's rect x…end × y0…y1 cut along its changed segments. The segments that changed in every row stay
   * whole at both sides (one rect each: a wide band cut into many thin ones would cost an encoder's per-tile
   * overhead many times); between them, rows whose segments changed alike form a band, each band a rect per
   * run of changed segments. Rows with none are left out.
   */
  private pushChangedBands(x: number, end: number, y0: number, y1: number): void {
    const first = (x / SEGMENT_PIXELS) | 0;
    const stop = Math.ceil(end / SEGMENT_PIXELS);
    let holesFrom = stop;
    let holesTo = first;
    for (let y = y0; y < y1; y++) {
      const bits = y * this.segmentWordsPerRow;
      holesFrom = this.firstUnchanged(bits, first, holesFrom);
      holesTo = Math.max(holesTo, this.lastUnchanged(bits, holesTo, stop) + 1);
    }
    if (holesFrom >= holesTo) {
      this.push(x, y0, end - x, y1 - y0);
      return;
    }
    const holesLeft = Math.max(x, holesFrom * SEGMENT_PIXELS);
    const holesRight = Math.min(end, holesTo * SEGMENT_PIXELS);
    if (holesLeft > x) this.push(x, y0, holesLeft - x, y1 - y0);
    let bandTop = y0;
    for (let y = y0 + 1; y <= y1; y++) {
      if (y < y1 && this.sameSegments(bandTop, y, holesFrom, holesTo)) continue;
      const bits = bandTop * this.segmentWordsPerRow;
      for (let k = holesFrom; k < holesTo; ) {
        if (!this.segmentChanged(bits, k)) {
          k++;
          continue;
        }
        const runFirst = k;
        while (k < holesTo && this.segmentChanged(bits, k)) k++;
        const left = Math.max(holesLeft, runFirst * SEGMENT_PIXELS);
        this.push(left, bandTop, Math.min(holesRight, k * SEGMENT_PIXELS) - left, y - bandTop);
      }
      bandTop = y;
    }
    if (holesRight < end) this.push(holesRight, y0, end - holesRight, y1 - y0);
  }

  /** The first segment from … to−1 of the row that did not change, or `to`: a word of bits at a time. */
  private firstUnchanged(rowBase: number, from: number, to: number): number {
    for (let k = from; k < to; ) {
      const w = k >>> 5;
      // the row's unchanged segments as set bits, from k on
      const unchanged = ~this.segmentBits[rowBase + w]! & bitRange(k & 31, 31);
      if (unchanged !== 0) return Math.min(to, (w << 5) + 31 - Math.clz32(unchanged & -unchanged));
      k = (w + 1) << 5;
    }
    return to;
  }

  /** The last segment from … to−1 of the row that did not change, or from−1: a word of bits at a time. */
  private lastUnchanged(rowBase: number, from: number, to: number): number {
    for (let k = to - 1; k >= from; ) {
      const w = k >>> 5;
      // the row's unchanged segments as set bits, up to k
      const unchanged = ~this.segmentBits[rowBase + w]! & bitRange(0, k & 31);
      if (unchanged !== 0) return Math.max(from - 1, (w << 5) + 31 - Math.clz32(unchanged));
      k = (w << 5) - 1;
    }
    return from - 1;
  }

  private segmentChanged(rowBase: number, k: number): boolean {
    return (this.segmentBits[rowBase + (k >>> 5)]! & (1 << (k & 31))) !== 0;
  }

  /** Whether rows a and b changed in the same segments first … stop−1. */
  private sameSegments(a: number, b: number, first: number, stop: number): boolean {
    const aBase = a * this.segmentWordsPerRow;
    const bBase = b * this.segmentWordsPerRow;
    for (let w = first >>> 5, lastWord = (stop - 1) >>> 5; w <= lastWord; w++) {
      const mask = bitRange(w === first >>> 5 ? first & 31 : 0, w === lastWord ? (stop - 1) & 31 : 31);
      if (((this.segmentBits[aBase + w]! ^ this.segmentBits[bBase + w]!) & mask) !== 0) return false;
    }
    return true;
  }

  private push(x: number, y: number, w: number, h: number): number {
    const r = this.rects[this.rectCount];
    if (r) {
      r.x = x;
      r.y = y;
      r.w = w;
      r.h = h;
    } else {
      this.rects.push({ x, y, w, h });
    }
    return this.rectCount++;
  }
}
