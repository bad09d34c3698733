/**
 * RFB encoding and pseudo-encoding numbers (RFC 6143 §7.7, rfbproto.rst "Encodings"). Signed 32-bit on
 * the wire; negative numbers are pseudo-encodings that carry capabilities and settings, not pixels.
 */
export const Encoding = {
  Raw: 0,
  CopyRect: 1,
  RRE: 2,
  Hextile: 5,
  Zlib: 6,
  Tight: 7,
  ZRLE: 16,
  TightPNG: -260,
} as const;

export const PseudoEncoding = {
  /** −256 … −247: Tight compression level 0 … 9 */
  CompressLevel0: -256,
  CompressLevel9: -247,
  /** −32 … −23: JPEG quality level 0 … 9 */
  QualityLevel0: -32,
  QualityLevel9: -23,
  /** −512 … −412: fine JPEG quality 0 … 100 (TurboVNC/TigerVNC) */
  FineQuality0: -512,
  FineQuality100: -412,
  /** −768 … −763: JPEG chroma subsampling 1X, 4X, 2X, gray, 8X, 16X */
  Subsamp1X: -768,
  Subsamp16X: -763,
  DesktopSize: -223,
  LastRect: -224,
  Cursor: -239,
  QemuPointerMotionChange: -257,
  QemuExtendedKeyEvent: -258,
  QemuLedState: -261,
  DesktopName: -307,
  ExtendedDesktopSize: -308,
  Xvp: -309,
  Fence: -312,
  ContinuousUpdates: -313,
  CursorWithAlpha: -314,
  ExtendedMouseButtons: -316,
  VMwareCursor: 0x574d5664,
  ExtendedClipboard: 0xc0a1e5ce | 0, // signed on the wire: -1063262770
} as const;

export type EncodingNumber = (typeof Encoding)[keyof typeof Encoding];

/** The real (pixel) encodings this server can produce, in the order we prefer when a client lists none. */
export const PIXEL_ENCODINGS: readonly number[] = [
  Encoding.Tight,
  Encoding.TightPNG,
  Encoding.ZRLE,
  Encoding.Hextile,
  Encoding.Zlib,
  Encoding.RRE,
  Encoding.Raw,
];

const NAMES = new Map<number, string>([
  ...Object.entries(Encoding).map(([k, v]) => [v, k] as [number, string]),
  ...Object.entries(PseudoEncoding).map(([k, v]) => [v, k] as [number, string]),
]);

export function encodingName(n: number): string {
  if (n >= PseudoEncoding.CompressLevel0 && n <= PseudoEncoding.CompressLevel9) return `CompressLevel${n - PseudoEncoding.CompressLevel0}`;
  if (n >= PseudoEncoding.QualityLevel0 && n <= PseudoEncoding.QualityLevel9) return `QualityLevel${n - PseudoEncoding.QualityLevel0}`;
  if (n >= PseudoEncoding.FineQuality0 && n <= PseudoEncoding.FineQuality100) return `FineQuality${n - PseudoEncoding.FineQuality0}`;
  if (n >= PseudoEncoding.Subsamp1X && n <= PseudoEncoding.Subsamp16X) return `Subsampling${n - PseudoEncoding.Subsamp1X}`;
  return NAMES.get(n) ?? `unknown(${n})`;
}
