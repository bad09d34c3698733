/**
 * Workloads by name, from plain data (structured-cloneable, so the same spec builds the same workload in
 * this thread or in a worker): { kind, options }. A mode follower wraps another spec.
 */
import { ConsoleWorkload, type ConsoleOptions } from "./console.ts";
import { DesktopWorkload, type DesktopOptions } from "./desktop.ts";
import { ModeFollowWorkload, type ModeFollowOptions } from "./mode-follow.ts";
import { ReplayWorkload, type ReplayOptions } from "./replay.ts";
import { SessionWorkload, type SessionOptions } from "./session.ts";
import { TestPatternWorkload, type TestPatternOptions } from "./test-pattern.ts";
import { VideoWorkload, type VideoOptions } from "./video.ts";
import type { Workload } from "./workload.ts";

export type WorkloadSpec =
  | { kind: "console"; options: Omit<ConsoleOptions, "font"> }
  | { kind: "desktop"; options: DesktopOptions }
  | { kind: "session"; options: SessionOptions }
  | { kind: "video"; options: VideoOptions }
  | { kind: "test-pattern"; options: TestPatternOptions }
  | { kind: "replay"; options: ReplayOptions }
  | { kind: "mode-follow"; options: ModeFollowOptions; inner?: WorkloadSpec };

export const WORKLOAD_KINDS = ["console", "desktop", "session", "video", "test-pattern", "replay", "mode-follow"] as const;

export function createWorkload(spec: WorkloadSpec): Workload {
  switch (spec.kind) {
    case "console":
      return new ConsoleWorkload(spec.options);
    case "desktop":
      return new DesktopWorkload(spec.options);
    case "session":
      return new SessionWorkload(spec.options);
    case "video":
      return new VideoWorkload(spec.options);
    case "test-pattern":
      return new TestPatternWorkload(spec.options);
    case "replay":
      return new ReplayWorkload(spec.options);
    case "mode-follow":
      return new ModeFollowWorkload(spec.options, spec.inner ? createWorkload(spec.inner) : undefined);
    default: {
      const kind: never = spec;
      throw new RangeError(`unknown workload ${JSON.stringify((kind as { kind: unknown }).kind)}`);
    }
  }
}
