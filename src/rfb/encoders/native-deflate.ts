/**
 * zlib's deflate on streams that live across calls, called directly through koffi. Node's zlib API has no
 * synchronous stream: deflateSync builds a new stream per call, and a fresh stream's setup (a Node stream
 * object, zlib's allocations, clearing its hash table) costs 15–35 µs, more than compressing a small Tight
 * rect; continuing a stream costs about 1 µs plus the compression itself.
 *
 * The zlib is the system's (Debian's zlib 1.2.13, which libvncserver and Xvnc link), built statically into the
 * native helper (native/with-zlib/zlib-deflate.c) where libz.a was there at `npm install`: Chromium's fork of
 * zlib that the node binary bundles hashes four bytes where zlib hashes three, and gives 7 % more bytes on
 * the pixel data of full-motion video at the same speed. Without it the node binary's own zlib is used (it
 * exports its symbols; koffi.load(null) reaches them). The system's libz.so.1 must not be loaded instead:
 * its internal calls would bind to Node's copies of the same names, whose internal state differs, and it
 * crashes.
 *
 * Where neither is there (another runtime), `NativeDeflateStream.create` returns undefined and callers use
 * Node's zlib API.
 */
import koffi, { type LibraryHandle } from "koffi";
import { nativeBinding } from "../../display/native-library.ts";

/** sizeof(z_stream) on LP64 Linux, and the offsets of the fields set here */
const Z_STREAM_BYTES = 112;
const NEXT_IN = 0;
const AVAIL_IN = 8;
const NEXT_OUT = 24;
const AVAIL_OUT = 32;

export const Z_OK = 0;
const Z_BUF_ERROR = -5;
const Z_DEFLATED = 8;
const Z_DEFAULT_STRATEGY = 0;
const DEFAULT_MEM_LEVEL = 8;

export interface ZlibCalls {
  /** whose zlib: the system's, built into the native helper, or the node binary's */
  origin: "system" | "node";
  version: string;
  deflateInit2(strm: bigint, level: number, method: number, windowBits: number, memLevel: number, strategy: number, version: string, size: number): number;
  deflate(strm: bigint, flush: number): number;
  /** deflate() on a thread of libuv's pool (koffi's asynchronous call) */
  deflateAsync(strm: bigint, flush: number, done: (err: unknown, ret: number) => void): void;
  deflateReset(strm: bigint): number;
  deflateEnd(strm: bigint): number;
}

let calls: ZlibCalls | null | undefined;

/** zlib's five functions from `lib`, under the names `lib` exports them by (zlib's own, or the helper's wrappers). */
function bindZlib(lib: LibraryHandle, origin: ZlibCalls["origin"], names: { version: string; init: string; deflate: string; reset: string; end: string }): ZlibCalls {
  const deflate = lib.func(`int ${names.deflate}(void *strm, int flush)`);
  return {
    origin,
    version: (lib.func(`const char *${names.version}()`) as () => string)(),
    deflateInit2: lib.func(`int ${names.init}(void *strm, int level, int method, int windowBits, int memLevel, int strategy, const char *version, int stream_size)`),
    deflate,
    deflateAsync: deflate.async,
    deflateReset: lib.func(`int ${names.reset}(void *strm)`),
    deflateEnd: lib.func(`int ${names.end}(void *strm)`),
  };
}

/** The system's zlib in the native helper (undefined when the helper was built without it). */
const helperZlib = nativeBinding((lib) =>
  bindZlib(lib, "system", { version: "vd_zlib_version", init: "vd_zlib_deflate_init2", deflate: "vd_zlib_deflate", reset: "vd_zlib_deflate_reset", end: "vd_zlib_deflate_end" }),
);

/** The node binary's own zlib, or undefined where it does not export it. */
function nodeZlib(): ZlibCalls | undefined {
  try {
    return bindZlib(koffi.load(null), "node", { version: "zlibVersion", init: "deflateInit2_", deflate: "deflate", reset: "deflateReset", end: "deflateEnd" });
  } catch {
    return undefined;
  }
}

/** The zlib native streams use: the system's where the helper has it, else Node's; null without either. */
export function zlibCalls(): ZlibCalls | null {
  if (calls === undefined) calls = (process.env.VFIO_DISPLAY_ZLIB === "node" ? undefined : helperZlib()) ?? nodeZlib() ?? null;
  return calls;
}

