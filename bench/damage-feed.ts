/**
 * Damage detection as the consumer runs it, for the benchmarks that time it alone: a packed XRGB8888
 * frame through the consumer's FrameReader (one whole-frame compare for an idle frame; otherwise the native
 * row pass when it is built, else DamageTracker.row per row), then the frame's rectangles.
 */
import { DRM_FORMAT_MOD_LINEAR } from "../src/abi/drm-modifiers.ts";
import { DrmFormat } from "../src/abi/drm-fourcc.ts";
import { DamageTracker, type DamageTrackerOptions } from "../src/display/damage-tracker.ts";
import { FrameReader, type PlaneLayout } from "../src/display/frame-reader.ts";

export interface DamageFeed {
  /** compare `frame` (width×height packed XRGB8888) with the tracker's surface, copy it in, end the frame */
  feed(frame: Uint8Array): void;
}

export function damageFeed(width: number, height: number, options: DamageTrackerOptions = {}): DamageFeed {
  const tracker = new DamageTracker(width, height, undefined, options);
  const reader = new FrameReader();
  const layout: PlaneLayout = { drmFormat: DrmFormat.XRGB8888, modifier: DRM_FORMAT_MOD_LINEAR, width, height, stride: width * 4 };
  return {
    feed(frame) {
      reader.read(tracker, layout, frame, frame.byteLength);
      tracker.endFrame();
    },
  };
}
