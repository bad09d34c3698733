/**
 * Move detection: areas of a frame that hold exactly what another area of the previous frame held — a
 * dragged or drifting window, a scrolled page or console. A front-end that keeps the previous frame (a VNC
 * client) copies those instead of receiving their pixels (RFB CopyRect). The device tells us nothing of the
 * sort, so it is found from the pixels.
 *
 * The detector keeps its own copy of the previous frame, synced over each frame's damage after the search
 * (one memcpy of what changed). For each large damage rect it gathers candidate motion vectors:
 *  - the vectors that moved something in the previous frame (a drag or a drift goes on for many frames);
 *  - the damage tracker's scroll;
 *  - a search of the previous frame, up to SEARCH_RANGE pixels around, for a few short anchor segments
 *    (changed, not of one colour) of the new frame.
 * Every BLOCK×BLOCK block of the rect is then tested against the candidates, exactly (a copy must give the
 * same pixels as the frame). Matching blocks of one vector merge into rectangles; the blocks that match none
 * are what still needs pixels (`rest`). Work per frame is bounded: small rects are not searched, anchor
 * searches per frame are counted, a block that matches nothing costs one early-out compare per candidate,
 * and full-motion content puts the detector to sleep (see DORMANT_AFTER).
 *
 * A front-end applies the moves one after another, so they are ordered such that no move reads an area an
 * earlier one overwrote; a move that cannot be placed (two windows trading places) goes as pixels.
 */
import { alignedBytes } from "../abi/aligned-memory.ts";
import { CACHE_LINE_BYTES, type DamageList, type Move, type Rect } from "./damage-tracker.ts";
import { nativeMoves, type MoveFrames, type NativeMoves } from "./native-moves.ts";
import { clip, subtractRect } from "./rect-geometry.ts";
import { firstDifference } from "./word-compare.ts";

/** Blocks are tested on this grid (frame coordinates). */
const BLOCK = 16;
/** Pixels in an anchor segment. */
const ANCHOR_WORDS = 16;
/** How far, in each axis, an anchor is looked for in the previous frame. */
const SEARCH_RANGE = 128;
/** Anchors tried per damage rect: rows spread over its height × columns spread over its width. */
const ANCHOR_ROWS = 3;
const ANCHOR_COLUMNS = 2;
/** Anchor searches per frame at most (each tests up to (2·SEARCH_RANGE+1)² positions). */
const SEARCHES_PER_FRAME = 12;
/** Matches of one anchor kept as candidates (the nearest first). */
const MATCHES_PER_ANCHOR = 2;
/** Candidate vectors per frame at most. */
const MAX_CANDIDATES = 8;
/** Damage rects smaller than this go as pixels without a search (a typed character, a blinking caret). */
const MIN_SEARCH_AREA = 64 * 64;
/** A move smaller than this is not worth a copy and the rects its removal cuts the damage into. */
const MIN_MOVE_AREA = 32 * 32;

/**
 * Full-motion content (a video filling the screen) moves nothing and changes most of every frame: keeping the
 * previous frame then costs a frame-sized copy and failed searches each frame for nothing. After this many
 * such frames in a row the detector stops keeping it ("dormant"); it probes again every PROBE_EVERY frames
 * (a full copy, then a frame searched as usual) and wakes at once when a frame's damage gets small.
 */
const DORMANT_AFTER = 3;
const PROBE_EVERY = 8;

/** A block of the rect being searched that matched no candidate… */
const UNMATCHED = -1;
/** …or that matched none and a move grew into part of it. */
const CLAIMED = -2;

/** A rectangle of blocks [c0, c1) × [r0, r1) of one damage rect, all of value `v` (candidate index, or UNMATCHED). */
interface BlockRect {
  c0: number;
  c1: number;
  r0: number;
  r1: number;
  v: number;
}

