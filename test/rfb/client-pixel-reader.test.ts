/**
 * The client's bulk pixel readers (pixelsInto, cpixelsInto) against the per-channel arithmetic that
 * defines a pixel format: for every valid true-colour format, wire bytes of any value — colour bits and the
 * garbage the unused bits may carry — read as the same XRGB word, in bulk and one at a time. And the
 * one reader that must not take the bulk path (an alpha cursor's, which keeps the top byte) does not.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import { PixelReader } from "../../src/rfb/client/pixel-reader.ts";
import { RfbClient } from "../../src/rfb/client/rfb-client.ts";
import { Encoding, PseudoEncoding } from "../../src/rfb/encodings.ts";
import { encodePixelFormat, pixelFormatProblem, SERVER_PIXEL_FORMAT, type PixelFormat } from "../../src/rfb/pixel-format.ts";
import { PixelTranslator } from "../../src/rfb/pixel-translator.ts";
import { FORMATS } from "./lossless-harness.ts";

/** The XRGB word a wire value means, channel by channel, as RFC 6143 §7.4 defines it. */
function reference(f: PixelFormat, value: number): number {
  const channel = (shift: number, max: number): number => {
    const c = Math.floor(value / 2 ** shift) % (max + 1);
    return max === 255 ? c : Math.round((c * 255) / max);
  };
  return ((channel(f.redShift, f.redMax) << 16) | (channel(f.greenShift, f.greenMax) << 8) | channel(f.blueShift, f.blueMax)) >>> 0;
}

/** The value of the pixel at b[off] in the format's byte order. */
function wireValue(f: PixelFormat, b: Uint8Array, off: number): number {
  const n = f.bitsPerPixel / 8;
  let v = 0;
  for (let i = 0; i < n; i++) v += b[off + i]! * 256 ** (f.bigEndian ? n - 1 - i : i);
  return v;
}

/** Any valid true-colour format: 8, 16 or 32 bpp, channel widths that fit, channels that do not overlap. */
const validFormat = fc
  .record({
    bitsPerPixel: fc.constantFrom(8, 16, 32),
    bigEndian: fc.boolean(),
    bits: fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })),
    shifts: fc.tuple(fc.nat(31), fc.nat(31), fc.nat(31)),
  })
  .map(({ bitsPerPixel, bigEndian, bits, shifts }): PixelFormat => {
    const [rb, gb, bb] = bits;
    const depth = Math.min(bitsPerPixel, rb + gb + bb);
    return {
      bitsPerPixel,
      depth,
      bigEndian,
      trueColour: true,
      redMax: 2 ** rb - 1,
      greenMax: 2 ** gb - 1,
      blueMax: 2 ** bb - 1,
      redShift: shifts[0] % bitsPerPixel,
      greenShift: shifts[1] % bitsPerPixel,
      blueShift: shifts[2] % bitsPerPixel,
    };
  })
  .filter((f) => pixelFormatProblem(f) === undefined);

/** The formats clients use, and the canonical 8-bit-channel ones at every placement, plus random valid ones. */
const anyFormat = fc.oneof(fc.constantFrom(...Object.values(FORMATS)), validFormat);

