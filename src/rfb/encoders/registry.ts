/**
 * One encoder instance per encoding, shared by every client and connection (encoders keep no state).
 */
import { Encoding } from "../encodings.ts";
import type { RectEncoder } from "./encoder.ts";
import { HextileEncoder } from "./hextile.ts";
import { RawEncoder } from "./raw.ts";
import { RreEncoder } from "./rre.ts";
import { TightPngEncoder } from "./tight-png.ts";
import { TightEncoder } from "./tight.ts";
import { ZlibEncoder } from "./zlib.ts";
import { ZrleEncoder } from "./zrle.ts";

export class EncoderRegistry {
  private readonly encoders = new Map<number, RectEncoder>();
  private readonly raw = new RawEncoder();

  constructor() {
    for (const e of [this.raw, new RreEncoder(), new HextileEncoder(), new ZlibEncoder(), new ZrleEncoder(), new TightEncoder(), new TightPngEncoder()]) {
      this.encoders.set(e.encoding, e);
    }
  }

  /** The encoder for a pixel encoding; Raw (which every client decodes) for anything we do not produce. */
  get(encoding: number): RectEncoder {
    return this.encoders.get(encoding) ?? this.raw;
  }

  has(encoding: number): boolean {
    return this.encoders.has(encoding) || encoding === Encoding.Raw;
  }
}
