/**
 * The optional native pixel helpers (native/*.c), built by `npm install` (scripts/build-native.mjs) when a C
 * compiler is there, loaded through koffi once for every user (native-damage.ts, native-moves.ts, rfb/encoders/native-hextile.ts, rfb/encoders/native-deflate.ts). Without
 * the library (no compiler, or VFIO_DISPLAY_PIXELS=js) each user keeps its JavaScript path, which gives the
 * same results.
 */
import { existsSync } from "node:fs";
import koffi, { type LibraryHandle } from "koffi";

/** Where scripts/build-native.mjs puts the library (relative to this file: src/display → repo root). */
export const NATIVE_PIXELS_LIBRARY = new URL("../../build/native/libvfio-display-pixels.so", import.meta.url).pathname;

let loaded: LibraryHandle | string | undefined;

/** The loaded library, or why it is not in use (switched off, not built, failed to load). */
export function nativePixelsLibrary(): LibraryHandle | string {
  if (loaded !== undefined) return loaded;
  if (process.env.VFIO_DISPLAY_PIXELS === "js") loaded = "VFIO_DISPLAY_PIXELS=js";
  else if (!existsSync(NATIVE_PIXELS_LIBRARY)) loaded = `${NATIVE_PIXELS_LIBRARY} not built (no C compiler at npm install?)`;
  else {
    try {
      loaded = koffi.load(NATIVE_PIXELS_LIBRARY);
    } catch (e) {
      loaded = `${NATIVE_PIXELS_LIBRARY}: ${(e as Error).message}`;
    }
  }
  return loaded;
}

/**
 * A binding to the library made once per process: `bind` looks its functions up and wraps them; the result
 * is cached, and undefined (with the reason handed to `unavailable`) when the library is not in use or lacks
 * them (a library built from older sources).
 */
export function nativeBinding<T>(bind: (lib: LibraryHandle) => T, unavailable: (reason: string) => void = () => {}): () => T | undefined {
  let bound: { value: T | undefined } | undefined;
  return () => {
    if (bound) return bound.value;
    bound = { value: undefined };
    const lib = nativePixelsLibrary();
    if (typeof lib === "string") unavailable(lib);
    else {
      try {
        bound.value = bind(lib);
      } catch (e) {
        unavailable((e as Error).message);
      }
    }
    return bound.value;
  };
}

/** A size or offset the C helpers take as int32_t: a whole number from 0 to 2^31 − 1. */
export function isInt32Size(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0x7fff_ffff;
}

/** Throws unless the non-empty w×h rect at (x, y) lies inside `pixels`, rows `stride` pixels apart (`what` names the caller). */
export function checkSurfaceRect(what: string, pixels: Uint32Array, stride: number, x: number, y: number, w: number, h: number): void {
  if (![stride, x, y, w, h].every(isInt32Size) || w === 0 || h === 0 || x + w > stride || (y + h - 1) * stride + x + w > pixels.length) {
    throw new RangeError(`${what}: a ${w}x${h} rect at (${x}, ${y}) is not inside ${pixels.length} pixels of stride ${stride}`);
  }
}
