/**
 * DRM fourcc pixel formats (include/uapi/drm/drm_fourcc.h) with a descriptor per format: how many bytes a
 * pixel takes and where each channel sits, so a decoder can be written once from the table.
 */

/** fourcc_code(a,b,c,d) = a | b<<8 | c<<16 | d<<24: the ASCII string is the little-endian byte order. */
export function fourcc(code: string): number {
  if (code.length !== 4) throw new RangeError(`fourcc needs 4 characters, got "${code}"`);
  return (code.charCodeAt(0) | (code.charCodeAt(1) << 8) | (code.charCodeAt(2) << 16) | (code.charCodeAt(3) << 24)) >>> 0;
}

export function fourccString(value: number): string {
  const v = value >>> 0;
  return String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0x7f);
}

export const DRM_FORMAT_INVALID = 0;
export const DRM_FORMAT_BIG_ENDIAN = 0x80000000;

export const DrmFormat = {
  C8: fourcc("C8  "),
  RGB565: fourcc("RG16"),
  XRGB8888: fourcc("XR24"),
  ARGB8888: fourcc("AR24"),
  XBGR8888: fourcc("XB24"),
  ABGR8888: fourcc("AB24"),
  XRGB2101010: fourcc("XR30"),
  XBGR2101010: fourcc("XB30"),
  ARGB2101010: fourcc("AR30"),
  ABGR2101010: fourcc("AB30"),
  YUYV: fourcc("YUYV"),
  YVYU: fourcc("YVYU"),
  UYVY: fourcc("UYVY"),
  VYUY: fourcc("VYUY"),
} as const;

export type DrmFormatName = keyof typeof DrmFormat;

/** A channel inside a little-endian packed pixel word: bit shift and width. */
export interface Channel {
  shift: number;
  bits: number;
}

export type FormatDescriptor =
  | { kind: "indexed"; name: DrmFormatName; code: number; bytesPerPixel: 1 }
  | {
      kind: "rgb";
      name: DrmFormatName;
      code: number;
      bytesPerPixel: 2 | 4;
      r: Channel;
      g: Channel;
      b: Channel;
      /** absent for X (padding) formats */
      a?: Channel;
    }
  | {
      kind: "yuv422";
      name: DrmFormatName;
      code: number;
      /** 2 pixels share one 4-byte macropixel */
      bytesPerPixel: 2;
      /** byte positions of Y0, U (Cb), Y1, V (Cr) inside the macropixel */
      y0: number;
      u: number;
      y1: number;
      v: number;
    };

const ch = (shift: number, bits: number): Channel => ({ shift, bits });

export const FORMAT_DESCRIPTORS: readonly FormatDescriptor[] = [
  { kind: "indexed", name: "C8", code: DrmFormat.C8, bytesPerPixel: 1 },
  { kind: "rgb", name: "RGB565", code: DrmFormat.RGB565, bytesPerPixel: 2, r: ch(11, 5), g: ch(5, 6), b: ch(0, 5) },
  { kind: "rgb", name: "XRGB8888", code: DrmFormat.XRGB8888, bytesPerPixel: 4, r: ch(16, 8), g: ch(8, 8), b: ch(0, 8) },
  { kind: "rgb", name: "ARGB8888", code: DrmFormat.ARGB8888, bytesPerPixel: 4, r: ch(16, 8), g: ch(8, 8), b: ch(0, 8), a: ch(24, 8) },
  { kind: "rgb", name: "XBGR8888", code: DrmFormat.XBGR8888, bytesPerPixel: 4, r: ch(0, 8), g: ch(8, 8), b: ch(16, 8) },
  { kind: "rgb", name: "ABGR8888", code: DrmFormat.ABGR8888, bytesPerPixel: 4, r: ch(0, 8), g: ch(8, 8), b: ch(16, 8), a: ch(24, 8) },
  { kind: "rgb", name: "XRGB2101010", code: DrmFormat.XRGB2101010, bytesPerPixel: 4, r: ch(20, 10), g: ch(10, 10), b: ch(0, 10) },
  { kind: "rgb", name: "XBGR2101010", code: DrmFormat.XBGR2101010, bytesPerPixel: 4, r: ch(0, 10), g: ch(10, 10), b: ch(20, 10) },
  { kind: "rgb", name: "ARGB2101010", code: DrmFormat.ARGB2101010, bytesPerPixel: 4, r: ch(20, 10), g: ch(10, 10), b: ch(0, 10), a: ch(30, 2) },
  { kind: "rgb", name: "ABGR2101010", code: DrmFormat.ABGR2101010, bytesPerPixel: 4, r: ch(0, 10), g: ch(10, 10), b: ch(20, 10), a: ch(30, 2) },
  { kind: "yuv422", name: "YUYV", code: DrmFormat.YUYV, bytesPerPixel: 2, y0: 0, u: 1, y1: 2, v: 3 },
  { kind: "yuv422", name: "YVYU", code: DrmFormat.YVYU, bytesPerPixel: 2, y0: 0, v: 1, y1: 2, u: 3 },
  { kind: "yuv422", name: "UYVY", code: DrmFormat.UYVY, bytesPerPixel: 2, u: 0, y0: 1, v: 2, y1: 3 },
  { kind: "yuv422", name: "VYUY", code: DrmFormat.VYUY, bytesPerPixel: 2, v: 0, y0: 1, u: 2, y1: 3 },
];

const byCode = new Map<number, FormatDescriptor>(FORMAT_DESCRIPTORS.map((d) => [d.code, d]));

export function formatDescriptor(code: number): FormatDescriptor | undefined {
  return byCode.get(code >>> 0);
}

/** "XRGB8888" for a known code, the fourcc letters otherwise, "none" for 0. */
export function formatName(code: number): string {
  if (code === 0) return "none";
  return byCode.get(code >>> 0)?.name ?? `'${fourccString(code)}'`;
}