export class MoveDetector {
  /** the previous frame, as front-ends were last sent it */
  private readonly previous: Int32Array;
  private readonly previousBytes: Buffer;
  private readonly current: Int32Array;
  private readonly currentBytes: Buffer;
  /** false after invalidate() or while dormant: `previous` may not be what front-ends hold */
  private synced = true;
  /** frames in a row that changed most of the surface and moved nothing */
  private fullFramesWithoutMoves = 0;
  /** not keeping the previous frame (full-motion content): frames until the next probe */
  private dormantFor = 0;
  /** candidate vectors of the rect being searched: (dx, dy) pairs, new(p) = old(p − (dx, dy)) */
  private readonly candidates = new Int32Array(MAX_CANDIDATES * 2);
  private candidateCount = 0;
  /** vectors that produced a move in the last frame, (dx, dy) pairs */
  private lastVectors: number[] = [];
  /** per block of the rect being searched: the candidate it matched, or UNMATCHED or CLAIMED */
  private readonly blocks: Int16Array;
  private readonly openAbove: Int32Array;
  private readonly openHere: Int32Array;
  /** the block test and anchor search in C (native/move-blocks.c), when the library is built */
  private readonly native: NativeMoves | undefined;
  private readonly frames: MoveFrames;
  private readonly anchorMatches = new Int32Array(MATCHES_PER_ANCHOR * 2);
  /** the damage rects handed to the native sync, (x, y, w, h) quadruples (grown when a frame has more) */
  private syncRects = new Int32Array(64 * 4);

  /**
   * `surface` is the damage tracker's: the frame as it is now, `width`×`height` packed XRGB8888. `native:
   * false` keeps the JavaScript loops even where the C helper is built (to compare the two).
   */
  constructor(
    surface: Uint32Array,
    readonly width: number,
    readonly height: number,
    options: { native?: boolean } = {},
  ) {
    if (surface.length !== width * height) throw new RangeError(`surface of ${surface.length} pixels is not ${width}x${height}`);
    this.current = new Int32Array(surface.buffer, surface.byteOffset, surface.length);
    this.currentBytes = Buffer.from(surface.buffer, surface.byteOffset, surface.byteLength);
    // On a cache line like the surface, so the two are compared and copied line for line.
    const previousBytes = alignedBytes(surface.byteLength, CACHE_LINE_BYTES);
    this.previous = new Int32Array(previousBytes.buffer, previousBytes.byteOffset, surface.length);
    this.previous.set(this.current);
    this.previousBytes = Buffer.from(previousBytes.buffer, previousBytes.byteOffset, previousBytes.byteLength);
    const cols = Math.ceil(width / BLOCK) + 1;
    this.blocks = new Int16Array(cols * (Math.ceil(height / BLOCK) + 1));
    this.openAbove = new Int32Array(cols);
    this.openHere = new Int32Array(cols);
    this.native = options.native === false ? undefined : nativeMoves();
    this.frames = { current: this.current, previous: this.previous, width, height };
  }

  /** Whether the block test and anchor search run in C on this machine. */
  get nativeLoops(): boolean {
    return this.native !== undefined;
  }

  /**
   * The surface was changed behind the damage tracker's back (blanked while the display was off) or
   * re-sent whole: the next frame finds no moves and takes the surface as the previous frame.
   */
  invalidate(): void {
    this.synced = false;
    this.dormantFor = 0;
  }

  /** Whether the detector has stopped keeping the previous frame for now (full-motion content). */
  get dormant(): boolean {
    return this.dormantFor > 0;
  }

