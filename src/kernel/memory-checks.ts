/**
 * A debug mode for fuzzing: views of guest memory and of mappings that fault on any out-of-range access.
 *
 * A typed array read past its end gives `undefined` (which turns into 0 or NaN further on) and subarray()
 * silently clamps its bounds, so a driver or consumer that reads beyond the memory it validated goes
 * unnoticed in JavaScript where real hardware or a kernel would fault. With checks on, GuestRam.view/page
 * and every mmap of a model file hand out views whose element reads/writes outside [0, length) and whose
 * subarray()/slice() with bounds outside the view throw GuestMemoryFault. Checks are off by default and the
 * fast path is untouched then; the fuzzer turns them on with setMemoryChecks(true) or the environment
 * variable VFIO_DISPLAY_CHECKED_MEMORY=1. Checked views are Proxies: correct, but far slower per element.
 */

export class GuestMemoryFault extends Error {
  override readonly name = "GuestMemoryFault";
}

let enabled = process.env.VFIO_DISPLAY_CHECKED_MEMORY === "1";

/** Turn checked views on or off (views already handed out keep what they were). */
export function setMemoryChecks(on: boolean): void {
  enabled = on;
}

export function memoryChecksEnabled(): boolean {
  return enabled;
}

type View = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** `index` as a canonical array index (a non-negative integer string), or undefined for other keys. */
function indexOf(key: string | symbol): number | undefined {
  if (typeof key !== "string" || key.length === 0) return undefined;
  const c = key.charCodeAt(0);
  // numeric-looking keys only ("-1", "1.5", "NaN" are integer-indexed exotic accesses too)
  if (!((c >= 48 && c <= 57) || c === 45 || key === "NaN" || key === "Infinity")) return undefined;
  return Number(key);
}

function checkIndex(target: View, key: string | symbol, what: string): void {
  const i = indexOf(key);
  if (i === undefined) return;
  if (!(Number.isInteger(i) && i >= 0 && i < target.length)) {
    throw new GuestMemoryFault(`${what} of element ${String(key)} of a ${target.length}-element view`);
  }
}

/** subarray/slice bounds that would be clamped (negative, past the end, reversed) fault instead. */
function checkRange(target: View, method: string, begin: unknown, end: unknown): void {
  const b = begin === undefined ? 0 : Number(begin);
  const e = end === undefined ? target.length : Number(end);
  if (!(Number.isInteger(b) && Number.isInteger(e) && b >= 0 && b <= e && e <= target.length)) {
    throw new GuestMemoryFault(`${method}(${String(begin)}, ${String(end)}) of a ${target.length}-element view`);
  }
}

/** `view` itself when checks are off; a bounds-checked stand-in for it when they are on. */
export function checkedView<T extends View>(view: T): T {
  if (!enabled) return view;
  return new Proxy(view, {
    get(target, key) {
      checkIndex(target, key, "read");
      if (key === "subarray" || key === "slice") {
        return (begin?: number, end?: number) => {
          checkRange(target, key, begin, end);
          const part = target[key](begin, end) as T;
          return key === "subarray" ? checkedView(part) : part;
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      // typed-array methods need the real array as `this`
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(target, key, value) {
      checkIndex(target, key, "write");
      return Reflect.set(target, key, value, target);
    },
  });
}
