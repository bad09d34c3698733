/** Linux errno values (asm-generic/errno-base.h, errno.h) that the VFIO and dma-buf paths return. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  ERANGE: 34,
  ENOSYS: 38,
  EOPNOTSUPP: 95,
} as const;

export type ErrnoName = keyof typeof Errno;

const namesByValue = new Map<number, ErrnoName>(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, value]) => [value, name]),
);

/** "EINVAL" for 22 or -22; "E<n>" for a value we do not name. */
export function errnoName(value: number): string {
  const v = Math.abs(value);
  return namesByValue.get(v) ?? `E${v}`;
}

/** "-EINVAL" for -22, "0" for 0, the number itself for a positive result (an fd). */
export function describeResult(ret: number): string {
  return ret < 0 ? `-${errnoName(ret)}` : String(ret);
}