  /**
   * Find the moves of the frame now in the surface, whose damage is `damage` (the tracker's, just ended),
   * and set damage.moves and damage.rest when there are any. Then remember the frame as the previous one.
   */
  detect(damage: DamageList): void {
    damage.moves = undefined;
    damage.rest = undefined;
    const damaged: Rect[] = [];
    let damagedArea = 0;
    for (let i = 0; i < damage.count; i++) {
      const r = clip(damage.rects[i]!, this.width, this.height);
      if (!r) continue;
      damaged.push(r);
      damagedArea += r.w * r.h;
    }
    const mostOfTheFrame = 2 * damagedArea >= this.width * this.height;
    if (!this.synced) {
      // dormant: no copy until a probe is due or the content calms down
      if (this.dormantFor > 1 && mostOfTheFrame) {
        this.dormantFor--;
        return;
      }
      this.dormantFor = 0;
      this.previous.set(this.current);
      this.synced = true;
      this.lastVectors = [];
      return;
    }
    const moves: Move[] = [];
    const rest: Rect[] = [];
    const searched: Rect[] = [];
    for (const r of damaged) {
      if (r.w * r.h < MIN_SEARCH_AREA) rest.push(r);
      else searched.push(r);
    }
    // one candidate list for the frame: a window's damage is often several rects, and a vector found in one
    // serves the others
    this.gatherCandidates(searched, damage);
    const vectors: number[] = [];
    for (const r of searched) {
      if (this.candidateCount === 0) rest.push(r);
      else this.splitRect(r, moves, rest, vectors);
    }
    this.lastVectors = vectors;
    this.fullFramesWithoutMoves = mostOfTheFrame && moves.length === 0 ? this.fullFramesWithoutMoves + 1 : 0;
    if (this.fullFramesWithoutMoves >= DORMANT_AFTER) {
      this.synced = false;
      this.dormantFor = PROBE_EVERY;
      return;
    }
    this.sync(damaged);
    if (moves.length === 0) return;
    damage.moves = this.ordered(moves, rest);
    damage.rest = rest;
  }

  // ---- candidates ----

  private gatherCandidates(rects: readonly Rect[], damage: DamageList): void {
    this.candidateCount = 0;
    if (rects.length === 0) return;
    for (let i = 0; i < this.lastVectors.length; i += 2) this.addCandidate(this.lastVectors[i]!, this.lastVectors[i + 1]!);
    if (damage.move) this.addCandidate(0, -damage.move.dy);
    // the largest rects first: they have the most to gain, and the searches are counted
    const bySize = rects.slice().sort((a, b) => b.w * b.h - a.w * a.h);
    let searches = SEARCHES_PER_FRAME;
    for (const r of bySize) {
      for (let k = 0; k < ANCHOR_ROWS * ANCHOR_COLUMNS && searches > 0; k++) {
        // anchors spread over the rect: a moved area's edge (half window, half what it uncovered) matches nothing
        const ay = r.y + Math.floor((r.h * (1 + (k % ANCHOR_ROWS))) / (ANCHOR_ROWS + 1));
        const from = r.x + Math.floor((r.w * (1 + Math.floor(k / ANCHOR_ROWS))) / (ANCHOR_COLUMNS + 1));
        const ax = this.findAnchor(r, ay, from);
        if (ax < 0 || this.anchorExplained(ax, ay)) continue;
        searches--;
        this.searchAnchor(ax, ay);
      }
    }
  }

  private addCandidate(dx: number, dy: number): void {
    if ((dx === 0 && dy === 0) || this.candidateCount === MAX_CANDIDATES) return;
    const c = this.candidates;
    for (let i = 0; i < this.candidateCount; i++) if (c[2 * i] === dx && c[2 * i + 1] === dy) return;
    c[2 * this.candidateCount] = dx;
    c[2 * this.candidateCount + 1] = dy;
    this.candidateCount++;
  }

  /**
   * Where on row `y` of rect `r`, from column `from` on, an anchor starts: ANCHOR_WORDS pixels inside the
   * rect that changed and are not all one colour (a plain area matches anywhere), or −1.
   */
  private findAnchor(r: Rect, y: number, from: number): number {
    if (r.w < ANCHOR_WORDS) return -1;
    const cur = this.current;
    const base = y * this.width;
    const last = r.x + r.w - ANCHOR_WORDS;
    let x = Math.min(from, last);
    while (x <= last) {
      const k = firstDifference(cur, base + x, this.previous, base + x, r.x + r.w - x);
      if (k < 0) return -1;
      const start = Math.min(x + k, last);
      for (let j = start + 1; j < start + ANCHOR_WORDS; j++) if (cur[base + j] !== cur[base + j - 1]) return start;
      x = start + ANCHOR_WORDS;
    }
    return -1;
  }

