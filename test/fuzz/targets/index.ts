/** Every fuzz target, in the order `npm run fuzz` runs them. */
import type { FuzzTarget } from "../fuzz-target.ts";
import { bochsGuestProgram } from "./bochs-guest-program.ts";
import { gvtGuestProgram } from "./gvt-guest-program.ts";
import { ioctlGvt } from "./ioctl-gvt.ts";
import { ioctlMbochs } from "./ioctl-mbochs.ts";
import { ioctlMdpy } from "./ioctl-mdpy.ts";
import { mdpyGuestProgram } from "./mdpy-guest-program.ts";
import { rfbClientMessages } from "./rfb-client-messages.ts";
import { rfbSession } from "./rfb-session.ts";
import { websocketFrames } from "./websocket-frames.ts";

export const FUZZ_TARGETS: readonly FuzzTarget[] = [rfbClientMessages, rfbSession, websocketFrames, ioctlMbochs, ioctlMdpy, ioctlGvt, gvtGuestProgram, bochsGuestProgram, mdpyGuestProgram];
