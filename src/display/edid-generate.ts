/**
 * An EDID 1.4 base block (128 bytes) whose preferred detailed timing is the requested size: what a host
 * publishes so that the guest picks that mode after a hot-plug. Timings follow CVT reduced blanking (v1) at
 * 60 Hz, dropping to 30 Hz when the pixel clock would not fit the descriptor's 16-bit field (>655.35 MHz).
 * A detailed timing holds at most 4095 × 4095 active pixels.
 */
export const EDID_BLOCK_SIZE = 128;
export const EDID_MAX_DIMENSION = 4095;

export interface EdidOptions {
  width: number;
  height: number;
  /** monitor name, up to 13 ASCII characters */
  name?: string;
  /** three upper-case letters (the PNP vendor id) */
  vendor?: string;
  /** dots per inch used for the physical size (default 96) */
  dpi?: number;
  /** manufacture year (default 2026) */
  year?: number;
}

export interface DetailedTiming {
  pixelClockKHz: number;
  hActive: number;
  hBlank: number;
  hFront: number;
  hSync: number;
  vActive: number;
  vBlank: number;
  vFront: number;
  vSync: number;
  refreshHz: number;
}

/** CVT-RB v1 for the active size: 160 px horizontal blanking, at least 460 µs of vertical blanking. */
export function reducedBlankingTiming(width: number, height: number): DetailedTiming {
  const hBlank = 160;
  const hTotal = width + hBlank;
  for (const refreshHz of [60, 50, 30]) {
    const lineTimeUs = 1e6 / refreshHz / (height + 10); // first estimate of one line's duration
    const vBlank = Math.max(3 + 4 + 6, Math.ceil(460 / lineTimeUs));
    const vTotal = height + vBlank;
    const pixelClockKHz = Math.ceil((hTotal * vTotal * refreshHz) / 250) / 4; // 0.25 MHz steps, in kHz
    const rounded = Math.ceil(pixelClockKHz / 10) * 10;
    if (rounded / 10 <= 0xffff) {
      return { pixelClockKHz: rounded, hActive: width, hBlank, hFront: 48, hSync: 32, vActive: height, vBlank, vFront: 3, vSync: 4, refreshHz };
    }
  }
  throw new RangeError(`${width}x${height} needs a pixel clock a detailed timing cannot hold`);
}

function encodeVendor(vendor: string): number {
  if (!/^[A-Z]{3}$/.test(vendor)) throw new RangeError(`vendor "${vendor}" must be three letters A–Z`);
  const c = (i: number) => vendor.charCodeAt(i) - 64;
  return (c(0) << 10) | (c(1) << 5) | c(2);
}

function writeDetailedTiming(e: Uint8Array, at: number, t: DetailedTiming, widthMm: number, heightMm: number): void {
  const clock = t.pixelClockKHz / 10;
  e[at] = clock & 0xff;
  e[at + 1] = clock >> 8;
  e[at + 2] = t.hActive & 0xff;
  e[at + 3] = t.hBlank & 0xff;
  e[at + 4] = ((t.hActive >> 8) << 4) | (t.hBlank >> 8);
  e[at + 5] = t.vActive & 0xff;
  e[at + 6] = t.vBlank & 0xff;
  e[at + 7] = ((t.vActive >> 8) << 4) | (t.vBlank >> 8);
  e[at + 8] = t.hFront & 0xff;
  e[at + 9] = t.hSync & 0xff;
  e[at + 10] = ((t.vFront & 0xf) << 4) | (t.vSync & 0xf);
  e[at + 11] = ((t.hFront >> 8) << 6) | ((t.hSync >> 8) << 4) | ((t.vFront >> 4) << 2) | (t.vSync >> 4);
  e[at + 12] = widthMm & 0xff;
  e[at + 13] = heightMm & 0xff;
  e[at + 14] = ((widthMm >> 8) << 4) | (heightMm >> 8);
  e[at + 15] = 0;
  e[at + 16] = 0;
  e[at + 17] = 0x1a; // digital separate sync, +hsync -vsync (reduced blanking's polarity)
}

function writeText(e: Uint8Array, at: number, tag: number, text: string): void {
  e.set([0, 0, 0, tag, 0], at);
  const s = text.slice(0, 13);
  for (let i = 0; i < 13; i++) e[at + 5 + i] = i < s.length ? s.charCodeAt(i) & 0x7f : i === s.length ? 0x0a : 0x20;
}

export function generateEdid(opts: EdidOptions): Uint8Array {
  const { width, height } = opts;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > EDID_MAX_DIMENSION || height > EDID_MAX_DIMENSION) {
    throw new RangeError(`${width}x${height} is outside what a detailed timing holds (1..${EDID_MAX_DIMENSION})`);
  }
  const dpi = opts.dpi ?? 96;
  const widthMm = Math.min(4095, Math.round((width / dpi) * 25.4));
  const heightMm = Math.min(4095, Math.round((height / dpi) * 25.4));
  const timing = reducedBlankingTiming(width, height);
  const e = new Uint8Array(EDID_BLOCK_SIZE);
  e.set([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00], 0);
  const vendor = encodeVendor(opts.vendor ?? "VFD");
  e[8] = vendor >> 8;
  e[9] = vendor & 0xff;
  e[10] = 0x01; // product code
  e[16] = 0; // week unknown
  e[17] = (opts.year ?? 2026) - 1990;
  e[18] = 1; // EDID 1.4
  e[19] = 4;
  e[20] = 0xa5; // digital, 8 bits per colour, DisplayPort
  e[21] = Math.max(1, Math.min(255, Math.round(widthMm / 10)));
  e[22] = Math.max(1, Math.min(255, Math.round(heightMm / 10)));
  e[23] = 120; // gamma 2.2
  e[24] = 0x07; // sRGB default, preferred timing is native, continuous frequency
  e.set([0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54], 25); // sRGB chromaticity
  for (let i = 38; i < 54; i++) e[i] = 0x01; // no standard timings
  writeDetailedTiming(e, 54, timing, widthMm, heightMm);
  // Range limits: 30–75 Hz vertical, 30–300 kHz horizontal, 660 MHz max pixel clock, no timing formula.
  e.set([0, 0, 0, 0xfd, 0, 30, 75, 30, 255, 66, 0x01, 0x0a, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20], 72);
  writeText(e, 90, 0xfc, opts.name ?? "vfio-display");
  writeText(e, 108, 0xff, `${width}x${height}`);
  e[126] = 0; // no extension blocks
  let sum = 0;
  for (let i = 0; i < 127; i++) sum += e[i]!;
  e[127] = (256 - (sum & 0xff)) & 0xff;
  return e;
}
