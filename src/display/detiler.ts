/**
 * Detiling one row of an Intel X, Y or Yf tiled plane into a linear line buffer, using the one layout
 * definition in src/abi/intel-tiling.ts. Within a tile a row is made of contiguous runs (512 bytes for X,
 * 16-byte OWORDs for Y and Yf); each run is copied whole — with Buffer.copy for long runs, as 32-bit words
 * for the 16-byte ones, where a call per run would cost more than the copy. Runs outside the readable
 * bytes are left zero. Nothing is allocated per row or run.
 */
import { tiledLayout, type TiledLayout, type TilingName } from "../abi/index.ts";

export class RowDetiler {
  readonly layout: TiledLayout;
  readonly lineBytes: Uint8Array;
  private readonly lineBuf: Buffer;
  private readonly lineWords: Int32Array;
  private readonly tilesPerRow: number;

  constructor(
    tiling: Exclude<TilingName, "linear">,
    cpp: number,
    readonly strideBytes: number,
  ) {
    this.layout = tiledLayout(tiling, cpp);
    if (strideBytes % this.layout.widthBytes !== 0) {
      throw new RangeError(`stride ${strideBytes} is not a whole number of ${this.layout.widthBytes}-byte tiles`);
    }
    this.tilesPerRow = strideBytes / this.layout.widthBytes;
    this.lineBytes = new Uint8Array(strideBytes);
    this.lineBuf = Buffer.from(this.lineBytes.buffer, 0, strideBytes);
    this.lineWords = new Int32Array(this.lineBytes.buffer);
  }

  /** Fill lineBytes with row `y`; `src`/`srcWords` view the plane, of which `readable` bytes are valid. */
  row(y: number, src: Buffer, srcWords: Int32Array, readable: number): void {
    const L = this.layout;
    const tileRowBase = Math.floor(y / L.heightRows) * this.tilesPerRow * L.sizeBytes;
    const rowInTile = L.yOffset[y % L.heightRows]!;
    const run = L.runBytes;
    const words = run >>> 2;
    const wordCopy = run <= 64;
    for (let tx = 0; tx < this.tilesPerRow; tx++) {
      const tileBase = tileRowBase + tx * L.sizeBytes + rowInTile;
      const lineBase = tx * L.widthBytes;
      for (let xb = 0; xb < L.widthBytes; xb += run) {
        const from = tileBase + L.xOffset[xb]!;
        const to = lineBase + xb;
        if (from + run > readable) {
          this.lineBytes.fill(0, to, to + run);
        } else if (wordCopy) {
          const f = from >>> 2;
          const t = to >>> 2;
          for (let i = 0; i < words; i++) this.lineWords[t + i] = srcWords[f + i]!;
        } else {
          src.copy(this.lineBuf, to, from, from + run);
        }
      }
    }
  }
}
