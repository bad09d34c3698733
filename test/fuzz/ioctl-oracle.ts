/**
 * ioctl fuzzing shared by the per-driver targets: random requests with argument buffers shaped like each
 * request's struct (argsz, flags, index/plane type, id random or near the edges; buffers short, exact and
 * long; plain numbers instead of pointers), and the errno KERNEL-ABI.md fixes from the argument alone
 * (copy_from_user of a short buffer → -EFAULT, argsz below minsz → -EINVAL, index past num_regions /
 * num_irqs → -EINVAL, QUERY flag combinations, unknown requests → -ENOTTY). Where the answer depends on
 * the guest (a plane, an id) only "0, an fd or a known errno" is fixed. Always: never throws, and never
 * writes a byte outside the reply (nothing at all on failure).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DMA_BUF_IOCTL_SYNC,
  Errno,
  VFIO_DEVICE_BIND_IOMMUFD,
  VFIO_DEVICE_FEATURE,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_SET_IRQS,
  getU32,
  setU32,
  type DeviceFile,
} from "../../src/abi/index.ts";

export const ALL_REQUESTS = [
  VFIO_DEVICE_GET_INFO,
  VFIO_DEVICE_GET_REGION_INFO,
  VFIO_DEVICE_GET_IRQ_INFO,
  VFIO_DEVICE_SET_IRQS,
  VFIO_DEVICE_RESET,
  VFIO_DEVICE_QUERY_GFX_PLANE,
  VFIO_DEVICE_GET_GFX_DMABUF,
  VFIO_DEVICE_FEATURE,
  VFIO_DEVICE_BIND_IOMMUFD,
  DMA_BUF_IOCTL_SYNC,
] as const;

const PROBE = 1;
const DMABUF = 2;
const REGION = 4;
const KNOWN_ERRNOS = new Set(Object.values(Errno).map((e) => -e));

/** What a driver answers, as far as the argument alone decides it. */
export interface DriverProfile {
  /** requests the driver handles (everything else: -ENOTTY) */
  handles: ReadonlySet<number>;
  /** from its own GET_INFO */
  numRegions: number;
  numIrqs: number;
  /** region indexes past num_regions that still answer (mdpy's display region 16, as mdpy.c does) */
  extraRegions?: readonly number[];
  /** IRQ indexes below numIrqs that GET_IRQ_INFO still refuses (GVT: all but INTX and MSI) */
  irqRefused?: (index: number) => boolean;
  /** the plane method: QUERY accepts exactly this flag (and PROBE with it) */
  planes: "dmabuf" | "region";
  /** pre-6.19 mbochs: region-info argsz above 48 is -EINVAL */
  regionArgszMax?: number;
  /** SET_IRQS: refused whatever the argument ("einval"), or checked like a struct */
  setIrqs: "einval" | "struct";
  /** GET_GFX_DMABUF of an id never handed out */
  unknownId: number;
  /** QUERY plane types this driver refuses with -EINVAL (GVT: anything but primary and cursor) */
  planeTypeRefused?: (type: number) => boolean;
  /** GET_INFO may write a capability chain past 16 bytes (the plane-notify extension): its full size */
  infoCapsSize?: number;
}