  /** Whether a candidate already moves the anchor at (ax, ay) (no search needed). */
  private anchorExplained(ax: number, ay: number): boolean {
    for (let i = 0; i < this.candidateCount; i++) {
      const dx = this.candidates[2 * i]!;
      const dy = this.candidates[2 * i + 1]!;
      const sx = ax - dx;
      const sy = ay - dy;
      if (sx < 0 || sy < 0 || sx + ANCHOR_WORDS > this.width || sy >= this.height) continue;
      if (firstDifference(this.current, ay * this.width + ax, this.previous, sy * this.width + sx, ANCHOR_WORDS) < 0) return true;
    }
    return false;
  }

  /** Look for the anchor at (ax, ay) in the previous frame, nearest rows first; each match is a candidate. */
  private searchAnchor(ax: number, ay: number): void {
    if (this.native) {
      const out = this.anchorMatches;
      const n = this.native.searchAnchor(this.frames, ax, ay, ANCHOR_WORDS, SEARCH_RANGE, MATCHES_PER_ANCHOR, out);
      for (let i = 0; i < n; i++) this.addCandidate(out[2 * i]!, out[2 * i + 1]!);
      return;
    }
    const cur = this.current;
    const prev = this.previous;
    const w = this.width;
    const a = ay * w + ax;
    const first = cur[a]!;
    const lastWord = cur[a + ANCHOR_WORDS - 1]!;
    const x0 = Math.max(0, ax - SEARCH_RANGE);
    const x1 = Math.min(w - ANCHOR_WORDS, ax + SEARCH_RANGE);
    let matches = 0;
    for (let d = 0; d <= SEARCH_RANGE; d++) {
      for (let side = d === 0 ? 1 : 0; side < 2; side++) {
        const oy = side === 0 ? ay - d : ay + d;
        if (oy < 0 || oy >= this.height) continue;
        const base = oy * w;
        for (let ox = x0; ox <= x1; ox++) {
          const o = base + ox;
          if (prev[o] !== first || prev[o + ANCHOR_WORDS - 1] !== lastWord) continue;
          if (firstDifference(cur, a, prev, o, ANCHOR_WORDS) >= 0) continue;
          this.addCandidate(ax - ox, ay - oy);
          if (++matches === MATCHES_PER_ANCHOR) return;
        }
      }
    }
  }

  // ---- blocks ----

