/**
 * The seeded pseudo-random generator every workload draws its randomness from (never Math.random): sfc32,
 * seeded through splitmix32 so nearby seeds give unrelated streams. Same seed, same sequence, on any host.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed ${seed} is not an integer`);
    let s = (seed >>> 0) ^ Math.floor(seed / 0x100000000);
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.u32() / 0x100000000;
  }

  /** A uniform integer in [lo, hi). */
  int(lo: number, hi: number): number {
    if (!(hi > lo)) throw new RangeError(`empty range [${lo}, ${hi})`);
    return lo + Math.floor(this.float() * (hi - lo));
  }

  /** A uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.int(0, items.length)]!;
  }

  /** An independent generator derived from this one's seed and a label (so adding draws elsewhere changes nothing here). */
  fork(label: string): Prng {
    let h = 0x811c9dc5 ^ (this.seed >>> 0);
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }
}
