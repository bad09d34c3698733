/**
 * The lossless decoders refuse data that breaks their encoding's rules with a DecodeError naming what is
 * wrong, and never write outside the rect (the framebuffer outside it keeps its sentinel).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { DecodeError } from "../../src/rfb/client/decoder.ts";
import { Encoding } from "../../src/rfb/encodings.ts";
import { FORMATS, SENTINEL, TestClient } from "./lossless-harness.ts";

const u16 = (v: number) => [v >> 8, v & 255];
const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const PX = [0x56, 0x34, 0x12, 0x00]; // an XRGB little-endian pixel
const CP = [0x56, 0x34, 0x12]; // its CPIXEL

/** Decode one rect's data (without header) on a 40×40 framebuffer; expect a DecodeError matching `message`. */
async function rejects(encoding: number, rect: [number, number, number, number], data: number[] | Uint8Array, message: RegExp): Promise<void> {
  const client = new TestClient(40, 40, FORMATS.xrgbLE!);
  client.source.push(Buffer.from(data));
  const [x, y, w, h] = rect;
  const decoder = client.decoders.get(encoding)!;
  await assert.rejects(decoder.decode({ source: client.source, framebuffer: client.framebuffer, pixels: client.reader }, x, y, w, h), (e: Error) => {
    assert.ok(e instanceof DecodeError, `a DecodeError, got ${e}`);
    assert.match(e.message, message);
    return true;
  });
  const fb = client.framebuffer;
  for (let yy = 0; yy < 40; yy++) {
    for (let xx = 0; xx < 40; xx++) {
      if (xx >= x && xx < x + w && yy >= y && yy < y + h) continue;
      assert.equal(fb.pixels[yy * 40 + xx], SENTINEL, `pixel (${xx},${yy}) outside the rect was written`);
    }
  }
}

/** A Zlib/ZRLE rect body for a fresh client: u32 length + a complete zlib stream of `data`. */
function compressed(data: number[]): number[] {
  const z = zlib.deflateSync(Buffer.from(data));
  return [...u32(z.length), ...z];
}

describe("every decoder: the rect must lie inside the framebuffer", () => {
  for (const encoding of [Encoding.Raw, Encoding.CopyRect, Encoding.RRE, Encoding.Hextile, Encoding.Zlib, Encoding.ZRLE]) {
    test(`encoding ${encoding}`, async () => {
      await rejects(encoding, [30, 0, 11, 1], [], /rect 11x1 at \(30,0\) exceeds the 40x40 framebuffer/);
    });
  }
});

describe("CopyRect and RRE", () => {
  test("CopyRect source outside the framebuffer", async () => {
    await rejects(Encoding.CopyRect, [0, 0, 10, 10], [...u16(35), ...u16(0)], /CopyRect source 10x10 at \(35,0\) exceeds/);
  });
  test("RRE subrect outside its rect", async () => {
    await rejects(Encoding.RRE, [2, 2, 10, 10], [...u32(1), ...PX, ...PX, ...u16(5), ...u16(0), ...u16(6), ...u16(1)], /RRE subrect 0 \(6x1 at \(5,0\)\) falls outside its 10x10 rect/);
  });
  test("RRE claiming more subrects than pixels", async () => {
    await rejects(Encoding.RRE, [0, 0, 2, 2], [...u32(5), ...PX], /claims 5 subrects, more than its 4 pixels/);
  });
});

describe("Hextile", () => {
  const rect: [number, number, number, number] = [0, 0, 26, 20];
  test("undefined subencoding bits", async () => {
    await rejects(Encoding.Hextile, rect, [0x20], /tile 16x16 at \(0,0\): subencoding 0x20 sets undefined bits/);
  });
  test("ForegroundSpecified together with SubrectsColoured", async () => {
    await rejects(Encoding.Hextile, rect, [2 | 4 | 8 | 16, ...PX, ...PX], /ForegroundSpecified and SubrectsColoured are both set/);
  });
  test("no background in the rect's first tile", async () => {
    await rejects(Encoding.Hextile, rect, [8, 0], /no background/);
  });
  test("monochrome subrects with no foreground", async () => {
    await rejects(Encoding.Hextile, rect, [2 | 8, ...PX, 1, 0x00, 0x00], /subrects without a foreground/);
  });
  test("a subrect past the edge of a narrow edge tile", async () => {
    // second tile is 10 wide: x 8 + w 4 > 10
    await rejects(Encoding.Hextile, rect, [2, ...PX, 4 | 8, ...PX, 1, 0x80, 0x30], /tile 10x16 at \(16,0\): subrect 0 \(4x1 at \(8,0\)\) falls outside the tile/);
  });
});

describe("Zlib", () => {
  test("inflated size differs from the rect's pixels", async () => {
    await rejects(Encoding.Zlib, [0, 0, 2, 2], compressed([...PX, ...PX, ...PX]), /inflated to 12 bytes, expected 16/);
  });
  test("a compressed length no encoder could need", async () => {
    await rejects(Encoding.Zlib, [0, 0, 2, 2], u32(0x7fffffff), /2147483647 compressed bytes for 16 bytes of pixels/);
  });
  test("corrupt zlib data", async () => {
    await rejects(Encoding.Zlib, [0, 0, 2, 2], [...u32(4), 0x78, 0x01, 0xff, 0xff], /Zlib: corrupt zlib data/);
  });
});

describe("ZRLE", () => {
  const one: [number, number, number, number] = [0, 0, 4, 2]; // one 4×2 tile, 8 pixels
  test("undefined subencodings 17 and 129", async () => {
    await rejects(Encoding.ZRLE, one, compressed([17]), /ZRLE tile 4x2 at \(0,0\): subencoding 17 is not defined/);
    await rejects(Encoding.ZRLE, one, compressed([129]), /subencoding 129 is not defined/);
  });
  test("packed palette index beyond the palette", async () => {
    // 3 colours, 2 bits per index: index 3 does not exist
    await rejects(Encoding.ZRLE, one, compressed([3, ...CP, ...CP, ...CP, 0b00011011, 0]), /palette index 3 at pixel \(3,0\) beyond the palette of 3/);
  });
  test("palette RLE index beyond the palette", async () => {
    await rejects(Encoding.ZRLE, one, compressed([130, ...CP, ...CP, 0x82, 6]), /palette index 2 at pixel 0 beyond the palette of 2/);
  });
  test("a run past the end of the tile", async () => {
    await rejects(Encoding.ZRLE, one, compressed([128, ...CP, 3, ...CP, 4]), /a run of 5 at pixel 4 goes past the tile's 8 pixels/);
  });
  test("data that ends inside a tile", async () => {
    await rejects(Encoding.ZRLE, one, compressed([0, ...CP, ...CP]), /the data ends inside its raw pixels/);
    await rejects(Encoding.ZRLE, one, compressed([128, ...CP, 255]), /the data ends inside its run length/);
  });
  test("data left over after the last tile", async () => {
    await rejects(Encoding.ZRLE, one, compressed([1, ...CP, 7, 7]), /2 bytes left over after the last tile/);
  });
  test("a compressed length beyond any tile data", async () => {
    await rejects(Encoding.ZRLE, one, u32(0x7fffffff), /compressed bytes is more than any tile data needs/);
  });
});
