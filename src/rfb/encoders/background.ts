/**
 * The most frequent client pixel value of a block (the background RRE and Hextile subrects are drawn on).
 * Counts whole runs at a time, so flat areas cost one table step per run. The table holds `table.limit`
 * colours; later new colours are not counted, which only matters for noisy blocks where any choice is
 * about as good.
 */
import type { ColourTable } from "./colour-table.ts";

export function mostFrequentValue(values: Uint32Array, base: number, stride: number, w: number, h: number, table: ColourTable): number {
  table.reset();
  for (let y = 0; y < h; y++) {
    const start = base + y * stride;
    const end = start + w;
    let run = values[start]!;
    let len = 0;
    for (let i = start; i < end; i++) {
      const v = values[i]!;
      if (v === run) {
        len++;
      } else {
        table.add(run, len);
        run = v;
        len = 1;
      }
    }
    table.add(run, len);
  }
  return table.colours[table.mostFrequent()]!;
}
