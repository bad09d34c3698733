/**
 * A conformance check: one ABI behaviour (KERNEL-ABI.md §6 and the driver tables), run against a device
 * through the DeviceFile seam. A check returns what it OBSERVED as plain JSON data; a driver's profile says
 * what it EXPECTS (src/conformance/profiles.ts). Because observations are data, the same run on the model
 * and on a real kernel can also be compared with each other, behaviour by behaviour.
 */
import type { DeviceFile } from "../abi/index.ts";
import type { ConformanceTarget, DisplayGuest } from "./target.ts";

export type Observation = null | boolean | number | string | Observation[] | { [key: string]: Observation };

export interface CheckContext {
  readonly target: ConformanceTarget;
  readonly dev: DeviceFile;
  readonly guest: DisplayGuest;
  /** a mode (width × height) this device has not been shown in this run: new to the driver */
  newMode(): { width: number; height: number };
}

export interface Check {
  /** stable id, e.g. "query.probe"; profiles key their expectations by it */
  readonly id: string;
  readonly title: string;
  /** where the behaviour is written down, e.g. "KERNEL-ABI §6.6" */
  readonly ref: string;
  run(ctx: CheckContext): Observation;
}
