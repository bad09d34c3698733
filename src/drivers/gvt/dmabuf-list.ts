/**
 * GVT's list of exposed framebuffers (dmabuf.c: struct intel_vgpu_dmabuf_obj, its kref and "initref").
 *
 * - QUERY finds an object by (GM start, guest-physical start, size, modifier, format, width, height) or
 *   creates one with the lowest free id ≥ 1 (idr_alloc), holding one reference as its "initref".
 *   Finding an object that has no initref takes one again, so it cannot die between QUERY and GET.
 * - Every GET makes a new dma-buf holding its own reference, and drops the initref if there is one.
 * - An object dies when its last reference goes; its id is then free for reuse.
 * - Device close (intel_vgpu_dmabuf_cleanup) unlinks every object, frees its id and drops its initref;
 *   objects with live dma-bufs become orphans that die with their last buffer.
 */
import { PAGE_SIZE } from "../../abi/index.ts";
import { exportDmaBuf, type DmaBuf } from "../../kernel/dma-buf.ts";
import { DmaBufBacking, type PinSource } from "./dmabuf-backing.ts";
import { copyFbInfo, emptyFbInfo, sameFramebuffer, type FbInfo } from "./plane-decoder.ts";

export interface GvtDmabufObj {
  readonly id: number;
  /** the decode that created it (intel_vgpu_fb_info) */
  readonly info: Readonly<FbInfo>;
  kref: number;
  initref: boolean;
  /** on the vGPU's list (obj->vgpu != NULL); false for orphans */
  linked: boolean;
}

export class GvtDmabufList {
  private objects: GvtDmabufObj[] = [];

  get length(): number {
    return this.objects.length;
  }

  /** Ids currently on the list, in list order. */
  ids(): number[] {
    return this.objects.map((o) => o.id);
  }

  /** pick_dmabuf_by_info */
  findByInfo(info: Readonly<FbInfo>): GvtDmabufObj | undefined {
    const objs = this.objects;
    for (let i = 0; i < objs.length; i++) if (sameFramebuffer(objs[i]!.info, info)) return objs[i];
    return undefined;
  }

  /** pick_dmabuf_by_num */
  findById(id: number): GvtDmabufObj | undefined {
    const objs = this.objects;
    for (let i = 0; i < objs.length; i++) if (objs[i]!.id === id) return objs[i];
    return undefined;
  }

  /** A new object for `info`: lowest free id ≥ 1, kref 1 held as the initref, appended to the list. */
  create(info: Readonly<FbInfo>): GvtDmabufObj {
    const stored = emptyFbInfo();
    copyFbInfo(info, stored);
    const obj: GvtDmabufObj = { id: this.lowestFreeId(), info: stored, kref: 1, initref: true, linked: true };
    this.objects.push(obj);
    return obj;
  }

  private lowestFreeId(): number {
    let id = 1;
    while (this.findById(id)) id++;
    return id;
  }

  /** QUERY found `obj`: make sure it holds an initref. */
  takeInitref(obj: GvtDmabufObj): void {
    if (!obj.initref) {
      obj.initref = true;
      obj.kref++;
    }
  }

  get(obj: GvtDmabufObj): void {
    obj.kref++;
  }

  /** dmabuf_obj_put: at zero the object leaves the list and its id becomes free. */
  put(obj: GvtDmabufObj): void {
    if (obj.kref <= 0) throw new Error(`gvt dmabuf ${obj.id}: reference count underflow`);
    if (--obj.kref > 0) return;
    if (obj.linked) {
      obj.linked = false;
      this.objects = this.objects.filter((o) => o !== obj);
    }
  }

  /** GET succeeded: the dma-buf's own reference replaces the initref. */
  dropInitref(obj: GvtDmabufObj): void {
    if (obj.initref) {
      obj.initref = false;
      this.put(obj);
    }
  }

  /**
   * A new dma-buf for `obj` (vgpu_create_gem + i915_gem_prime_export with O_RDWR): it holds one object
   * reference, dropped when the buffer is released. Its size is the surface size rounded up to pages.
   */
  export(obj: GvtDmabufObj, name: string, source: () => PinSource | undefined): DmaBuf {
    const size = Math.ceil(obj.info.size / PAGE_SIZE) * PAGE_SIZE;
    const backing = new DmaBufBacking(obj.info.start, size, () => (obj.linked ? source() : undefined));
    this.get(obj);
    return exportDmaBuf({
      name: `${name}:${obj.id}`,
      size,
      writable: true,
      exporter: {
        mmap: (vma) => backing.mmap(vma),
        beginCpuAccess: (flags) => backing.beginCpuAccess(flags),
        endCpuAccess: () => 0,
        release: () => {
          backing.unpin();
          this.put(obj);
        },
      },
    });
  }

  /** intel_vgpu_dmabuf_cleanup */
  cleanup(): void {
    const objs = this.objects;
    this.objects = [];
    for (const obj of objs) {
      obj.linked = false;
      this.dropInitref(obj);
    }
  }
}
