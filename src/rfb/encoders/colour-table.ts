/**
 * A small set of pixel values with a count and an index each, for palettes (ZRLE, up to 127 colours) and
 * for finding the most frequent colour (RRE and Hextile backgrounds). Open addressing in typed arrays:
 * no allocation after construction, and reset() costs the number of colours held, not the table size.
 */
export class ColourTable {
  /** the colours in insertion order (index i = palette index i) */
  readonly colours: Uint32Array;
  readonly counts: Uint32Array;
  size = 0;
  private readonly slotIndex: Int32Array;
  private readonly slotOf: Int32Array;
  private readonly mask: number;
  private readonly shift: number;

  constructor(readonly limit: number) {
    let bits = 4;
    while (1 << bits < limit * 2) bits++;
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.slotIndex = new Int32Array(1 << bits).fill(-1);
    this.colours = new Uint32Array(limit);
    this.counts = new Uint32Array(limit);
    this.slotOf = new Int32Array(limit);
  }

  reset(): void {
    for (let i = 0; i < this.size; i++) this.slotIndex[this.slotOf[i]!] = -1;
    this.size = 0;
  }

  /** The index of `value`, or −1 when it is not held. */
  indexOf(value: number): number {
    let slot = Math.imul(value, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const i = this.slotIndex[slot]!;
      if (i < 0) return -1;
      if (this.colours[i] === value) return i;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Add `count` to `value`'s count, inserting it if there is room; returns its index, or −1 when full. */
  add(value: number, count: number): number {
    let slot = Math.imul(value, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const i = this.slotIndex[slot]!;
      if (i < 0) break;
      if (this.colours[i] === value) {
        this.counts[i]! += count;
        return i;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.size === this.limit) return -1;
    const i = this.size++;
    this.slotIndex[slot] = i;
    this.slotOf[i] = slot;
    this.colours[i] = value;
    this.counts[i] = count;
    return i;
  }

  /** The index of the colour with the highest count (the first one on ties); −1 when empty. */
  mostFrequent(): number {
    let best = -1;
    let bestCount = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.counts[i]! > bestCount) {
        bestCount = this.counts[i]!;
        best = i;
      }
    }
    return best;
  }
}
