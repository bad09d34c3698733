/**
 * How the sample drivers (mbochs, mdpy) turn one pread/pwrite into register accesses: naturally aligned
 * 4-, 2- or 1-byte pieces, in order. A register that only answers 16-bit accesses therefore sees a 4-byte
 * read at an aligned offset as one 4-byte access (and ignores it), just as on the real kernel.
 */

/** One access of `size` bytes at device-fd offset `pos`; `data` is the caller's bytes for it. false = fail. */
export type Access = (data: Uint8Array, pos: number, size: 1 | 2 | 4) => boolean;

/**
 * Run `access` over [pos, pos + buf.length). Returns the byte count, or -EFAULT (-14) as soon as one piece
 * fails; pieces before it have already been done, as in the kernel.
 */
export function splitAccess(buf: Uint8Array, pos: number, access: Access): number {
  let done = 0;
  while (done < buf.length) {
    const left = buf.length - done;
    const at = pos + done;
    const size: 1 | 2 | 4 = left >= 4 && at % 4 === 0 ? 4 : left >= 2 && at % 2 === 0 ? 2 : 1;
    if (!access(buf.subarray(done, done + size), at, size)) return -14;
    done += size;
  }
  return done;
}
