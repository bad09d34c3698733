/**
 * Byte-exact checks of small hand-made cases against the RFB spec (RFC 6143 §7.7): what each lossless
 * encoder must put on the wire for content whose best encoding is known.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { Encoding } from "../../src/rfb/encodings.ts";
import type { EncodedRect } from "../../src/rfb/encoders/encoder.ts";
import { copyRect } from "../../src/rfb/encoders/copyrect.ts";
import { HextileEncoder } from "../../src/rfb/encoders/hextile.ts";
import { RawEncoder } from "../../src/rfb/encoders/raw.ts";
import { RreEncoder } from "../../src/rfb/encoders/rre.ts";
import { ZlibEncoder } from "../../src/rfb/encoders/zlib.ts";
import { ZrleEncoder } from "../../src/rfb/encoders/zrle.ts";
import { context, FORMATS, makeSurface, type Surface } from "./lossless-harness.ts";

const A = 0x123456;
const B = 0xabcdef;
const A_LE = [0x56, 0x34, 0x12, 0x00]; // XRGB little-endian pixel
const B_LE = [0xef, 0xcd, 0xab, 0x00];
const A_C = [0x56, 0x34, 0x12]; // its 3-byte CPIXEL
const B_C = [0xef, 0xcd, 0xab];

function surface(w: number, h: number, at: (x: number, y: number) => number): Surface {
  const pixels = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[y * w + x] = at(x, y);
  return { width: w, height: h, pixels };
}

function header(x: number, y: number, w: number, h: number, encoding: number): number[] {
  return [x >> 8, x & 255, y >> 8, y & 255, w >> 8, w & 255, h >> 8, h & 255, (encoding >>> 24) & 255, (encoding >>> 16) & 255, (encoding >>> 8) & 255, encoding & 255];
}

function only(rects: EncodedRect[] | Promise<EncodedRect[]>): EncodedRect {
  assert.ok(Array.isArray(rects), "small rects are encoded synchronously");
  assert.equal(rects.length, 1);
  return rects[0]!;
}

/** The uncompressed data of a Zlib/ZRLE rect: checks the length field, inflates its raw deflate. */
function inflated(rect: EncodedRect): number[] {
  const b = Buffer.from(rect.bytes);
  assert.equal(b.readUInt32BE(12), b.length - 16, "length field = bytes that follow");
  return [...zlib.inflateRawSync(b.subarray(16), { finishFlush: zlib.constants.Z_SYNC_FLUSH })];
}

describe("Hextile bytes", () => {
  const hextile = new HextileEncoder();
  test("a solid 16×16 tile is the subencoding byte BackgroundSpecified and the pixel", () => {
    const r = only(hextile.encode(context(surface(16, 16, () => A), FORMATS.xrgbLE!), 0, 0, 16, 16));
    assert.deepEqual([...r.bytes], [...header(0, 0, 16, 16, Encoding.Hextile), 0x02, ...A_LE]);
  });

  test("a second solid tile of the same colour is one 0 byte (background from the previous tile)", () => {
    const r = only(hextile.encode(context(surface(40, 16, () => A), FORMATS.xrgbLE!), 8, 0, 32, 16));
    assert.deepEqual([...r.bytes], [...header(8, 0, 32, 16, Encoding.Hextile), 0x02, ...A_LE, 0x00]);
  });

  test("two colours: background, foreground, one subrect as x|y and (w−1)|(h−1) nibbles", () => {
    const s = surface(16, 16, (x, y) => (x >= 3 && x < 5 && y >= 5 && y < 8 ? B : A));
    const r = only(hextile.encode(context(s, FORMATS.xrgbLE!), 0, 0, 16, 16));
    assert.deepEqual([...r.bytes], [...header(0, 0, 16, 16, Encoding.Hextile), 2 | 4 | 8, ...A_LE, ...B_LE, 1, 0x35, 0x12]);
  });

  test("a noisy tile is sent Raw (subencoding 1 and 256 pixels) because subrects would be larger", () => {
    const s = makeSurface(16, 16, "noise", 1);
    const r = only(hextile.encode(context(s, FORMATS.rgb565BE!), 0, 0, 16, 16));
    assert.equal(r.bytes[12], 1);
    assert.equal(r.bytes.length, 12 + 1 + 256 * 2);
  });

  test("edge tiles are smaller: a 17×17 rect is four tiles; the 1×1 ones reuse the background", () => {
    const r = only(hextile.encode(context(surface(17, 17, () => A), FORMATS.bgr233!), 0, 0, 17, 17));
    const a233 = r.bytes[13]!;
    assert.deepEqual([...r.bytes.subarray(12)], [0x02, a233, 0, 0, 0]);
  });
});