/** The errno the argument alone decides, or undefined where the device's state decides. */
export function expectedResult(d: DriverProfile, request: number, arg: Uint8Array | number): number | undefined {
  if (!d.handles.has(request)) return -Errno.ENOTTY;
  const struct = (minsz: number): number | undefined => {
    if (typeof arg === "number" || arg.length < minsz) return -Errno.EFAULT;
    if (getU32(arg, 0) < minsz) return -Errno.EINVAL;
    return undefined;
  };
  const word = (off: number): number => getU32(arg as Uint8Array, off);
  switch (request) {
    case VFIO_DEVICE_RESET:
      return 0;
    case VFIO_DEVICE_GET_INFO:
      // with a capability chain: when argsz has room for it, the buffer must too
      return struct(16) ?? (d.infoCapsSize !== undefined && word(0) >= d.infoCapsSize && (arg as Uint8Array).length < d.infoCapsSize ? -Errno.EFAULT : 0);
    case VFIO_DEVICE_GET_REGION_INFO: {
      const e = struct(32);
      if (e !== undefined) return e;
      if (d.regionArgszMax !== undefined && word(0) > d.regionArgszMax) return -Errno.EINVAL;
      if (d.regionArgszMax !== undefined && (arg as Uint8Array).length < word(0)) return -Errno.EFAULT;
      if (word(8) >= d.numRegions && !d.extraRegions?.includes(word(8))) return -Errno.EINVAL;
      return undefined;
    }
    case VFIO_DEVICE_GET_IRQ_INFO: {
      const e = struct(16);
      if (e !== undefined) return e;
      if (word(8) >= d.numIrqs || d.irqRefused?.(word(8))) return -Errno.EINVAL;
      return 0;
    }
    case VFIO_DEVICE_SET_IRQS:
      if (d.setIrqs === "einval") return -Errno.EINVAL;
      return struct(20) ?? (word(8) !== d.numIrqs - 1 ? -Errno.EINVAL : undefined);
    case VFIO_DEVICE_QUERY_GFX_PLANE: {
      const e = struct(60);
      if (e !== undefined) return e;
      const mine = d.planes === "dmabuf" ? DMABUF : REGION;
      const flags = word(4);
      if (flags === (PROBE | mine)) return 0;
      if (flags !== mine) return -Errno.EINVAL;
      if (d.planeTypeRefused?.(word(8))) return -Errno.EINVAL;
      return d.planes === "region" ? 0 : undefined;
    }
    case VFIO_DEVICE_GET_GFX_DMABUF:
      if (typeof arg === "number" || arg.length < 4) return -Errno.EFAULT;
      // 0 is never an id, nor is anything this high in a run (ids count up from 1)
      return word(0) === 0 || word(0) >= 0x80000000 ? d.unknownId : undefined;
    default:
      return undefined;
  }
}

/** How many leading bytes of the argument a call may change. */
function replyBytes(d: DriverProfile, request: number, ret: number, argsz: number): number {
  if (ret < 0) return 0;
  switch (request) {
    case VFIO_DEVICE_GET_INFO:
      return d.infoCapsSize === undefined ? 16 : Math.max(20, Math.min(argsz, d.infoCapsSize));
    case VFIO_DEVICE_GET_IRQ_INFO:
      return 16;
    case VFIO_DEVICE_GET_REGION_INFO:
      // the struct and at most one 16-byte capability
      return Math.max(32, Math.min(argsz, 48));
    case VFIO_DEVICE_QUERY_GFX_PLANE:
      return 60;
    default:
      return 0;
  }
}

/** Make one call and check it; returns the result (an fd has been closed again). */
export function checkIoctl(dev: DeviceFile, d: DriverProfile, request: number, arg: Uint8Array | number): number {
  const before = typeof arg === "number" ? undefined : arg.slice();
  const want = expectedResult(d, request, arg);
  const ret = dev.ioctl(request, arg);
  const where = `ioctl 0x${request.toString(16)} arg ${typeof arg === "number" ? arg : Buffer.from(arg).toString("hex")}`;
  assert.ok(Number.isInteger(ret), `${where}: integer result, got ${ret}`);
  if (want !== undefined) assert.equal(ret, want, where);
  if (ret < 0) assert.ok(KNOWN_ERRNOS.has(ret), `${where}: known errno, got ${ret}`);
  if (ret > 0) {
    assert.equal(request, VFIO_DEVICE_GET_GFX_DMABUF, `${where}: only GET_GFX_DMABUF returns an fd`);
    const buf = dev.dmaBuf(ret);
    assert.ok(typeof buf !== "number", `${where}: the fd is a dma-buf`);
    assert.equal(buf.close(), 0);
  }
  if (before && typeof arg !== "number") {
    const limit = replyBytes(d, request, ret, before.length >= 4 ? getU32(before, 0) : 0);
    for (let i = limit; i < before.length; i++) if (arg[i] !== before[i]) assert.fail(`${where}: byte ${i} changed (ret ${ret}, reply ${limit} bytes)`);
  }
  return ret;
}