  /** Test rect r's blocks against the candidates; matching areas become moves, the others rest. */
  private splitRect(r: Rect, moves: Move[], rest: Rect[], vectors: number[]): void {
    const bx0 = Math.floor(r.x / BLOCK);
    const by0 = Math.floor(r.y / BLOCK);
    const cols = Math.ceil((r.x + r.w) / BLOCK) - bx0;
    const rows = Math.ceil((r.y + r.h) / BLOCK) - by0;
    const grid = this.blocks;
    const matched = this.native ? this.native.matchBlocks(this.frames, r, BLOCK, this.candidates, this.candidateCount, grid) : this.matchBlocks(r, bx0, by0, cols, rows);
    if (matched === 0) {
      rest.push(r);
      return;
    }
    const toPixels = (b: BlockRect) => ({
      x: Math.max(r.x, (bx0 + b.c0) * BLOCK),
      y: Math.max(r.y, (by0 + b.r0) * BLOCK),
      w: Math.min(r.x + r.w, (bx0 + b.c1) * BLOCK) - Math.max(r.x, (bx0 + b.c0) * BLOCK),
      h: Math.min(r.y + r.h, (by0 + b.r1) * BLOCK) - Math.max(r.y, (by0 + b.r0) * BLOCK),
    });
    const mine: Move[] = [];
    for (const b of this.blockRects(cols, rows, true)) {
      const p = toPixels(b);
      if (p.w * p.h < MIN_MOVE_AREA) {
        for (let row = b.r0; row < b.r1; row++) grid.fill(UNMATCHED, row * cols + b.c0, row * cols + b.c1);
        continue;
      }
      const dx = this.candidates[2 * b.v]!;
      const dy = this.candidates[2 * b.v + 1]!;
      this.grow(p, r, b, cols, rows, dx, dy);
      mine.push({ ...p, srcX: p.x - dx, srcY: p.y - dy });
      if (!hasVector(vectors, dx, dy) && vectors.length < MAX_CANDIDATES * 2) vectors.push(dx, dy);
    }
    moves.push(...mine);
    // what the grown moves took from the unmatched blocks is not sent again
    let left = this.blockRects(cols, rows, false).map(toPixels);
    for (const m of mine) {
      const pieces: Rect[] = [];
      for (const x of left) subtractRect(x, m, pieces);
      left = pieces;
    }
    rest.push(...left);
  }

  /**
   * Widen a moved area `p` (block rect `b` of damage rect `r`) pixel by pixel where the block grid cut it
   * short: a window's edge rarely lies on the grid, and the blocks it crosses (half window, half what it
   * uncovered) match nothing. Each side grows by less than a block into neighbouring blocks that matched
   * nothing and no other move has grown into (they are marked CLAIMED), while the row or column it adds
   * still matches. So moves never overlap, and only unmatched blocks lose pixels to them.
   */
  private grow(p: Rect, r: Rect, b: BlockRect, cols: number, rows: number, dx: number, dy: number): void {
    // the block columns and rows the area covers once grown
    let c0 = b.c0;
    let c1 = b.c1;
    if (p.x > r.x && this.blocksFree(cols, rows, b.c0 - 1, b.c0, b.r0, b.r1) && this.columnMatches(p.x - 1, p, dx, dy)) {
      for (let n = 1; n < BLOCK && p.x > r.x && this.columnMatches(p.x - 1, p, dx, dy); n++) {
        p.x--;
        p.w++;
      }
      c0--;
    }
    if (p.x + p.w < r.x + r.w && this.blocksFree(cols, rows, b.c1, b.c1 + 1, b.r0, b.r1) && this.columnMatches(p.x + p.w, p, dx, dy)) {
      for (let n = 1; n < BLOCK && p.x + p.w < r.x + r.w && this.columnMatches(p.x + p.w, p, dx, dy); n++) p.w++;
      c1++;
    }
    let r0 = b.r0;
    let r1 = b.r1;
    if (p.y > r.y && this.blocksFree(cols, rows, c0, c1, b.r0 - 1, b.r0) && this.rowMatches(p.y - 1, p, dx, dy)) {
      for (let n = 1; n < BLOCK && p.y > r.y && this.rowMatches(p.y - 1, p, dx, dy); n++) {
        p.y--;
        p.h++;
      }
      r0--;
    }
    if (p.y + p.h < r.y + r.h && this.blocksFree(cols, rows, c0, c1, b.r1, b.r1 + 1) && this.rowMatches(p.y + p.h, p, dx, dy)) {
      for (let n = 1; n < BLOCK && p.y + p.h < r.y + r.h && this.rowMatches(p.y + p.h, p, dx, dy); n++) p.h++;
      r1++;
    }
    // the neighbouring blocks grown into: around the block rect, inside the grown one
    if (c0 < b.c0) this.claimBlocks(cols, c0, b.c0, r0, r1);
    if (c1 > b.c1) this.claimBlocks(cols, b.c1, c1, r0, r1);
    if (r0 < b.r0) this.claimBlocks(cols, b.c0, b.c1, r0, b.r0);
    if (r1 > b.r1) this.claimBlocks(cols, b.c0, b.c1, b.r1, r1);
  }

