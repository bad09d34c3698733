/**
 * Move detection (MoveDetector) on the recorded frames the comparison uses: per frame, the damage pass as
 * the consumer runs it, then the move search, timed apart; how much of the damage became moves (pixels a
 * CopyRect client does not receive) and how many rects the frame is cut into.
 */
import { closeSync, openSync } from "node:fs";
import { DRM_FORMAT_MOD_LINEAR } from "../src/abi/drm-modifiers.ts";
import { DrmFormat } from "../src/abi/drm-fourcc.ts";
import { DamageTracker } from "../src/display/damage-tracker.ts";
import { FrameReader } from "../src/display/frame-reader.ts";
import { MoveDetector } from "../src/display/move-detector.ts";
import { mappedFrameBuffer, readFrame, recordedFrames, type RecordedScene } from "./frame-recording.ts";

export interface MoveBenchResult {
  scene: RecordedScene;
  width: number;
  height: number;
  native: boolean;
  damageMs: number;
  movesMs: number;
  damagedPixels: number;
  movedPixels: number;
  moves: number;
  restRects: number;
}

export function benchMoveDetection(quick: boolean): MoveBenchResult[] {
  const sizes = quick ? ([[320, 240, 6]] as const) : ([[1920, 1080, 45], [3840, 2160, 15]] as const);
  const out: MoveBenchResult[] = [];
  for (const [width, height, frames] of sizes) {
    for (const scene of ["typing", "desktop", "video"] as const) {
      const file = recordedFrames(scene, width, height, scene === "video" && !quick ? (height > 1080 ? 6 : 20) : frames);
      const { frame, bytes } = mappedFrameBuffer(width, height);
      const tracker = new DamageTracker(width, height);
      const detector = new MoveDetector(tracker.surface, width, height);
      const reader = new FrameReader();
      const layout = { drmFormat: DrmFormat.XRGB8888, modifier: DRM_FORMAT_MOD_LINEAR, width, height, stride: width * 4 };
      const fd = openSync(file.path, "r");
      const r: MoveBenchResult = { scene, width, height, native: detector.nativeLoops, damageMs: 0, movesMs: 0, damagedPixels: 0, movedPixels: 0, moves: 0, restRects: 0 };
      try {
        // three passes over the recording (it loops: the last frame to the first is one more change); the last is kept
        for (let pass = 0; pass < 3; pass++) {
          Object.assign(r, { damageMs: 0, movesMs: 0, damagedPixels: 0, movedPixels: 0, moves: 0, restRects: 0 });
          for (let i = 0; i < file.frames; i++) {
            readFrame(fd, file, i, frame);
            const t0 = performance.now();
            reader.read(tracker, layout, bytes, bytes.byteLength);
            const d = tracker.endFrame();
            const t1 = performance.now();
            detector.detect(d);
            r.movesMs += performance.now() - t1;
            r.damageMs += t1 - t0;
            for (let k = 0; k < d.count; k++) r.damagedPixels += d.rects[k]!.w * d.rects[k]!.h;
            for (const m of d.moves ?? []) r.movedPixels += m.w * m.h;
            r.moves += d.moves?.length ?? 0;
            r.restRects += d.moves ? d.rest!.length : d.count;
          }
        }
      } finally {
        closeSync(fd);
      }
      for (const k of ["damageMs", "movesMs", "damagedPixels", "movedPixels", "moves", "restRects"] as const) r[k] /= file.frames;
      out.push(r);
    }
  }
  return out;
}