/** Per request: buffer lengths and values of the first (argsz / id), second (flags) and third (index, type) words; the next two are small (start, count). */
const SHAPES = new Map<number, { lengths: number[]; first: number[]; third: number[]; flags?: number[] }>([
  [VFIO_DEVICE_GET_INFO, { lengths: [15, 16, 20, 24, 40], first: [0, 15, 16, 20, 24, 40, 0xffffffff], third: [0] }],
  [VFIO_DEVICE_GET_REGION_INFO, { lengths: [31, 32, 47, 48, 64], first: [0, 31, 32, 40, 48, 49, 64, 0xffffffff], third: [0, 1, 2, 7, 8, 9, 10, 11, 16, 0xffffffff] }],
  [VFIO_DEVICE_GET_IRQ_INFO, { lengths: [15, 16, 20], first: [0, 15, 16, 20, 0xffffffff], third: [0, 1, 2, 4, 5, 6, 0xffffffff] }],
  // ACTION_TRIGGER with DATA_NONE / DATA_EVENTFD / DATA_BOOL, other actions
  [VFIO_DEVICE_SET_IRQS, { lengths: [19, 20, 24], first: [0, 19, 20, 24, 0xffffffff], third: [5, 5, 5, 0, 4, 6], flags: [0x21, 0x21, 0x21, 0x24, 0x22, 0x20, 0x11, 1] }],
  [VFIO_DEVICE_QUERY_GFX_PLANE, { lengths: [59, 60, 64, 96], first: [0, 59, 60, 64, 0xffffffff], third: [0, 1, 1, 2, 2, 3, 0xffffffff] }],
  [VFIO_DEVICE_GET_GFX_DMABUF, { lengths: [3, 4, 8], first: [0, 1, 2, 3, 4, 5, 6, 0xffffffff], third: [0] }],
]);

const pick = (values: number[]): fc.Arbitrary<number> => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) });
const flagsWord = pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 0x21, 0x24, 0x22]);

/** A request (sometimes any number) and an argument for it (sometimes a plain number, sometimes random bytes). */
export const ioctlCall: fc.Arbitrary<[number, Uint8Array | number]> = fc
  .oneof({ weight: 10, arbitrary: fc.constantFrom<number>(...ALL_REQUESTS) }, { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) })
  .chain((request) => {
    const shape = SHAPES.get(request) ?? { lengths: [0, 4, 16, 64], first: [0, 16, 64], third: [0] };
    const shaped = fc
      .tuple(pick(shape.lengths).map((n) => n % 128), fc.uint8Array({ minLength: 128, maxLength: 128 }), pick(shape.first), shape.flags ? pick(shape.flags) : flagsWord, pick(shape.third), pick([0, 0, 1, 2]), pick([0, 1, 1, 2]))
      .map(([length, noise, ...words]) => {
        const b = noise.slice(0, length);
        words.forEach((w, i) => {
          if (b.length >= 4 * i + 4) setU32(b, 4 * i, w);
        });
        return b;
      });
    const arg = fc.oneof({ weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) }, { weight: 10, arbitrary: shaped });
    return fc.tuple(fc.constant(request), arg);
  });

/** The driver's own GET_INFO (a fresh valid call): its region and IRQ counts. */
export function deviceCounts(dev: DeviceFile): { numRegions: number; numIrqs: number } {
  const b = new Uint8Array(64);
  setU32(b, 0, 16);
  assert.equal(dev.ioctl(VFIO_DEVICE_GET_INFO, b), 0);
  return { numRegions: getU32(b, 8), numIrqs: getU32(b, 12) };
}

/** Counts successes per request, for a coverage floor at the end of a run. */
export class SuccessCounter {
  private readonly counts = new Map<number, number>();
  private total = 0;
  add(request: number, ret: number): void {
    this.total++;
    if (ret >= 0) this.counts.set(request, (this.counts.get(request) ?? 0) + 1);
  }
  /** A real run (not a one-case replay) must have made each of these requests succeed. */
  assertEach(requests: readonly number[], floor = 10): void {
    if (this.total < 5000) return;
    for (const r of requests) assert.ok((this.counts.get(r) ?? 0) >= floor, `request 0x${r.toString(16)} succeeded only ${this.counts.get(r) ?? 0} times`);
  }
}
