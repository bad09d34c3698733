/** mbochs only: VRAM reached through pread of the device fd versus the mmap view the guest writes. */
import { getU32 } from "../../abi/index.ts";
import type { Check } from "../check.ts";
import { getRegionInfo } from "../ioctl-args.ts";
import { ret } from "../observe.ts";

const MARK = 0x5eed_f00d;

export const mbochsVramChecks: Check[] = [
  {
    id: "mbochs.vram-pread",
    title: "a pixel the guest wrote through the VRAM mapping, read back through pread of the device fd",
    ref: "KERNEL-ABI §3.1 (VRAM pread quirk)",
    run: ({ dev, guest, newMode }) => {
      const bar0 = getRegionInfo(dev, 0);
      const vramOffset = getU32(bar0.bytes, 24);
      const m = newMode();
      guest.show(m.width, m.height);
      // Pixel (0, 4) of a mode at VRAM offset 0 is VRAM byte 4·stride; write it and look where pread finds it.
      const stride = m.width * 4;
      guest.setPixel(0, 4, MARK);
      const b = new Uint8Array(4);
      const same = dev.pread(b, vramOffset + 4 * stride);
      const atSame = same === 4 && getU32(b, 0) === MARK;
      const shifted = dev.pread(b, vramOffset + 4 * stride - 2 * 4096);
      const atShifted = shifted === 4 && getU32(b, 0) === MARK;
      guest.setPixel(0, 4, 0);
      return { pread: same >= 0 ? same : ret(same), found_at: atSame ? "same offset" : atShifted ? "8 KiB before (two pages shifted)" : "nowhere" };
    },
  },
];
