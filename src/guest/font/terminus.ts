/**
 * The Terminus console fonts shipped next to this file (SIL OFL 1.1, see LICENSE-Terminus.txt): read from
 * disk on first use, no network and no system package needed. Cached per thread.
 */
import { readFileSync } from "node:fs";
import { parsePsf, type BitmapFont } from "./psf.ts";

let regular: BitmapFont | undefined;
let bold: BitmapFont | undefined;

function load(file: string): BitmapFont {
  return parsePsf(new Uint8Array(readFileSync(new URL(`./${file}`, import.meta.url))), file);
}

/** Terminus 8×16 (ter-u16n), the usual Linux console font. */
export function terminus16(): BitmapFont {
  regular ??= load("Uni2-Terminus16.psf.gz");
  return regular;
}

/** Terminus Bold 16×32 (ter-u32b), for large text such as a clock. */
export function terminusBold32(): BitmapFont {
  bold ??= load("Uni2-TerminusBold32x16.psf.gz");
  return bold;
}
