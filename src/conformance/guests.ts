/** The guest drivers of src/guest behind the suite's DisplayGuest interface. */
import type { DeviceFile } from "../abi/index.ts";
import { DrmFormat } from "../abi/index.ts";
import { BochsGuest } from "../guest/bochs-guest.ts";
import { MdpyGuest } from "../guest/mdpy-guest.ts";
import { GvtGuest, type GvtSurface } from "../guest/gvt-guest.ts";
import type { GuestRam } from "../kernel/guest-ram.ts";
import type { DisplayGuest } from "./target.ts";

export function bochsDisplayGuest(dev: DeviceFile): DisplayGuest {
  const g = BochsGuest.attach(dev);
  return {
    show: (width, height) => g.setMode({ width, height }),
    disable: () => g.disable(),
    setPixel: (x, y, v) => g.setPixel(x, y, v),
    readVbe: (i) => g.readReg(i),
    detach: () => g.detach(),
  };
}

export function mdpyDisplayGuest(dev: DeviceFile): DisplayGuest {
  const g = MdpyGuest.attach(dev);
  return {
    show: () => {},
    disable: () => {},
    setPixel: (x, y, v) => void g.setPixel(x, y, v),
    detach: () => g.close(),
  };
}

export function gvtDisplayGuest(dev: DeviceFile, ram: GuestRam): DisplayGuest {
  const g = GvtGuest.attach(dev, ram);
  let shown: GvtSurface | undefined;
  return {
    show: (width, height) => {
      // A fresh surface each time: a new graphics-memory address is a new plane object to GVT.
      shown = g.allocSurface({ width, height, drmFormat: DrmFormat.XRGB8888 });
      g.show(shown);
    },
    disable: () => g.disablePlane(),
    setPixel: (x, y, v) => {
      if (shown) g.setPixel(shown, x, y, v);
    },
    detach: () => {},
  };
}
