/** QUERY_GFX_PLANE: argsz and flag validation, disabled and enabled planes, stability, mode changes. */
import {
  DrmPlaneType,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  VFIO_GFX_PLANE_TYPE_PROBE,
  VFIO_GFX_PLANE_TYPE_REGION,
  VFIO_DEVICE_QUERY_GFX_PLANE,
} from "../../abi/index.ts";
import type { Check, CheckContext, Observation } from "../check.ts";
import { planeArg, query } from "../ioctl-args.ts";
import { isZeroPlane, planeFields, queryUntilOk, ret } from "../observe.ts";

/** The device's display kind as the probe finds it (how a consumer learns which flags to use). */
function kindOf(ctx: CheckContext): "dmabuf" | "region" {
  return query(ctx.dev, VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.PRIMARY).ret === 0 ? "dmabuf" : "region";
}

function flagsOf(ctx: CheckContext): number {
  return kindOf(ctx) === "dmabuf" ? VFIO_GFX_PLANE_TYPE_DMABUF : VFIO_GFX_PLANE_TYPE_REGION;
}

/** How a plane type's reply relates to the primary's: the same plane, zeros, or a plane of its own. */
function relation(ctx: CheckContext, planeType: number, primary: Observation): Observation {
  const q = query(ctx.dev, flagsOf(ctx), planeType);
  if (q.ret !== 0) return ret(q.ret);
  if (isZeroPlane(q.info)) return "zeros";
  return JSON.stringify(planeFields(q.info)) === JSON.stringify(primary) ? "primary" : "own plane";
}

export const queryChecks: Check[] = [
  {
    id: "query.argsz",
    title: "QUERY with argsz 59 is -EINVAL; 60 is enough",
    ref: "KERNEL-ABI §6.5",
    run: (ctx) => {
      const short = planeArg(flagsOf(ctx), DrmPlaneType.PRIMARY, 59);
      const exact = planeArg(VFIO_GFX_PLANE_TYPE_PROBE | flagsOf(ctx), DrmPlaneType.PRIMARY, 60);
      return { argsz59: ret(ctx.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, short)), argsz60_probe: ret(ctx.dev.ioctl(VFIO_DEVICE_QUERY_GFX_PLANE, exact)) };
    },
  },
  {
    id: "query.probe",
    title: "PROBE|DMABUF and PROBE|REGION answer by the device's plane kind",
    ref: "KERNEL-ABI §6.6",
    run: ({ dev }) => ({
      probe_dmabuf: ret(query(dev, VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.PRIMARY).ret),
      probe_region: ret(query(dev, VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION, DrmPlaneType.PRIMARY).ret),
    }),
  },
  {
    id: "query.bad-flags",
    title: "flags 0, PROBE alone, DMABUF|REGION and the other kind are -EINVAL",
    ref: "KERNEL-ABI §6.7",
    run: (ctx) => {
      const other = kindOf(ctx) === "dmabuf" ? VFIO_GFX_PLANE_TYPE_REGION : VFIO_GFX_PLANE_TYPE_DMABUF;
      const q = (flags: number) => ret(query(ctx.dev, flags, DrmPlaneType.PRIMARY).ret);
      return {
        none: q(0),
        probe_only: q(VFIO_GFX_PLANE_TYPE_PROBE),
        dmabuf_region: q(VFIO_GFX_PLANE_TYPE_DMABUF | VFIO_GFX_PLANE_TYPE_REGION),
        other_kind: q(other),
      };
    },
  },
  {
    id: "plane.disabled",
    title: "guest display off: PRIMARY answers 0 with format, size and id zero",
    ref: "KERNEL-ABI §6.8",
    run: (ctx) => {
      ctx.guest.disable();
      const q = query(ctx.dev, flagsOf(ctx), DrmPlaneType.PRIMARY);
      return { ret: ret(q.ret), zeros: isZeroPlane(q.info) };
    },
  },
  {
    id: "plane.enabled",
    title: "a new guest mode: the query sequence until 0, then the described plane (id ≥ 1)",
    ref: "KERNEL-ABI §6.9, §6.18",
    run: (ctx) => {
      const m = ctx.newMode();
      ctx.guest.show(m.width, m.height);
      const q = queryUntilOk(ctx.dev, flagsOf(ctx), DrmPlaneType.PRIMARY);
      const f = planeFields(q.info) as Record<string, Observation>;
      const i = q.info;
      if (kindOf(ctx) === "region") return { rets: q.rets, ...f, region_index: i.id };
      // Drivers that take any mode are reported relative to the mode asked for (it differs per run).
      return {
        rets: q.rets,
        ...f,
        width: i.width === m.width ? "as set" : i.width,
        height: i.height === m.height ? "as set" : i.height,
        stride: i.stride === m.width * 4 ? "width*4" : i.stride,
        size: i.size === i.stride * i.height ? "stride*height" : i.size,
        id_at_least_1: i.id >= 1,
      };
    },
  },
  {
    id: "plane.stable",
    title: "two queries with no guest change give identical replies (same id)",
    ref: "KERNEL-ABI §6.10",
    run: (ctx) => {
      const m = ctx.newMode();
      ctx.guest.show(m.width, m.height);
      const a = queryUntilOk(ctx.dev, flagsOf(ctx), DrmPlaneType.PRIMARY);
      const b = query(ctx.dev, flagsOf(ctx), DrmPlaneType.PRIMARY);
      const same = JSON.stringify(planeFields(a.info)) === JSON.stringify(planeFields(b.info)) && a.info.id === b.info.id;
      return { ret: ret(b.ret), identical: same };
    },
  },
  {
    id: "plane.mode-change",
    title: "a guest mode change gives a different id on the next query; ids grow",
    ref: "KERNEL-ABI §6.11",
    run: (ctx) => {
      const m1 = ctx.newMode();
      ctx.guest.show(m1.width, m1.height);
      const a = queryUntilOk(ctx.dev, flagsOf(ctx), DrmPlaneType.PRIMARY);
      const m2 = ctx.newMode();
      ctx.guest.show(m2.width, m2.height);
      const b = queryUntilOk(ctx.dev, flagsOf(ctx), DrmPlaneType.PRIMARY);
      return { rets: b.rets, different_id: a.info.id !== b.info.id, larger_id: b.info.id > a.info.id };
    },
  },
  {
    id: "plane.cursor-overlay",
    title: "CURSOR and OVERLAY queries while the primary is shown",
    ref: "KERNEL-ABI §6.17, §3.5",
    run: (ctx) => {
      const m = ctx.newMode();
      ctx.guest.show(m.width, m.height);
      const p = queryUntilOk(ctx.dev, flagsOf(ctx), DrmPlaneType.PRIMARY);
      const primary = planeFields(p.info);
      return { cursor: relation(ctx, DrmPlaneType.CURSOR, primary), overlay: relation(ctx, DrmPlaneType.OVERLAY, primary), type7: relation(ctx, 7, primary) };
    },
  },
];