describe("RRE bytes", () => {
  const rre = new RreEncoder();
  test("a solid rect is 0 subrects and the background", () => {
    const r = only(rre.encode(context(surface(8, 8, () => A), FORMATS.xrgbLE!), 0, 0, 8, 8));
    assert.deepEqual([...r.bytes], [...header(0, 0, 8, 8, Encoding.RRE), 0, 0, 0, 0, ...A_LE]);
  });

  test("one block of another colour is one subrect: pixel, u16 x, y, w, h", () => {
    const s = surface(20, 10, (x, y) => (x >= 2 && x < 12 && y >= 3 && y < 7 ? B : A));
    const r = only(rre.encode(context(s, FORMATS.xrgbBE!), 0, 0, 20, 10));
    const aBE = [0x00, 0x12, 0x34, 0x56];
    const bBE = [0x00, 0xab, 0xcd, 0xef];
    assert.deepEqual([...r.bytes], [...header(0, 0, 20, 10, Encoding.RRE), 0, 0, 0, 1, ...aBE, ...bBE, 0, 2, 0, 3, 0, 10, 0, 4]);
  });

  test("noise is sent as Raw blocks, never larger than Raw plus rect headers", async () => {
    const s = makeSurface(130, 70, "noise", 9);
    const rects = await rre.encode(context(s, FORMATS.xrgbLE!), 0, 0, 130, 70);
    assert.equal(rects.length, 3 * 2, "64×64 fallback blocks");
    for (const r of rects) assert.equal(new DataView(r.bytes.buffer).getInt32(8), Encoding.Raw);
    const total = rects.reduce((n, r) => n + r.bytes.length, 0);
    assert.equal(total, 130 * 70 * 4 + 6 * 12);
  });
});