/** Native memory for input and output, shared by every stream (all calls are synchronous); grows as needed. */
export class Scratch {
  ptr = 0n;
  view = new Uint8Array(0);

  ensure(bytes: number): void {
    if (this.view.length >= bytes) return;
    if (this.ptr !== 0n) koffi.free(this.ptr);
    const size = Math.max(bytes, 64 * 1024, this.view.length * 2);
    this.ptr = koffi.alloc("uint8_t", size) as unknown as bigint;
    this.view = new Uint8Array(koffi.view(this.ptr, size));
  }
}

/** Output room for n input bytes: a flush adds at most a few bytes per 16 KiB stored block, plus the header. */
export function deflateRoom(n: number): number {
  return n + (n >>> 10) * 5 + 64;
}

/** Point a stream at `length` bytes of `input` and `room` bytes of `output`. */
export function pointStream(f: DataView, input: Scratch, length: number, output: Scratch, room: number): void {
  f.setBigUint64(NEXT_IN, input.ptr, true);
  f.setUint32(AVAIL_IN, length, true);
  f.setBigUint64(NEXT_OUT, output.ptr, true);
  f.setUint32(AVAIL_OUT, room, true);
}

/**
 * The bytes a deflate() call that returned `ret` wrote into `room`; throws unless it took all its input and
 * left room unused (a full output may hide more to come).
 */
export function deflatedBytes(f: DataView, ret: unknown, room: number): number {
  const left = f.getUint32(AVAIL_OUT, true);
  if ((ret !== Z_OK && ret !== Z_BUF_ERROR) || f.getUint32(AVAIL_IN, true) !== 0 || left === 0) {
    throw new Error(`native deflate failed (${String(ret)}, ${f.getUint32(AVAIL_IN, true)} bytes left in, ${left} out)`);
  }
  return room - left;
}

/** A z_stream in native memory, deflateInit2'ed from zeroes (zalloc, zfree, opaque: Z_NULL), or undefined when zlib refuses. */
export function newStream(z: ZlibCalls, level: number, windowBits: number): { strm: bigint; fields: DataView } | undefined {
  const strm = koffi.alloc("uint8_t", Z_STREAM_BYTES) as unknown as bigint;
  const fields = new DataView(koffi.view(strm, Z_STREAM_BYTES));
  for (let i = 0; i < Z_STREAM_BYTES; i++) fields.setUint8(i, 0);
  if (z.deflateInit2(strm, level, Z_DEFLATED, windowBits, DEFAULT_MEM_LEVEL, Z_DEFAULT_STRATEGY, z.version, Z_STREAM_BYTES) === Z_OK) return { strm, fields };
  koffi.free(strm);
  return undefined;
}

const input = new Scratch();
const output = new Scratch();

export class NativeDeflateStream {
  private ended = false;

  private constructor(
    private readonly z: ZlibCalls,
    private readonly strm: bigint,
    private readonly fields: DataView,
  ) {}

  /** A zlib-wrapped stream at `level` (windowBits 15; negative for raw deflate), or undefined without native zlib. */
  static create(level: number, windowBits = 15): NativeDeflateStream | undefined {
    const z = zlibCalls();
    const s = z ? newStream(z, level, windowBits) : undefined;
    return s ? new NativeDeflateStream(z!, s.strm, s.fields) : undefined;
  }

  /** Start a new stream: the next output begins with a zlib header and refers to nothing before it. */
  reset(): void {
    this.check();
    this.z.deflateReset(this.strm);
  }

  /** Compress `data` into the stream and flush (zlib's Z_SYNC_FLUSH or Z_FULL_FLUSH); the output is a new array. */
  deflate(data: Uint8Array, flush: number): Uint8Array {
    this.check();
    input.ensure(data.length);
    input.view.set(data);
    const room = deflateRoom(data.length);
    output.ensure(room);
    pointStream(this.fields, input, data.length, output, room);
    return output.view.slice(0, deflatedBytes(this.fields, this.z.deflate(this.strm, flush), room));
  }

  /** Free zlib's state and the stream. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.z.deflateEnd(this.strm);
    koffi.free(this.strm);
  }

  private check(): void {
    if (this.ended) throw new Error("native deflate stream used after end()");
  }
}