describe("client pixel reader: bulk reads", () => {
  it("pixelsInto reads every wire value as the format defines it, at any offset and destination", () => {
    fc.assert(
      // up to 150 32-bit pixels: runs below and above the length from which the Xrgb reader copies
      fc.property(anyFormat, fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.nat(7), fc.nat(5), (format, bytes, skip, d) => {
        const reader = new PixelReader(format);
        const bpp = reader.bytesPerPixel;
        const count = Math.max(0, Math.floor((bytes.length - skip) / bpp));
        const dst = new Uint32Array(d + count + 1).fill(0xdeadbeef);
        reader.pixelsInto(bytes, skip, dst, d, count);
        for (let i = 0; i < count; i++) {
          const want = reference(format, wireValue(format, bytes, skip + i * bpp));
          assert.equal(dst[d + i], want, `pixel ${i} of ${JSON.stringify(format)}`);
          assert.equal(reader.xrgb(bytes, skip + i * bpp), want, `xrgb() of pixel ${i}`);
        }
        assert.equal(dst[d + count], 0xdeadbeef, "nothing written past the pixels");
        if (d > 0) assert.equal(dst[d - 1], 0xdeadbeef, "nothing written before them");
      }),
      { numRuns: 400 },
    );
  });

  it("rectInto draws a block of packed wire pixels into rows a stride apart, and nothing around it", () => {
    fc.assert(
      fc.property(anyFormat, fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 5 }), fc.nat(9), fc.nat(3), fc.nat(0x7fffffff), (format, w, h, margin, skip, seed) => {
        const reader = new PixelReader(format);
        const bpp = reader.bytesPerPixel;
        const bytes = Uint8Array.from({ length: skip + w * h * bpp }, (_, i) => (Math.imul(i + 1, seed | 1) >>> 13) & 0xff);
        const stride = w + margin;
        const dst = new Uint32Array(stride * (h + 2)).fill(0xdeadbeef);
        reader.rectInto(bytes, skip, dst, stride + margin, stride, w, h);
        for (let i = 0; i < dst.length; i++) {
          const row = Math.floor(i / stride) - 1;
          const col = (i % stride) - margin;
          const inside = row >= 0 && row < h && col >= 0 && col < w;
          const want = inside ? reference(format, wireValue(format, bytes, skip + (row * w + col) * bpp)) : 0xdeadbeef;
          if (dst[i] !== want) assert.fail(`word ${i} (row ${row}, column ${col}) of ${JSON.stringify(format)}: 0x${dst[i]!.toString(16)}, want 0x${want.toString(16)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("cpixelsInto and cpixel read back what the server's CPIXEL writer wrote, for every format", () => {
    fc.assert(
      fc.property(anyFormat, fc.array(fc.nat(0xffffff), { minLength: 1, maxLength: 40 }), fc.nat(3), (format, colours, skip) => {
        const translator = new PixelTranslator(format);
        const reader = new PixelReader(format);
        assert.equal(reader.cpixelBytes, translator.cpixelBytes, "both ends agree on the CPIXEL size");
        const cp = reader.cpixelBytes;
        const wire = new Uint8Array(skip + colours.length * cp);
        colours.forEach((c, i) => translator.writeCPixel(translator.pixel(c), wire, skip + i * cp));
        const dst = new Uint32Array(colours.length);
        reader.cpixelsInto(wire, skip, dst, 0, colours.length);
        colours.forEach((c, i) => {
          assert.equal(dst[i], reader.quantise(c), `colour ${i} 0x${c.toString(16)} of ${JSON.stringify(format)}`);
          assert.equal(reader.cpixel(wire, skip + i * cp), dst[i], `cpixel() of colour ${i}`);
        });
      }),
      { numRuns: 400 },
    );
  });

  it("a 1080p row of XRGB little-endian pixels drops the unused top byte", () => {
    const reader = new PixelReader(FORMATS.xrgbLE!);
    const words = Uint32Array.from({ length: 1920 }, (_, i) => (0xff000000 | (i * 2654435761)) >>> 0);
    const dst = new Uint32Array(1920);
    reader.pixelsInto(new Uint8Array(words.buffer), 0, dst, 0, 1920);
    for (let i = 0; i < 1920; i++) assert.equal(dst[i], words[i]! & 0xffffff);
  });

  it("an alpha cursor sent in Hextile keeps its alpha (its reader stays off the bulk path, which drops the top byte)", async () => {
    // a scripted server: no security, a 16×16 desktop, then one update holding only the cursor, 2×1
    // pre-multiplied RGBA pixels in one raw Hextile tile: half-transparent red and opaque blue
    const server = createServer((socket) => {
      socket.on("error", () => {});
      socket.write("RFB 003.008\n");
      let step = 0;
      socket.on("data", () => {
        step++;
        if (step === 1) socket.write(Buffer.of(1, 1)); // one security type: None
        if (step === 2) socket.write(Buffer.alloc(4)); // SecurityResult OK
        if (step === 3) {
          const init = Buffer.alloc(24);
          init.writeUInt16BE(16, 0);
          init.writeUInt16BE(16, 2);
          encodePixelFormat(SERVER_PIXEL_FORMAT, init, 4);
          socket.write(init);
          const update = Buffer.alloc(4 + 12 + 4 + 1 + 8);
          update.writeUInt16BE(1, 2); // one rect
          update.writeUInt16BE(2, 4 + 4); // 2×1, hotspot (0, 0)
          update.writeUInt16BE(1, 4 + 6);
          update.writeInt32BE(PseudoEncoding.CursorWithAlpha, 4 + 8);
          update.writeInt32BE(Encoding.Hextile, 16);
          update[20] = 1; // raw tile
          update.set([0x80, 0, 0, 0x80, 0, 0, 0xff, 0xff], 21);
          setTimeout(() => socket.write(update), 50);
        }
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const c = await RfbClient.connect(
      { host: "127.0.0.1", port: (server.address() as AddressInfo).port },
      { pixelFormat: SERVER_PIXEL_FORMAT, encodings: [Encoding.Hextile, PseudoEncoding.CursorWithAlpha] },
    );
    try {
      // a decode error closes the client: fail on it rather than wait for a cursor that never comes
      if (!c.cursor) await Promise.race([once(c, "cursor"), once(c, "close").then(([e]) => assert.fail(`closed: ${(e as Error).message}`))]);
      assert.deepEqual([...c.cursor!.argb], [0x80ff0000, 0xff0000ff]);
    } finally {
      c.close();
      server.close();
    }
  });
});