describe("ZRLE bytes (before compression)", () => {
  const zrle = new ZrleEncoder();
  test("a solid 64×64 tile is subencoding 1 and one CPIXEL (3 bytes for 32 bpp depth 24)", () => {
    const r = only(zrle.encode(context(surface(64, 64, () => A), FORMATS.xrgbLE!), 0, 0, 64, 64));
    assert.equal(r.zlibStream, "zrle");
    assert.deepEqual([...r.bytes.subarray(0, 12)], header(0, 0, 64, 64, Encoding.ZRLE));
    assert.deepEqual(inflated(r), [1, ...A_C]);
  });

  test("CPIXEL drops the byte without colour: colour in the high bytes, either byte order", () => {
    const s = surface(64, 64, () => A);
    assert.deepEqual(inflated(only(zrle.encode(context(s, FORMATS.rgbHighLE!), 0, 0, 64, 64))), [1, 0x56, 0x34, 0x12]);
    assert.deepEqual(inflated(only(zrle.encode(context(s, FORMATS.rgbHighBE!), 0, 0, 64, 64))), [1, 0x12, 0x34, 0x56]);
    assert.deepEqual(inflated(only(zrle.encode(context(s, FORMATS.xrgbBE!), 0, 0, 64, 64))), [1, 0x12, 0x34, 0x56]);
  });

  test("a 70×65 rect is four tiles (64 and 6 wide, 64 and 1 tall), in rows", () => {
    const r = only(zrle.encode(context(surface(70, 65, (x, y) => (y === 64 ? B : A)), FORMATS.xrgbLE!), 0, 0, 70, 65));
    assert.deepEqual(inflated(r), [1, ...A_C, 1, ...A_C, 1, ...B_C, 1, ...B_C]);
  });

  test("packed palette: two colours, one bit per pixel, leftmost pixel in the top bit", () => {
    const row = [A, B, A, A, B, B, B, A];
    const r = only(zrle.encode(context(surface(8, 1, (x) => row[x]!), FORMATS.xrgbLE!), 0, 0, 8, 1));
    assert.deepEqual(inflated(r), [2, ...A_C, ...B_C, 0b01001110]);
  });

  test("palette RLE: index with the top bit and run length − 1 for runs longer than one", () => {
    const r = only(zrle.encode(context(surface(64, 2, (x) => (x < 32 ? A : B)), FORMATS.xrgbLE!), 0, 0, 64, 2));
    assert.deepEqual(inflated(r), [130, ...A_C, ...B_C, 0x80, 31, 0x81, 31, 0x80, 31, 0x81, 31]);
  });

  test("plain RLE: CPIXEL and length − 1 as 255s and a last byte below 255", () => {
    const r = only(zrle.encode(context(surface(64, 64, (x, y) => (x === 0 && y === 0 ? A : B)), FORMATS.xrgbLE!), 0, 0, 64, 64));
    assert.deepEqual(inflated(r), [128, ...A_C, 0, ...B_C, ...new Array(16).fill(255), 4094 - 16 * 255]);
  });

  test("raw: 25 different colours in a 5×5 tile, 2-byte CPIXELs at 16 bpp big-endian", () => {
    const s = surface(5, 5, (x, y) => ((x * 5 + y) * 0x0a0a0a) & 0xffffff);
    const r = only(zrle.encode(context(s, FORMATS.rgb565BE!), 0, 0, 5, 5));
    const data = inflated(r);
    assert.equal(data[0], 0);
    assert.equal(data.length, 1 + 25 * 2);
    const raw = only(new RawEncoder().encode(context(s, FORMATS.rgb565BE!), 0, 0, 5, 5));
    assert.deepEqual(data.slice(1), [...raw.bytes.subarray(12)]);
  });
});

describe("Zlib, Raw and CopyRect bytes", () => {
  test("Zlib inflates to exactly the Raw pixels, and marks the zlib stream", () => {
    const s = makeSurface(33, 17, "desktop", 4);
    const z = only(new ZlibEncoder().encode(context(s, FORMATS.rgb555LE!, 9), 1, 0, 32, 17));
    const raw = only(new RawEncoder().encode(context(s, FORMATS.rgb555LE!), 1, 0, 32, 17));
    assert.equal(z.zlibStream, "zlib");
    assert.deepEqual([...z.bytes.subarray(0, 12)], header(1, 0, 32, 17, Encoding.Zlib));
    assert.deepEqual(inflated(z), [...raw.bytes.subarray(12)]);
  });

  test("Raw at 16 bpp 565 big-endian: pure red is f8 00", () => {
    const r = only(new RawEncoder().encode(context(surface(1, 1, () => 0xff0000), FORMATS.rgb565BE!), 0, 0, 1, 1));
    assert.deepEqual([...r.bytes], [...header(0, 0, 1, 1, Encoding.Raw), 0xf8, 0x00]);
  });

  test("CopyRect is the header and u16 src-x, src-y; values outside u16 are refused", () => {
    assert.deepEqual([...copyRect(300, 2, 10, 20, 1, 0x1234).bytes], [...header(300, 2, 10, 20, Encoding.CopyRect), 0, 1, 0x12, 0x34]);
    assert.throws(() => copyRect(0, 0, 1, 1, 70000, 0), /srcX 70000 is not a u16/);
  });
});
