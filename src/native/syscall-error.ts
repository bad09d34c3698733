/**
 * The one error the native backend throws for a failed setup syscall (opening a group, creating an mdev):
 * it names the call, the path and the errno, e.g. `open /dev/vfio/12: ENOENT`. Calls on an open
 * DeviceFile never throw; they answer -errno like the model does.
 */
import { errnoName } from "../abi/index.ts";

/** errno names beyond those src/abi names (Linux x86-64 / asm-generic values). */
const moreNames: Record<number, string> = {
  3: "ESRCH",
  10: "ECHILD",
  15: "ENOTBLK",
  18: "EXDEV",
  20: "ENOTDIR",
  21: "EISDIR",
  23: "ENFILE",
  26: "ETXTBSY",
  30: "EROFS",
  31: "EMLINK",
  32: "EPIPE",
  36: "ENAMETOOLONG",
  39: "ENOTEMPTY",
  40: "ELOOP",
  61: "ENODATA",
  75: "EOVERFLOW",
  110: "ETIMEDOUT",
};

/** "ENOENT" for 2 or -2, "E<n>" for a value nobody names. */
export function nativeErrnoName(errno: number): string {
  const v = Math.abs(errno);
  return moreNames[v] ?? errnoName(v);
}

export class SyscallError extends Error {
  override readonly name = "SyscallError";
  /** positive errno */
  readonly errno: number;

  constructor(
    readonly syscall: string,
    readonly path: string,
    errno: number,
    detail?: string,
  ) {
    super(`${syscall} ${path}: ${nativeErrnoName(errno)}${detail ? ` (${detail})` : ""}`);
    this.errno = Math.abs(errno);
  }

  get code(): string {
    return nativeErrnoName(this.errno);
  }
}

/** The errno of a Node fs error (its `errno` is negative, its `code` the name), for wrapping in a SyscallError. */
export function fsErrno(e: unknown): number {
  const n = (e as { errno?: unknown }).errno;
  if (typeof n === "number") return Math.abs(n);
  throw e;
}
