/**
 * The main thread's half of a worker guest's device: applies each request (pread, pwrite, ioctl, mmap) to
 * the DeviceFile it owns, exactly as the guest asked, and wakes the worker. A mapping is only handed over
 * when its memory is a SharedArrayBuffer (the model's VRAM and framebuffers are); anything else would be a
 * copy the guest draws into unseen, so that mmap fails with -EOPNOTSUPP.
 */
import type { MessagePort } from "node:worker_threads";
import { Errno, isMapping, type DeviceFile, type Mapping } from "../../../abi/index.ts";
import { CtlIndex, type RpcReply, type RpcRequest } from "./protocol.ts";

export class DeviceServer {
  private readonly mappings = new Map<number, Mapping>();
  private nextHandle = 1;
  /** requests served */
  served = 0;

  constructor(
    private readonly dev: DeviceFile,
    private readonly port: MessagePort,
    private readonly ctl: Int32Array,
  ) {
    port.on("message", (req: RpcRequest) => this.serve(req));
  }

  /** Drop every mapping the guest still holds and stop listening. The DeviceFile stays open (it is the caller's). */
  close(): void {
    for (const m of this.mappings.values()) m.unmap();
    this.mappings.clear();
    this.port.close();
  }

  private serve(req: RpcRequest): void {
    let reply: RpcReply;
    try {
      reply = this.apply(req);
    } catch {
      reply = { ret: -Errno.EIO };
    }
    this.served++;
    this.port.postMessage(reply);
    Atomics.store(this.ctl, CtlIndex.RPC_READY, 1);
    Atomics.notify(this.ctl, CtlIndex.RPC_READY);
  }

  private apply(req: RpcRequest): RpcReply {
    switch (req.op) {
      case "pread": {
        if (!Number.isSafeInteger(req.length) || req.length < 0) return { ret: -Errno.EINVAL };
        const buf = new Uint8Array(req.length);
        const ret = this.dev.pread(buf, req.offset);
        return ret > 0 ? { ret, data: buf.subarray(0, ret) } : { ret };
      }
      case "pwrite":
        return { ret: this.dev.pwrite(req.data, req.offset) };
      case "ioctl": {
        const ret = this.dev.ioctl(req.request, req.arg);
        return req.arg instanceof Uint8Array ? { ret, data: req.arg } : { ret };
      }
      case "mmap": {
        const m = this.dev.mmap(req.length, req.prot, req.flags, req.offset);
        if (!isMapping(m)) return { ret: m };
        if (!(m.bytes.buffer instanceof SharedArrayBuffer)) {
          m.unmap();
          return { ret: -Errno.EOPNOTSUPP };
        }
        const handle = this.nextHandle++;
        this.mappings.set(handle, m);
        return { ret: 0, handle, buffer: m.bytes.buffer, byteOffset: m.bytes.byteOffset, length: m.bytes.length };
      }
      case "munmap": {
        const m = this.mappings.get(req.handle);
        if (!m) return { ret: -Errno.EINVAL };
        this.mappings.delete(req.handle);
        m.unmap();
        return { ret: 0 };
      }
      case "close":
        // The guest's fd belongs to whoever spawned the worker; closing it is theirs to do.
        return { ret: 0 };
      default:
        return { ret: -Errno.EINVAL };
    }
  }
}
