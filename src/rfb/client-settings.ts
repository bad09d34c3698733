/**
 * What a client's SetEncodings means for us: which pixel encoding it gets, its compression and JPEG
 * settings, and which pseudo-encodings (capabilities) it understands. Like QEMU and TigerVNC, the first
 * pixel encoding in the client's list that we can produce wins; lossy JPEG only when the client sent a
 * quality level (or fine quality) and the encoding can carry it (Tight, TightPNG).
 */
import { Encoding, PIXEL_ENCODINGS, PseudoEncoding as P } from "./encodings.ts";
import { QUALITY_LEVELS, type Subsampling } from "./encoders/encoder.ts";

export type CursorKind = "alpha" | "vmware" | "rich" | "none";

export interface ClientSettings {
  /** the encoding pixel rectangles are sent in */
  readonly pixelEncoding: number;
  readonly copyRect: boolean;
  readonly compressLevel: number;
  /** −1 = lossless only */
  readonly jpegQuality: number;
  readonly subsampling: Subsampling;
  readonly desktopSize: boolean;
  readonly extendedDesktopSize: boolean;
  readonly lastRect: boolean;
  readonly desktopName: boolean;
  readonly cursor: CursorKind;
  readonly qemuExtendedKey: boolean;
  readonly qemuLedState: boolean;
  readonly qemuPointerMotionChange: boolean;
  readonly fence: boolean;
  readonly continuousUpdates: boolean;
  readonly extendedClipboard: boolean;
  /** what encoding work this client can share with others: same key, same bytes */
  readonly encodeKey: string;
  /** the same for its lossless refresh (JPEG off) */
  readonly losslessEncodeKey: string;
}

const SUBSAMPLINGS: readonly Subsampling[] = ["1x", "4x", "2x", "gray", "8x", "16x"];

export function settingsFromEncodings(list: readonly number[], pixelFormatKey: string): ClientSettings {
  const has = new Set(list);
  const pixelEncoding = list.find((e) => PIXEL_ENCODINGS.includes(e)) ?? Encoding.Raw;
  let compressLevel = -1;
  let qualityLevel = -1;
  let fineQuality = -1;
  let subsampling: Subsampling | undefined;
  // the last of each kind in the list wins, as in TigerVNC
  for (const e of list) {
    if (e >= P.CompressLevel0 && e <= P.CompressLevel9) compressLevel = e - P.CompressLevel0;
    else if (e >= P.QualityLevel0 && e <= P.QualityLevel9) qualityLevel = e - P.QualityLevel0;
    else if (e >= P.FineQuality0 && e <= P.FineQuality100) fineQuality = e - P.FineQuality0;
    else if (e >= P.Subsamp1X && e <= P.Subsamp16X) subsampling = SUBSAMPLINGS[e - P.Subsamp1X];
  }
  const lossyCapable = pixelEncoding === Encoding.Tight || pixelEncoding === Encoding.TightPNG;
  let jpegQuality = -1;
  let sub: Subsampling = "1x";
  if (lossyCapable && (qualityLevel >= 0 || fineQuality >= 0)) {
    const level = QUALITY_LEVELS[qualityLevel >= 0 ? qualityLevel : 9]!;
    jpegQuality = fineQuality >= 0 ? Math.max(1, fineQuality) : level.quality;
    sub = subsampling ?? level.subsampling;
  }
  const cursor: CursorKind = has.has(P.CursorWithAlpha) ? "alpha" : has.has(P.VMwareCursor) ? "vmware" : has.has(P.Cursor) ? "rich" : "none";
  const usesZlibLevel = pixelEncoding === Encoding.Zlib || pixelEncoding === Encoding.ZRLE || lossyCapable;
  const key = (quality: number): string =>
    [pixelEncoding, pixelFormatKey, usesZlibLevel ? `c${compressLevel}` : "", lossyCapable ? `q${quality}${quality >= 0 ? sub : ""}` : ""].join("|");
  return {
    pixelEncoding,
    copyRect: has.has(Encoding.CopyRect),
    compressLevel,
    jpegQuality,
    subsampling: sub,
    desktopSize: has.has(P.DesktopSize),
    extendedDesktopSize: has.has(P.ExtendedDesktopSize),
    lastRect: has.has(P.LastRect),
    desktopName: has.has(P.DesktopName),
    cursor,
    qemuExtendedKey: has.has(P.QemuExtendedKeyEvent),
    qemuLedState: has.has(P.QemuLedState),
    qemuPointerMotionChange: has.has(P.QemuPointerMotionChange),
    fence: has.has(P.Fence),
    continuousUpdates: has.has(P.ContinuousUpdates),
    extendedClipboard: has.has(P.ExtendedClipboard),
    encodeKey: key(jpegQuality),
    losslessEncodeKey: key(-1),
  };
}
