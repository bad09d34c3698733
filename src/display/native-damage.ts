/**
 * The native half of damage detection: native/frame-damage.c (native-library.ts loads it). It applies
 * DamageTracker.row()'s rules to many rows in one call, so a 4K frame costs memcmp and memcpy speed instead
 * of a JS scan and a native call per row. Without the library the tracker keeps its JavaScript path, which
 * gives the same damage.
 *
 * This file is the boundary to C: every size and offset is checked here, so the C code never touches
 * memory outside the arrays it is given.
 */
import { isInt32Size, nativeBinding } from "./native-library.ts";

/** Pixels per damage segment (SEGMENT in frame-damage.c): the finest unit a changed area is cut to. */
export const SEGMENT_PIXELS = 8;

/** 32-bit words of segment bits per row of `width` pixels. */
export function segmentWords(width: number): number {
  return Math.ceil(Math.ceil(width / SEGMENT_PIXELS) / 32);
}

/** Indices into the state array DamageTracker shares with the C code (enum in frame-damage.c). */
export const MoveState = {
  runDy: 0,
  runStart: 1,
  runLen: 2,
  searches: 3,
  bestY: 4,
  bestH: 5,
  bestDy: 6,
  changedRows: 7,
  length: 8,
} as const;

/** The tracker's arrays the C code reads and updates, and its fixed parameters. */
export interface DamageArrays {
  surface: Uint32Array;
  width: number;
  height: number;
  tile: number;
  dirty: Uint8Array;
  changedLeft: Int32Array;
  changedRight: Int32Array;
  firstRow: Int32Array;
  lastRow: Int32Array;
  state: Int32Array;
  maxSearches: number;
  maxDy: number;
  /** per tile: 1 to compare segment by segment while copying, 0 to copy without comparing and mark all */
  compareSegments: Uint8Array;
  /** per surface row, a bit per 8-pixel segment that changed (segmentWords words a row) */
  segmentBits: Uint32Array;
  /** per tile, how many (row, segment) cells of it were found changed this frame (tiles compared by segment) */
  dirtyCells: Int32Array;
  /** per surface row, its row print (ROW_PRINT_BYTES; native/row-print.h) */
  rowPrints: Uint8Array;
  /** per surface row, 1 while its print is the print of what the surface row holds */
  printValid: Uint8Array;
}

/** Bytes of one row print (ROW_PRINT_BYTES in native/row-print.h). */
export const ROW_PRINT_BYTES = 64;

/**
 * `usePrints`: find unchanged rows by their prints where it can (only new rows are read for those), else by
 * comparing every row with the surface. The damage is the same either way.
 */
export type NativeDamageRows = (src: Uint8Array, stride: number, y0: number, count: number, a: DamageArrays, usePrints: boolean) => number;

/** Why the native path is not in use, when it is not (a test reports it when the library was expected). */
export let nativeDamageUnavailableReason = "";

/** The native row pass, or undefined when the library is not built or is switched off. */
export const nativeDamageRows = nativeBinding<NativeDamageRows>(
  (lib) => {
    const fn = lib.func(
      "int32_t vd_damage_rows(const uint8_t *src, uint32_t stride, int32_t y0, int32_t count, uint32_t *surface, int32_t width, int32_t height, int32_t tile, uint8_t *dirty, int32_t *changed_left, int32_t *changed_right, int32_t *first_row, int32_t *last_row, int32_t *st, int32_t max_searches, int32_t max_dy, const uint8_t *exact, uint32_t *seg_bits, int32_t *dirty_cells, uint8_t *prints, uint8_t *print_valid, int32_t use_prints)",
    );
    return (src, stride, y0, count, a, usePrints) => {
      checkArguments(src, stride, y0, count, a);
      if (count === 0) return 0;
      return fn(src, stride, y0, count, a.surface, a.width, a.height, a.tile, a.dirty, a.changedLeft, a.changedRight, a.firstRow, a.lastRow, a.state, a.maxSearches, a.maxDy, a.compareSegments, a.segmentBits, a.dirtyCells, a.rowPrints, a.printValid, usePrints ? 1 : 0) as number;
    };
  },
  (reason) => {
    nativeDamageUnavailableReason = reason;
  },
);

function checkArguments(src: Uint8Array, stride: number, y0: number, count: number, a: DamageArrays): void {
  if (!isInt32Size(stride) || !isInt32Size(y0) || !isInt32Size(count) || !isInt32Size(a.width) || !isInt32Size(a.height) || !isInt32Size(a.tile) || a.width === 0 || a.tile === 0) {
    throw new RangeError(`native damage: bad geometry (stride ${stride}, rows ${y0}+${count}, ${a.width}x${a.height}, tile ${a.tile})`);
  }
  const rowBytes = a.width * 4;
  if (stride < rowBytes || stride % 4 !== 0 || src.byteOffset % 4 !== 0) throw new RangeError(`native damage: stride ${stride} or source alignment unusable for ${a.width} pixels`);
  if (y0 + count > a.height) throw new RangeError(`native damage: rows ${y0}+${count} beyond the surface's ${a.height}`);
  if (count > 0 && (count - 1) * stride + rowBytes > src.byteLength) throw new RangeError(`native damage: ${count} rows of stride ${stride} need more than the source's ${src.byteLength} bytes`);
  const tiles = Math.ceil(a.width / a.tile) * Math.ceil(a.height / a.tile);
  if (a.surface.length !== a.width * a.height || a.dirty.length !== tiles || a.changedLeft.length !== tiles || a.changedRight.length !== tiles) {
    throw new RangeError("native damage: tracker arrays do not match its size");
  }
  const tileRows = Math.ceil(a.height / a.tile);
  if (a.firstRow.length !== tileRows || a.lastRow.length !== tileRows || a.state.length !== MoveState.length) throw new RangeError("native damage: tracker arrays do not match its size");
  if (a.compareSegments.length !== tiles || a.dirtyCells.length !== tiles || a.segmentBits.length !== a.height * segmentWords(a.width)) throw new RangeError("native damage: tracker arrays do not match its size");
  if (a.rowPrints.length !== a.height * ROW_PRINT_BYTES || a.printValid.length !== a.height) throw new RangeError("native damage: tracker arrays do not match its size");
}

/** Whether this machine computes row prints (x86-64 with AVX2); false too without the library. */
export const nativeRowPrintsAvailable = nativeBinding<boolean>((lib) => (lib.func("int32_t vd_row_prints_available(void)")() as number) === 1);

/** The row print of `bytes` (a whole number of pixels), or undefined where prints are unavailable. For tests. */
export const nativeRowPrint = nativeBinding<(bytes: Uint8Array) => Uint8Array | undefined>((lib) => {
  const fn = lib.func("int32_t vd_row_print(const uint8_t *p, uint32_t bytes, uint8_t *out)");
  return (bytes) => {
    if (bytes.byteLength % 4 !== 0) throw new RangeError(`row print: ${bytes.byteLength} bytes is not a whole number of pixels`);
    const out = new Uint8Array(ROW_PRINT_BYTES);
    return (fn(bytes, bytes.byteLength, out) as number) === 1 ? out : undefined;
  };
});
