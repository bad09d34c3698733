/**
 * The worker's view of its device: a DeviceFile whose every call is a synchronous request to the main
 * thread (see protocol.ts) — the worker blocks until the device model has answered, as a vCPU does on an
 * MMIO exit. mmap answers with a view of the device's own SharedArrayBuffer, so drawing needs no messages.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { Errno, type DeviceFile, type DmaBufFile, type IoctlArg, type MmapResult } from "../../../abi/index.ts";
import { CtlIndex, type RpcReply, type RpcRequest } from "./protocol.ts";

/** How long one request may take before the worker gives up on the main thread. */
const RPC_TIMEOUT_MS = 30_000;

export class RemoteDeviceFile implements DeviceFile {
  /** requests made (for statistics) */
  calls = 0;

  constructor(
    readonly fd: number,
    private readonly port: MessagePort,
    private readonly ctl: Int32Array,
  ) {}

  ioctl(request: number, arg?: IoctlArg): number {
    const reply = this.call({ op: "ioctl", request, arg });
    if (arg instanceof Uint8Array && "data" in reply && reply.data) arg.set(reply.data.subarray(0, arg.length));
    return reply.ret;
  }

  pread(buf: Uint8Array, offset: number): number {
    const reply = this.call({ op: "pread", length: buf.length, offset });
    if (reply.ret > 0 && "data" in reply && reply.data) buf.set(reply.data.subarray(0, reply.ret));
    return reply.ret;
  }

  pwrite(buf: Uint8Array, offset: number): number {
    return this.call({ op: "pwrite", data: buf.slice(), offset }).ret;
  }

  mmap(length: number, prot: number, flags: number, offset: number): MmapResult {
    const reply = this.call({ op: "mmap", length, prot, flags, offset });
    if (!("buffer" in reply)) return reply.ret < 0 ? reply.ret : -Errno.EIO;
    const bytes = new Uint8Array(reply.buffer, reply.byteOffset, reply.length);
    let mapped = true;
    return {
      bytes,
      unmap: () => {
        if (!mapped) return;
        mapped = false;
        this.call({ op: "munmap", handle: reply.handle });
      },
    };
  }

  dmaBuf(_fd: number): DmaBufFile | number {
    // A guest never holds the host's dma-buf fds.
    return -Errno.EBADF;
  }

  close(): number {
    return this.call({ op: "close" }).ret;
  }

  private call(req: RpcRequest): RpcReply {
    this.calls++;
    Atomics.store(this.ctl, CtlIndex.RPC_READY, 0);
    this.port.postMessage(req);
    const deadline = performance.now() + RPC_TIMEOUT_MS;
    for (;;) {
      Atomics.wait(this.ctl, CtlIndex.RPC_READY, 0, 50);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        Atomics.store(this.ctl, CtlIndex.RPC_READY, 0);
        return got.message as RpcReply;
      }
      if (performance.now() > deadline) throw new Error(`device request ${req.op} got no answer from the main thread`);
    }
  }
}
