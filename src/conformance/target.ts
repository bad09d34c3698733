/**
 * What the conformance suite runs against: a device (model or real) of one driver, opened through the
 * DeviceFile seam, and a guest driver that programs it through its regions as a guest OS would. The suite
 * never looks behind these two interfaces, so the same checks run on the model and on a real kernel.
 */
import type { DeviceFile } from "../abi/index.ts";

export type DriverName = "mbochs" | "mdpy" | "gvt";
export type BackendName = "model" | "native";

/** The guest side, reduced to what the checks need. */
export interface DisplayGuest {
  /**
   * Show a linear XRGB8888 framebuffer of this size on the primary plane, at a place the device has not
   * shown before (a new mode to the driver). Drivers with a fixed mode (mdpy) ignore the size.
   */
  show(width: number, height: number): void;
  /** turn the primary plane off */
  disable(): void;
  setPixel(x: number, y: number, xrgb: number): void;
  /** the guest's DISPI register (mbochs only; undefined elsewhere) */
  readVbe?(index: number): number;
  detach(): void;
}

export interface OpenedTarget {
  /** the consumer's fd */
  dev: DeviceFile;
  guest: DisplayGuest;
  /** close the guest's and the consumer's fds (the device's last close) */
  close(): void;
}

export interface ConformanceTarget {
  readonly driver: DriverName;
  /** the mdev type, e.g. mbochs-medium */
  readonly type: string;
  readonly backend: BackendName;
  /** what it is, for the report: "model mbochs/mbochs-medium (quirks)" or a sysfs path */
  readonly description: string;
  /** open the device: a consumer fd and a guest attached to it */
  open(): OpenedTarget;
}