  /** Whether the blocks [c0, c1) × [r0, r1) of the grid (cols × rows) all matched nothing and are unclaimed. */
  private blocksFree(cols: number, rows: number, c0: number, c1: number, r0: number, r1: number): boolean {
    if (c0 < 0 || r0 < 0 || c1 > cols || r1 > rows) return false;
    for (let row = r0; row < r1; row++) for (let c = c0; c < c1; c++) if (this.blocks[row * cols + c] !== UNMATCHED) return false;
    return true;
  }

  private claimBlocks(cols: number, c0: number, c1: number, r0: number, r1: number): void {
    for (let row = r0; row < r1; row++) this.blocks.fill(CLAIMED, row * cols + c0, row * cols + c1);
  }

  /** Whether column x of this frame, over the rows of area p, equals the previous frame's (dx, dy) away. */
  private columnMatches(x: number, p: Rect, dx: number, dy: number): boolean {
    const w = this.width;
    const sx = x - dx;
    if (sx < 0 || sx >= w) return false;
    for (let y = p.y, o = p.y * w; y < p.y + p.h; y++, o += w) if (this.current[o + x] !== this.previous[o - dy * w + sx]) return false;
    return true;
  }

  /** Whether row y of this frame, over the columns of area p, equals the previous frame's (dx, dy) away. */
  private rowMatches(y: number, p: Rect, dx: number, dy: number): boolean {
    const w = this.width;
    const sy = y - dy;
    return sy >= 0 && sy < this.height && firstDifference(this.current, y * w + p.x, this.previous, sy * w + p.x - dx, p.w) < 0;
  }

  /** The JavaScript block test (native/move-blocks.c's vd_match_blocks does the same): fills the grid, returns the matches. */
  private matchBlocks(r: Rect, bx0: number, by0: number, cols: number, rows: number): number {
    const grid = this.blocks;
    let matched = 0;
    for (let row = 0; row < rows; row++) {
      const y0 = Math.max(r.y, (by0 + row) * BLOCK);
      const y1 = Math.min(r.y + r.h, (by0 + row + 1) * BLOCK);
      // the left neighbour's vector first: a moved area spans many blocks
      let hint = -1;
      for (let col = 0; col < cols; col++) {
        const x0 = Math.max(r.x, (bx0 + col) * BLOCK);
        const x1 = Math.min(r.x + r.w, (bx0 + col + 1) * BLOCK);
        let found = hint >= 0 && this.blockMatches(x0, x1, y0, y1, hint) ? hint : -1;
        for (let k = 0; found < 0 && k < this.candidateCount; k++) {
          if (k !== hint && this.blockMatches(x0, x1, y0, y1, k)) found = k;
        }
        grid[row * cols + col] = found >= 0 ? found : UNMATCHED;
        if (found >= 0) {
          hint = found;
          matched++;
        }
      }
    }
    return matched;
  }

  /** Whether the block [x0, x1) × [y0, y1) equals the previous frame's pixels candidate k away. */
  private blockMatches(x0: number, x1: number, y0: number, y1: number, k: number): boolean {
    const dx = this.candidates[2 * k]!;
    const dy = this.candidates[2 * k + 1]!;
    const sx = x0 - dx;
    const sy = y0 - dy;
    if (sx < 0 || sy < 0 || sx + (x1 - x0) > this.width || sy + (y1 - y0) > this.height) return false;
    const w = this.width;
    const n = x1 - x0;
    for (let y = y0, s = sy * w + sx; y < y1; y++, s += w) {
      if (firstDifference(this.current, y * w + x0, this.previous, s, n) >= 0) return false;
    }
    return true;
  }

