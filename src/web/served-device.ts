/**
 * What the web console knows about one device: its vGPU (console, consumer, info), the VNC server that
 * shows it (also answering noVNC's WebSocket through the web port), and a rate meter for the inspector.
 * The serve host builds these; the web server only reads them.
 */
import type { Console } from "../display/console.ts";
import type { DisplayConsumer } from "../display/display-consumer.ts";
import type { ListenAddress, RfbServer } from "../rfb/server.ts";
import type { VgpuInfo, VgpuStatus } from "../vmm/model-vgpu.ts";
import { RateMeter } from "./rate-meter.ts";

export interface ServedDevice {
  readonly id: string;
  readonly info: VgpuInfo;
  readonly console: Console;
  readonly consumer: DisplayConsumer;
  readonly rfb: RfbServer;
  /** where the device's own VNC TCP listener is, if it has one */
  readonly vnc: ListenAddress | undefined;
  readonly rates: RateMeter;
  /** the vGPU's health: running, restarting (a guest reboot), failed (the guest died too often), removed */
  readonly status: () => Readonly<VgpuStatus>;
}

/** Device ids go into URLs and metric labels: keep them to a safe alphabet. */
export const DEVICE_ID = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * The consumer polls only while a viewer watches the console. A request about a device nobody views
 * reads the device once first, so what it reports is the device as it is now, not when the last viewer left.
 */
export function refreshIfUnwatched(d: ServedDevice): void {
  if (d.console.watchers === 0) d.consumer.refresh();
}
