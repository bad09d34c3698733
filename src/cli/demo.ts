/**
 * The first-run demo: a model host with one mbochs vGPU; the guest driver sets a mode and draws; the host
 * side probes the device, queries the primary plane, takes its dma-buf and reads pixels from it — every
 * step through the same ioctls QEMU issues against a real kernel.
 */
import { mapMbochsPlaneFromVram } from "../display/mbochs-vram-fallback.ts";
import { createHash } from "node:crypto";
import {
  DrmPlaneType,
  GfxPlaneInfoView,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  VFIO_DEVICE_GET_GFX_DMABUF,
  describeResult,
  formatName,
  isMapping,
  ioctlName,
  modifierName,
  setU32,
  VFIO_DEVICE_QUERY_GFX_PLANE,
} from "../abi/index.ts";
import { createMbochsParent } from "../drivers/bochs/mbochs-parent.ts";
import { BochsGuest } from "../guest/bochs-guest.ts";
import { HostKernel } from "../kernel/host-kernel.ts";
import { probeDisplay, queryPlane } from "../display/probe.ts";
import { UsageError } from "./usage-error.ts";

export interface DemoOptions {
  type: string;
  width: number;
  height: number;
  quirks: boolean;
  json: boolean;
}

export interface DemoReport {
  device: { parent: string; type: string; uuid: string };
  probe: string;
  primary: {
    ret: string;
    drmFormat: string;
    modifier: string;
    width: number;
    height: number;
    stride: number;
    size: number;
    dmabufId: number;
  };
  dmabuf: { fd: number; size: number; mappedBytes: number; sha256: string; firstPixel: string };
  queriesUntilPlane: number;
}

const DEMO_UUID = "6f1a0e52-4c1b-4d0a-9a57-3f1c2b7d9e01";

export function runDemo(opts: DemoOptions): DemoReport {
  const kernel = new HostKernel().registerParent(createMbochsParent({ quirks: opts.quirks }));
  const type = kernel.bus.findType("mbochs", opts.type);
  if (!type) {
    const names = kernel.bus.types("mbochs").map((t) => t.id).join(", ");
    throw new UsageError(`unknown vGPU type "${opts.type}" (one of: ${names})`);
  }
  const created = kernel.bus.create("mbochs", opts.type, DEMO_UUID);
  if (created !== 0) throw new Error(`creating the vGPU failed: ${describeResult(created)}`);

  const guestFile = kernel.openDevice(DEMO_UUID);
  const hostFile = kernel.openDevice(DEMO_UUID);
  if (typeof guestFile === "number" || typeof hostFile === "number") throw new Error("opening the vGPU failed");

  const guest = BochsGuest.attach(guestFile);
  try {
    guest.setMode({ width: opts.width, height: opts.height });
  } catch (e) {
    throw new UsageError(`${opts.width}x${opts.height} on ${opts.type}: ${(e as Error).message}`);
  }
  drawTestPattern(guest);

  const kind = probeDisplay(hostFile);
  const plane = new GfxPlaneInfoView();
  let ret = -1;
  let queries = 0;
  // mbochs (with its real-kernel quirk) fails the first query of a new mode with -ENOMEM: retry, as QEMU
  // effectively does on its next refresh.
  while (queries < 3 && kind !== "none") {
    queries++;
    ret = queryPlane(hostFile, kind, DrmPlaneType.PRIMARY, plane);
    if (ret === 0) break;
  }
  if (ret !== 0) throw new Error(`${ioctlName(VFIO_DEVICE_QUERY_GFX_PLANE)} failed: ${describeResult(ret)}`);

  const idArg = new Uint8Array(4);
  setU32(idArg, 0, plane.id);
  const fd = hostFile.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, idArg);
  if (fd < 0) throw new Error(`${ioctlName(VFIO_DEVICE_GET_GFX_DMABUF)} failed: ${describeResult(fd)}`);
  const dmabuf = hostFile.dmaBuf(fd);
  if (typeof dmabuf === "number") throw new Error(`fd ${fd} is not a dma-buf`);
  const mappable = Math.floor(dmabuf.size() / PAGE_SIZE) * PAGE_SIZE;
  // The real mbochs (and the model with --quirks) refuses CPU mappings of its dma-bufs: read the same
  // pixels through VRAM where the DISPI registers put them.
  const direct = dmabuf.mmap(mappable, PROT_READ, MAP_SHARED);
  const map = isMapping(direct) ? direct : mapMbochsPlaneFromVram(hostFile, { stride: plane.stride, size: mappable });
  if (!isMapping(map)) throw new Error(`mmap of the dma-buf failed: ${describeResult(isMapping(direct) ? map : direct)}`);
  const sha256 = createHash("sha256").update(map.bytes).digest("hex");
  const b = map.bytes;
  const firstPixel = `#${hex2(b[2]!)}${hex2(b[1]!)}${hex2(b[0]!)}`;
  const report: DemoReport = {
    device: { parent: "mbochs", type: opts.type, uuid: DEMO_UUID },
    probe: kind,
    primary: {
      ret: describeResult(ret),
      drmFormat: formatName(plane.drmFormat),
      modifier: modifierName(plane.drmFormatMod),
      width: plane.width,
      height: plane.height,
      stride: plane.stride,
      size: plane.size,
      dmabufId: plane.id,
    },
    dmabuf: { fd, size: dmabuf.size(), mappedBytes: mappable, sha256, firstPixel },
    queriesUntilPlane: queries,
  };
  map.unmap();
  dmabuf.close();
  guest.detach();
  guestFile.close();
  hostFile.close();
  return report;
}

/** Eight vertical colour bars and a white frame: easy to recognise in any later screenshot. */
function drawTestPattern(guest: BochsGuest): void {
  const bars = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000];
  const w = guest.width;
  const h = guest.height;
  bars.forEach((c, i) => guest.fill(Math.floor((i * w) / 8), 0, Math.ceil(w / 8), h, c));
  guest.fill(0, 0, w, 2, 0xffffff);
  guest.fill(0, h - 2, w, 2, 0xffffff);
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, "0");
}

export function formatDemoReport(r: DemoReport): string {
  const p = r.primary;
  return [
    `vGPU      ${r.device.parent}/${r.device.type}  ${r.device.uuid}`,
    `probe     PROBE|DMABUF → 0: display via ${r.probe === "dmabuf" ? "dma-buf" : r.probe}`,
    `primary   QUERY_GFX_PLANE → ${p.ret}${r.queriesUntilPlane > 1 ? ` (after ${r.queriesUntilPlane} queries: the mbochs -ENOMEM quirk)` : ""}`,
    `          format ${p.drmFormat}  modifier ${p.modifier}`,
    `          ${p.width}x${p.height}  stride ${p.stride}  size ${p.size}  dmabuf_id ${p.dmabufId}`,
    `dma-buf   GET_GFX_DMABUF → fd ${r.dmabuf.fd}, ${r.dmabuf.size} bytes; mapped ${r.dmabuf.mappedBytes} read-only`,
    `          first pixel ${r.dmabuf.firstPixel}  sha256 ${r.dmabuf.sha256.slice(0, 16)}…`,
  ].join("\n");
}
