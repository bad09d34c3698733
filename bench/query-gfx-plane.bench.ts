/**
 * QUERY_GFX_PLANE on the model with a steady guest mode: calls per second and heap bytes allocated per
 * call. This is the call a consumer makes every refresh (60 Hz per plane per device); the target is
 * ≥ 1,000,000 calls/s and no allocation per steady-state call.
 */
import {
  DrmPlaneType,
  GfxPlaneInfoView,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  type DeviceFile,
} from "../src/abi/index.ts";
import { createMbochsParent } from "../src/drivers/bochs/mbochs-parent.ts";
import { BochsGuest } from "../src/guest/bochs-guest.ts";
import { HostKernel } from "../src/kernel/host-kernel.ts";
import { measureAllocation, type AllocResult } from "./alloc-meter.ts";

export interface QueryBenchResult {
  name: string;
  calls: number;
  seconds: number;
  callsPerSecond: number;
  nsPerCall: number;
  alloc: AllocResult;
}

function setup(): { dev: DeviceFile; plane: GfxPlaneInfoView } {
  const kernel = new HostKernel().registerParent(createMbochsParent());
  const uuid = "0b5e55ed-0000-4000-8000-000000000001";
  if (kernel.bus.create("mbochs", "mbochs-medium", uuid) !== 0) throw new Error("create failed");
  const dev = kernel.openDevice(uuid);
  const guestDev = kernel.openDevice(uuid);
  if (typeof dev === "number" || typeof guestDev === "number") throw new Error("open failed");
  BochsGuest.attach(guestDev).setMode({ width: 1920, height: 1080 });
  return { dev, plane: new GfxPlaneInfoView() };
}

export async function benchQueryGfxPlane(calls: number): Promise<QueryBenchResult> {
  const { dev, plane } = setup();
  // What a careful consumer does per query: zero the struct, set argsz/flags/type, ioctl, read the id.
  let sink = 0;
  const once = (): void => {
    plane.prepare(VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.PRIMARY);
    if (dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, plane.bytes) !== 0) throw new Error("query failed");
    sink ^= plane.id;
  };
  for (let i = 0; i < Math.min(calls, 300_000); i++) once(); // warm-up: JIT, and the mode's list entry
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) once();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const alloc = await measureAllocation(Math.min(calls, 1_000_000), once);
  if (sink === 0xdeadbeef) console.log(""); // keep `sink` alive
  return { name: "QUERY_GFX_PLANE (mbochs, 1920x1080, steady)", calls, seconds, callsPerSecond: calls / seconds, nsPerCall: (seconds * 1e9) / calls, alloc };
}
