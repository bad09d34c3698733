/** GET_GFX_DMABUF and the dma-buf file: size, unknown ids, mmap rules, SYNC flags. */
import {
  DmaBufSyncFlags,
  DrmPlaneType,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  SEEK_END,
  VFIO_GFX_PLANE_TYPE_DMABUF,
  isMapping,
  type DmaBufFile,
} from "../../abi/index.ts";
import type { Check, CheckContext, Observation } from "../check.ts";
import { getDmabuf } from "../ioctl-args.ts";
import { queryUntilOk, ret } from "../observe.ts";

/** Show a new mode, query it and export it. */
function exported(ctx: CheckContext): { file: DmaBufFile | number; size: number; stride: number; getRet: number } {
  const m = ctx.newMode();
  ctx.guest.show(m.width, m.height);
  const q = queryUntilOk(ctx.dev, VFIO_GFX_PLANE_TYPE_DMABUF, DrmPlaneType.PRIMARY);
  const fd = getDmabuf(ctx.dev, q.info.id);
  if (fd < 0) return { file: fd, size: q.info.size, stride: q.info.stride, getRet: fd };
  return { file: ctx.dev.dmaBuf(fd), size: q.info.size, stride: q.info.stride, getRet: fd };
}

function mmapRet(file: DmaBufFile, length: number, prot: number, flags: number): Observation {
  const m = file.mmap(length, prot, flags, 0);
  if (!isMapping(m)) return ret(m);
  m.unmap();
  return "ok";
}

export const dmabufChecks: Check[] = [
  {
    id: "dmabuf.get",
    title: "GET_GFX_DMABUF for a just-queried id → an fd; fstat and lseek(END) give the plane size",
    ref: "KERNEL-ABI §6.12",
    run: (ctx) => {
      const e = exported(ctx);
      if (typeof e.file === "number") return { get: ret(e.getRet) };
      const size = e.file.size();
      const end = e.file.lseek(0, SEEK_END);
      e.file.close();
      const rel = (n: number): Observation => (n === e.size ? "plane size" : n === Math.ceil(e.size / PAGE_SIZE) * PAGE_SIZE ? "plane size rounded up to 4096" : n);
      return { get: ret(e.getRet), fstat_size: rel(size), lseek_end: rel(end) };
    },
  },
  {
    id: "dmabuf.unknown-id",
    title: "GET_GFX_DMABUF of an id never handed out",
    ref: "KERNEL-ABI §6.13",
    run: ({ dev }) => ({ ret: ret(getDmabuf(dev, 0x7fff_fff0)) }),
  },
  {
    id: "dmabuf.mmap",
    title: "mmap of the dma-buf: shared read-only, its content, private, writable, past the last whole page",
    ref: "KERNEL-ABI §6.14",
    run: (ctx) => {
      const e = exported(ctx);
      if (typeof e.file === "number") return { get: ret(e.getRet) };
      const file = e.file;
      const pages = Math.floor(e.size / PAGE_SIZE) * PAGE_SIZE;
      ctx.guest.setPixel(3, 2, 0x00c0ffee);
      const shared = file.mmap(pages, PROT_READ, MAP_SHARED, 0);
      let content: Observation = null;
      if (isMapping(shared)) {
        const b = shared.bytes;
        const at = 2 * e.stride + 3 * 4;
        content = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) === 0xc0ffee ? "guest pixel visible" : "guest pixel missing";
        shared.unmap();
      }
      const out = {
        shared_read: isMapping(shared) ? "ok" : ret(shared),
        content,
        private_read: mmapRet(file, pages, PROT_READ, MAP_PRIVATE),
        shared_write: mmapRet(file, pages, PROT_READ | PROT_WRITE, MAP_SHARED),
        one_page_too_many: mmapRet(file, pages + PAGE_SIZE, PROT_READ, MAP_SHARED),
      };
      file.close();
      return out;
    },
  },
  {
    id: "dmabuf.sync",
    title: "DMA_BUF_IOCTL_SYNC: START|READ and END|READ are 0; flags 0 and 8 are -EINVAL",
    ref: "KERNEL-ABI §6.15",
    run: (ctx) => {
      const e = exported(ctx);
      if (typeof e.file === "number") return { get: ret(e.getRet) };
      const f = e.file;
      const out = {
        start_read: ret(f.sync(DmaBufSyncFlags.START | DmaBufSyncFlags.READ)),
        end_read: ret(f.sync(DmaBufSyncFlags.END | DmaBufSyncFlags.READ)),
        none: ret(f.sync(0)),
        invalid_bit: ret(f.sync(8)),
      };
      f.close();
      return out;
    },
  },
];
