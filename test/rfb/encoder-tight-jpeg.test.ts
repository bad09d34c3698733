/**
 * Tight JPEG (control 1001): quality as PSNR on a photo-like image, sizes that grow with the quality
 * level, the subsampling mapping (1x → 4:4:4, others → 4:2:0, gray → one component), and 16 bpp clients.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { TightEncoder } from "../../src/rfb/encoders/tight.ts";
import { TightDecoder } from "../../src/rfb/client/decoders/tight.ts";
import { QUALITY_LEVELS, type EncodedRect, type Subsampling } from "../../src/rfb/encoders/encoder.ts";
import { context, decodeAll, FORMATS, framebuffer, makeSurface, parseHeader, psnr } from "./tight-harness.ts";

const encoder = new TightEncoder();
const W = 320;
const H = 200;
const photo = makeSurface(W, H, "photo", 42);

async function encode(quality: number, subsampling: Subsampling = "1x", format = FORMATS.rgbxLE!): Promise<EncodedRect[]> {
  return await encoder.encode(context(photo, format, { jpegQuality: quality, subsampling }), 0, 0, W, H);
}

function jfifs(rects: EncodedRect[]): Buffer[] {
  return rects.map(parseHeader).flatMap((p) => {
    if (p.body[0] !== 0x90) return [];
    const lenBytes = p.body[1]! & 0x80 ? (p.body[2]! & 0x80 ? 3 : 2) : 1;
    return [Buffer.from(p.body.subarray(1 + lenBytes))];
  });
}

const total = (rects: EncodedRect[]) => rects.reduce((n, r) => n + r.bytes.length, 0);

describe("Tight JPEG", () => {
  it("quality 80 gives ≥ 30 dB PSNR on a photo-like image, and all of it is JPEG", async () => {
    const rects = await encode(80);
    assert.ok(rects.every((r) => r.bytes[12] === 0x90));
    const fb = framebuffer(W, H);
    await decodeAll(new TightDecoder(), FORMATS.rgbxLE!, fb, rects);
    const db = psnr(fb, photo, 0, 0, W, H);
    assert.ok(db >= 30, `PSNR ${db.toFixed(1)} dB`);
    // and lossless Tight of the same image is exact but much bigger
    const lossless = await encoder.encode(context(photo, FORMATS.rgbxLE!), 0, 0, W, H);
    assert.ok(total(lossless) > 2 * total(rects), `lossless ${total(lossless)} B vs JPEG ${total(rects)} B`);
  });

  it("size grows with TigerVNC's quality levels 0…9 and PSNR with it", async () => {
    const sizes: number[] = [];
    const dbs: number[] = [];
    for (const { quality, subsampling } of QUALITY_LEVELS) {
      const rects = await encode(quality, subsampling);
      sizes.push(total(rects));
      const fb = framebuffer(W, H);
      await decodeAll(new TightDecoder(), FORMATS.rgbxLE!, fb, rects);
      dbs.push(psnr(fb, photo, 0, 0, W, H));
    }
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! >= sizes[i - 1]!, `level ${i}: ${sizes[i]} B < level ${i - 1}: ${sizes[i - 1]} B (${sizes.join(", ")})`);
    assert.ok(sizes[9]! > 3 * sizes[0]!, `sizes ${sizes.join(", ")}`);
    assert.ok(dbs[9]! > dbs[0]! + 8, `PSNR ${dbs.map((d) => d.toFixed(1)).join(", ")}`);
  });

  it("maps subsampling: 1x → 4:4:4, 2x and 4x → 4:2:0, gray → one component", async () => {
    const meta = async (s: Subsampling) => sharp(jfifs(await encode(80, s))[0]!).metadata();
    assert.deepEqual([(await meta("1x")).chromaSubsampling, (await meta("1x")).channels], ["4:4:4", 3]);
    assert.equal((await meta("2x")).chromaSubsampling, "4:2:0");
    assert.equal((await meta("4x")).chromaSubsampling, "4:2:0");
    const gray = await meta("gray");
    assert.equal(gray.channels, 1);
    // a grey JPEG decodes to equal R, G and B
    const fb = framebuffer(W, H);
    await decodeAll(new TightDecoder(), FORMATS.rgbxLE!, fb, await encode(80, "gray"));
    const p = fb.pixels[1234]!;
    assert.equal((p >>> 16) & 0xff, p & 0xff);
    assert.equal((p >>> 8) & 0xff, p & 0xff);
  });

  it("16 bpp clients get JPEG too (the image carries full RGB)", async () => {
    const rects = await encode(80, "2x", FORMATS.rgb565BE!);
    assert.ok(rects.every((r) => r.bytes[12] === 0x90));
    const fb = framebuffer(W, H);
    await decodeAll(new TightDecoder(), FORMATS.rgb565BE!, fb, rects);
    assert.ok(psnr(fb, photo, 0, 0, W, H) >= 30);
  });

  it("reads the surface before it awaits: changing pixels after encode() returns does not change the JPEG", async () => {
    const s = makeSurface(64, 64, "photo", 7);
    const copy = s.pixels.slice();
    const pending = encoder.encode(context(s, FORMATS.rgbxLE!, { jpegQuality: 90 }), 0, 0, 64, 64);
    s.pixels.fill(0xff00ff);
    const rects = await pending;
    const fb = framebuffer(64, 64);
    await decodeAll(new TightDecoder(), FORMATS.rgbxLE!, fb, rects);
    assert.ok(psnr(fb, { width: 64, height: 64, pixels: copy }, 0, 0, 64, 64) >= 30);
  });
});
