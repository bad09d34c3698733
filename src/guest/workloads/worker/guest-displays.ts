/** The guest drivers a worker can attach to a device file, by kind (see protocol.ts GuestKind). */
import type { DeviceFile } from "../../../abi/index.ts";
import { BochsDisplay } from "../../bochs-display.ts";
import { BochsGuest } from "../../bochs-guest.ts";
import type { GuestDisplay } from "../../guest-display.ts";
import { MdpyDisplay } from "../../mdpy-display.ts";
import { MdpyGuest } from "../../mdpy-guest.ts";
import type { GuestKind } from "./protocol.ts";

export type GuestDisplayFactory = (dev: DeviceFile, shared: Record<string, SharedArrayBuffer>) => GuestDisplay | Promise<GuestDisplay>;

export async function attachGuestDisplay(kind: GuestKind, dev: DeviceFile, shared: Record<string, SharedArrayBuffer>): Promise<GuestDisplay> {
  if (kind === "bochs") return new BochsDisplay(BochsGuest.attach(dev));
  if (kind === "mdpy") return new MdpyDisplay(MdpyGuest.attach(dev));
  const mod = (await import(kind.module)) as Record<string, unknown>;
  const factory = mod[kind.export];
  if (typeof factory !== "function") throw new Error(`${kind.module} has no function export ${kind.export}`);
  return await (factory as GuestDisplayFactory)(dev, shared);
}
