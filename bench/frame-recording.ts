/**
 * The frame sequences every server in the comparison is fed: a guest workload on the model's mbochs run
 * once, each frame as the consumer's console shows it, written to a raw file (XRGB8888 little-endian words,
 * frames back to back, no header) in a cache outside the repository. Recorded once per scene, size and
 * length; later runs reuse the file.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { alignedBytes } from "../src/abi/aligned-memory.ts";
import { PAGE_SIZE } from "../src/abi/index.ts";
import { keysymEventsFor } from "../src/guest/workloads/input.ts";
import { createWorkload } from "../src/guest/workloads/registry.ts";
import { mbochsWithConsumer, sceneSpec } from "./model-display.ts";

/** typing: the text console typed into; desktop: moving windows drawn by a page-flipping compositor; video: every pixel changes. */
export type RecordedScene = "typing" | "desktop" | "video";

export interface FrameFile {
  path: string;
  scene: RecordedScene;
  width: number;
  height: number;
  frames: number;
}

/** Where recorded frames and compiled peer programs live (outside the work tree). */
export function benchCacheDir(): string {
  const dir = process.env.VFIO_DISPLAY_BENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "vfio-display-bench");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The recording of `frames` frames of `scene` at `width`×`height`, made now if not cached. */
export function recordedFrames(scene: RecordedScene, width: number, height: number, frames: number): FrameFile {
  // v1: bump when a workload's drawing changes, so stale recordings are not reused
  const path = join(benchCacheDir(), `${scene}-${width}x${height}-${frames}f-v1.raw`);
  const file: FrameFile = { path, scene, width, height, frames };
  if (existsSync(path)) return file;
  const { display, consumer } = mbochsWithConsumer(width, height, { refreshHz: 1 });
  const workload = createWorkload(sceneSpec(scene, width, height));
  workload.start(display);
  consumer.start();
  const keys = keysymEventsFor("the quick brown fox jumps over the lazy dog ");
  let t = 0;
  const step = (i: number): void => {
    // two key events per frame: a typist at ~60 characters a second
    if (scene === "typing") for (const e of keys.slice((i * 2) % keys.length, ((i * 2) % keys.length) + 2)) workload.input(e);
    workload.frame((t += 1000 / 60));
    consumer.refresh();
  };
  for (let i = 0; i < 30; i++) step(i); // the console's boot log is done, windows have started moving
  const partial = `${path}.${process.pid}.partial`;
  const fd = openSync(partial, "w");
  try {
    for (let i = 0; i < frames; i++) {
      step(30 + i);
      const surface = consumer.console.surface;
      if (!surface || surface.width !== width || surface.height !== height) throw new Error(`no ${width}x${height} surface to record`);
      const bytes = new Uint8Array(surface.pixels.buffer, surface.pixels.byteOffset, width * height * 4);
      writeSync(fd, bytes);
    }
  } finally {
    closeSync(fd);
    consumer.stop();
  }
  renameSync(partial, path);
  return file;
}

/**
 * A frame's worth of memory to read recorded frames into, starting on a page as the dma-buf or region the
 * consumer maps in real use does (src/abi/aligned-memory.ts: a buffer 16 bytes off a page, as V8 gives,
 * slows the damage pass), as words and as the bytes the consumer is handed.
 */
export function mappedFrameBuffer(width: number, height: number): { frame: Uint32Array; bytes: Uint8Array } {
  const bytes = alignedBytes(width * height * 4, PAGE_SIZE);
  return { frame: new Uint32Array(bytes.buffer, bytes.byteOffset, width * height), bytes };
}

/** Read frame `index` of a recording into `into` (width × height words). */
export function readFrame(fd: number, file: FrameFile, index: number, into: Uint32Array): void {
  const bytes = file.width * file.height * 4;
  if (index < 0 || index >= file.frames) throw new RangeError(`frame ${index} of ${file.frames}`);
  if (into.length < file.width * file.height) throw new RangeError(`buffer of ${into.length} pixels for a ${file.width}x${file.height} frame`);
  const view = new Uint8Array(into.buffer, into.byteOffset, bytes);
  for (let done = 0; done < bytes; ) {
    const n = readSync(fd, view, done, bytes - done, index * bytes + done);
    if (n <= 0) throw new Error(`${file.path}: short read of frame ${index}`);
    done += n;
  }
}