  /**
   * The blocks of the grid (cols × rows) that matched a candidate (`moved`) or none, as rectangles: runs of
   * one value per block row, merged downwards while a run spans the same columns with the same value.
   */
  private blockRects(cols: number, rows: number, moved: boolean): BlockRect[] {
    const grid = this.blocks;
    const out: BlockRect[] = [];
    let above = this.openAbove.fill(-1, 0, cols);
    let here = this.openHere;
    for (let row = 0; row < rows; row++) {
      here.fill(-1, 0, cols);
      let col = 0;
      while (col < cols) {
        // unmatched and claimed blocks are one class for the rest
        const v = moved ? grid[row * cols + col]! : UNMATCHED;
        if (grid[row * cols + col]! >= 0 !== moved) {
          col++;
          continue;
        }
        const c0 = col;
        while (col < cols && (moved ? grid[row * cols + col] === v : grid[row * cols + col]! < 0)) col++;
        const a = above[c0]!;
        const open = a >= 0 ? out[a]! : undefined;
        if (open && open.c1 === col && open.v === v) {
          open.r1 = row + 1;
          here[c0] = a;
        } else {
          out.push({ c0, c1: col, r0: row, r1: row + 1, v });
          here[c0] = out.length - 1;
        }
      }
      const t = above;
      above = here;
      here = t;
    }
    return out;
  }

  // ---- order and sync ----

  /**
   * The moves in an order a front-end can apply them one by one: a move goes only once no other move still
   * to go reads from its destination. When none can go (a cycle), the smallest goes to `rest` as pixels.
   */
  private ordered(moves: Move[], rest: Rect[]): Move[] {
    const out: Move[] = [];
    const left = moves.slice();
    while (left.length > 0) {
      const next = left.findIndex((m) => !left.some((o) => o !== m && overlaps(m.x, m.y, o.srcX, o.srcY, m, o)));
      if (next >= 0) {
        out.push(left.splice(next, 1)[0]!);
        continue;
      }
      let smallest = 0;
      for (let i = 1; i < left.length; i++) if (left[i]!.w * left[i]!.h < left[smallest]!.w * left[smallest]!.h) smallest = i;
      const m = left.splice(smallest, 1)[0]!;
      rest.push({ x: m.x, y: m.y, w: m.w, h: m.h });
    }
    return out;
  }

  /** previous := current over the frame's damage, clipped (elsewhere they are already equal). */
  private sync(damaged: readonly Rect[]): void {
    if (this.native) {
      // one call for all rects: a copy per row costs more in calls than in bytes at 4K
      if (this.syncRects.length < 4 * damaged.length) this.syncRects = new Int32Array(8 * damaged.length);
      const q = this.syncRects;
      damaged.forEach((r, i) => {
        q[4 * i] = r.x;
        q[4 * i + 1] = r.y;
        q[4 * i + 2] = r.w;
        q[4 * i + 3] = r.h;
      });
      this.native.copyRects(this.frames, q, damaged.length);
      return;
    }
    const rowBytes = this.width * 4;
    for (const r of damaged) {
      if (r.w === this.width) {
        this.currentBytes.copy(this.previousBytes, r.y * rowBytes, r.y * rowBytes, (r.y + r.h) * rowBytes);
        continue;
      }
      for (let y = r.y, o = r.y * rowBytes + r.x * 4; y < r.y + r.h; y++, o += rowBytes) this.currentBytes.copy(this.previousBytes, o, o, o + r.w * 4);
    }
  }
}

function hasVector(pairs: readonly number[], dx: number, dy: number): boolean {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === dx && pairs[i + 1] === dy) return true;
  return false;
}

/** Whether rect a (at ax, ay) and rect b (at bx, by), of the sizes of `as` and `bs`, overlap. */
function overlaps(ax: number, ay: number, bx: number, by: number, as: Rect, bs: Rect): boolean {
  return ax < bx + bs.w && bx < ax + as.w && ay < by + bs.h && by < ay + as.h;
}
