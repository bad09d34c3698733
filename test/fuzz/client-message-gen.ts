/**
 * Random RFB client-to-server messages (every type we parse, random field values and lengths, declared
 * lengths over the limits, unknown types), each with what the parser must make of it: the message it
 * decodes to, or the exact ProtocolViolation text. `decideAt` is how many of its bytes the parser needs
 * before it can know: all of them for a good message, the header for a refused one.
 */
import { deflateSync } from "node:zlib";
import fc from "fast-check";
import type { ClientMessage, ClientMessageLimits } from "../../src/rfb/client-messages.ts";

export interface GeneratedMessage {
  bytes: Buffer;
  expect: ClientMessage | { violation: string };
  decideAt: number;
}

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat({ max: 0xffffffff }));
const i32 = fc.oneof(fc.constantFrom(0, 1, 7, 16, -1, -223, -239, -257, -258, -307, -308, -312, -313, -1063131698), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
/** a boolean byte: mostly 0/1, sometimes any non-zero value (which means true) */
const flagByte = fc.oneof(fc.constantFrom(0, 1), u8);

function bytes(...parts: Array<[number, "u8" | "u16" | "u32" | "i32"]>): Buffer {
  const size = parts.reduce((n, [, k]) => n + (k === "u8" ? 1 : k === "u16" ? 2 : 4), 0);
  const b = Buffer.alloc(size);
  let o = 0;
  for (const [v, k] of parts) {
    if (k === "u8") o = b.writeUInt8(v, o);
    else if (k === "u16") o = b.writeUInt16BE(v, o);
    else if (k === "u32") o = b.writeUInt32BE(v >>> 0, o);
    else o = b.writeInt32BE(v, o);
  }
  return b;
}

const good = (b: Buffer, expect: ClientMessage): GeneratedMessage => ({ bytes: b, expect, decideAt: b.length });
const refused = (b: Buffer, violation: string, decideAt: number): GeneratedMessage => ({ bytes: b, expect: { violation }, decideAt });

/** Pixel formats a server must serve (the random ones are almost all refused): [bpp, depth, maxes, shifts]. */
const SERVABLE_FORMATS: Array<[number, number, number, number, number, number, number, number]> = [
  [32, 24, 255, 255, 255, 16, 8, 0],
  [32, 24, 255, 255, 255, 0, 8, 16],
  [32, 30, 1023, 1023, 1023, 20, 10, 0],
  [16, 16, 31, 63, 31, 11, 5, 0],
  [16, 15, 31, 31, 31, 10, 5, 0],
  [16, 12, 15, 15, 15, 8, 4, 0],
  [8, 8, 7, 7, 3, 5, 2, 0],
  [8, 6, 3, 3, 3, 4, 2, 0],
  [8, 3, 1, 1, 1, 2, 1, 0],
];
const servableFormat = fc.tuple(fc.constantFrom(...SERVABLE_FORMATS), fc.boolean()).map(([[bpp, depth, rm, gm, bm, rs, gs, bs], be]) => {
  const b = Buffer.concat([bytes([0, "u8"], [0, "u8"], [0, "u16"]), bytes([bpp, "u8"], [depth, "u8"], [be ? 1 : 0, "u8"], [1, "u8"], [rm, "u16"], [gm, "u16"], [bm, "u16"], [rs, "u8"], [gs, "u8"], [bs, "u8"]), Buffer.alloc(3)]);
  return good(b, { type: "setPixelFormat", format: { bitsPerPixel: bpp as 8 | 16 | 32, depth, bigEndian: be, trueColour: true, redMax: rm, greenMax: gm, blueMax: bm, redShift: rs, greenShift: gs, blueShift: bs } });
});

/** Encodings real clients send: every encoding and pseudo-encoding the server knows. */
const REAL_ENCODINGS = [0, 1, 2, 5, 6, 7, 16, -260, -256, -250, -247, -32, -28, -23, -512, -450, -412, -768, -766, -763, -223, -224, -239, -257, -258, -261, -307, -308, -309, -312, -313, -314, -316, 0x574d5664, 0xc0a1e5ce | 0];
const realEncodings = fc.shuffledSubarray(REAL_ENCODINGS, { maxLength: 16 });

const randomPixelFormat = fc
  .tuple(fc.oneof(fc.constantFrom(8, 16, 32), u8), u8, flagByte, flagByte, u16, u16, u16, u8, u8, u8, fc.uint8Array({ minLength: 6, maxLength: 6 }))
  .map(([bpp, depth, be, tc, rm, gm, bm, rs, gs, bs, pad]) => {
    const b = Buffer.concat([bytes([0, "u8"], [pad[0]!, "u8"], [pad[1]!, "u16"]), bytes([bpp, "u8"], [depth, "u8"], [be, "u8"], [tc, "u8"], [rm, "u16"], [gm, "u16"], [bm, "u16"], [rs, "u8"], [gs, "u8"], [bs, "u8"]), Buffer.from(pad.subarray(3))]);
    return good(b, {
      type: "setPixelFormat",
      format: { bitsPerPixel: bpp as 8 | 16 | 32, depth, bigEndian: be !== 0, trueColour: tc !== 0, redMax: rm, greenMax: gm, blueMax: bm, redShift: rs, greenShift: gs, blueShift: bs },
    });
  });
const setPixelFormat = fc.oneof(randomPixelFormat, servableFormat);

function setEncodings(limits: ClientMessageLimits): fc.Arbitrary<GeneratedMessage> {
  const ok = fc.oneof(fc.array(i32, { maxLength: Math.min(limits.maxEncodings, 40) }), realEncodings.map((l) => l.slice(0, limits.maxEncodings))).map((list) =>
    good(Buffer.concat([bytes([2, "u8"], [0, "u8"], [list.length, "u16"]), ...list.map((e) => bytes([e, "i32"]))]), { type: "setEncodings", encodings: list }),
  );
  const tooMany = fc
    .tuple(fc.oneof(fc.constant(limits.maxEncodings + 1), fc.integer({ min: limits.maxEncodings + 1, max: 0xffff })), fc.uint8Array({ maxLength: 12 }))
    .map(([n, tail]) => refused(Buffer.concat([bytes([2, "u8"], [0, "u8"], [n, "u16"]), tail]), `SetEncodings lists ${n} encodings (at most ${limits.maxEncodings})`, 4));
  return fc.oneof({ weight: 5, arbitrary: ok }, { weight: 1, arbitrary: tooMany });
}

/** FramebufferUpdateRequest and EnableContinuousUpdates share one layout. */
function areaMessage(type: 3 | 150): fc.Arbitrary<GeneratedMessage> {
  // mostly areas that overlap a small desktop, so updates are really encoded; sometimes any 16-bit values
  const coord = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 40 }) }, { weight: 1, arbitrary: u16 });
  const size = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1, 8, 16, 24, 32, 64, 0xffff) }, { weight: 1, arbitrary: u16 });
  return fc.tuple(flagByte, coord, coord, size, size).map(([f, x, y, w, h]) => {
    const b = bytes([type, "u8"], [f, "u8"], [x, "u16"], [y, "u16"], [w, "u16"], [h, "u16"]);
    return good(b, type === 3 ? { type: "updateRequest", incremental: f !== 0, x, y, w, h } : { type: "enableContinuousUpdates", enable: f !== 0, x, y, w, h });
  });
}

const keyEvent = fc.tuple(flagByte, u16, u32).map(([d, pad, keysym]) => good(bytes([4, "u8"], [d, "u8"], [pad, "u16"], [keysym, "u32"]), { type: "key", down: d !== 0, keysym: keysym >>> 0 }));
const pointerEvent = fc.tuple(u8, u16, u16).map(([buttons, x, y]) => good(bytes([5, "u8"], [buttons, "u8"], [x, "u16"], [y, "u16"]), { type: "pointer", buttons, x, y }));

function clientCutText(limits: ClientMessageLimits): fc.Arbitrary<GeneratedMessage> {
  const max = limits.maxCutText;
  const head = (len: number): Buffer => bytes([6, "u8"], [0, "u8"], [0, "u16"], [len, "i32"]);
  const text = fc
    .oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: Math.min(max, 64) }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max }).map((n) => new Uint8Array(n).fill(0x41)) })
    .map((t) => good(Buffer.concat([head(t.length), t]), { type: "cutText", text: Buffer.from(t).toString("latin1") }));
  const extended = fc
    .tuple(u32, fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: Math.min(max - 4, 64) }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: max - 4 }).map((n) => new Uint8Array(n)) }))
    .map(([flags, payload]) => good(Buffer.concat([head(-(payload.length + 4)), bytes([flags, "u32"]), payload]), { type: "extendedClipboard", flags: flags >>> 0, payload: Buffer.from(payload) }));
  // ExtendedClipboard Provide of text: zlib of (u32 length, text), the length right or wrong, sometimes a
  // small stream that inflates past the cut-text limit (a zlib bomb)
  const provide = fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -2, max: 2 }), fc.boolean()).map(([text, lengthError, bomb]) => {
    const plain = bomb ? Buffer.alloc(max * 4) : Buffer.concat([bytes([Math.max(0, text.length + lengthError), "u32"]), text]);
    // over a small limit the stream is cut short: a broken zlib stream, also worth sending
    return deflateSync(plain, { level: 9 }).subarray(0, max - 4);
  });
  const provideMessage = fc.tuple(fc.oneof(fc.constantFrom(0x10000001), u32), provide).map(([flags, payload]) =>
    good(Buffer.concat([head(-(payload.length + 4)), bytes([flags, "u32"]), payload]), { type: "extendedClipboard", flags: flags >>> 0, payload: Buffer.from(payload) }),
  );
  const noFlags = fc.integer({ min: 1, max: 3 }).map((n) => refused(Buffer.concat([head(-n), Buffer.alloc(n)]), `extended ClientCutText of ${n} bytes has no flags`, 8));
  const tooLong = fc
    .oneof(fc.constantFrom(max + 1, -(max + 1), 0x7fffffff, -0x80000000), fc.integer({ min: max + 1, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: -(max + 1) }))
    .map((len) => refused(head(len), `ClientCutText of ${Math.abs(len)} bytes (at most ${max})`, 8));
  return fc.oneof({ weight: 4, arbitrary: text }, { weight: 3, arbitrary: extended }, { weight: 2, arbitrary: provideMessage }, { weight: 1, arbitrary: noFlags }, { weight: 1, arbitrary: tooLong });
}

const fence = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(u32, fc.uint8Array({ maxLength: 64 })).map(([flags, payload]) => good(Buffer.concat([bytes([248, "u8"], [0, "u8"], [0, "u16"], [flags, "u32"], [payload.length, "u8"]), payload]), { type: "fence", flags: flags >>> 0, payload: Buffer.from(payload) })) },
  { weight: 1, arbitrary: fc.tuple(u32, fc.integer({ min: 65, max: 255 })).map(([flags, n]) => refused(bytes([248, "u8"], [0, "u8"], [0, "u16"], [flags, "u32"], [n, "u8"]), `ClientFence payload of ${n} bytes (at most 64)`, 9)) },
);

const xvp = fc.tuple(u8, u8, u8).map(([pad, version, code]) => good(bytes([250, "u8"], [pad, "u8"], [version, "u8"], [code, "u8"]), { type: "xvp", version, code }));

const screen = fc.tuple(u32, u16, u16, u16, u16, u32).map(([id, x, y, w, h, flags]) => ({ id: id >>> 0, x, y, w, h, flags: flags >>> 0 }));
const setDesktopSize = fc.tuple(u8, u16, u16, fc.array(screen, { maxLength: 6 }), u8).map(([pad, width, height, screens, pad2]) =>
  good(
    Buffer.concat([
      bytes([251, "u8"], [pad, "u8"], [width, "u16"], [height, "u16"], [screens.length, "u8"], [pad2, "u8"]),
      ...screens.map((s) => bytes([s.id, "u32"], [s.x, "u16"], [s.y, "u16"], [s.w, "u16"], [s.h, "u16"], [s.flags, "u32"])),
    ]),
    { type: "setDesktopSize", width, height, screens },
  ),
);

const qemu = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(0, 1), u16), u32, u32).map(([down, keysym, scancode]) => good(bytes([255, "u8"], [0, "u8"], [down, "u16"], [keysym, "u32"], [scancode, "u32"]), { type: "qemuKey", down: down !== 0, keysym: keysym >>> 0, scancode: scancode >>> 0 })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 255 }), fc.uint8Array({ maxLength: 10 })).map(([sub, tail]) => refused(Buffer.concat([bytes([255, "u8"], [sub, "u8"]), tail]), `QEMU client message subtype ${sub} is not supported (no audio here)`, 2)) },
);

const KNOWN_TYPES = new Set([0, 2, 3, 4, 5, 6, 150, 248, 250, 251, 255]);
const unknownType = fc
  .tuple(u8.filter((t) => !KNOWN_TYPES.has(t)), fc.uint8Array({ maxLength: 8 }))
  .map(([t, tail]) => refused(Buffer.concat([Buffer.of(t), tail]), `unknown client message type ${t}`, 1));

/** One client message of any kind; refused ones (over a limit, unknown) now and then. */
export function clientMessage(limits: ClientMessageLimits): fc.Arbitrary<GeneratedMessage> {
  return fc.oneof(
    setPixelFormat,
    setEncodings(limits),
    areaMessage(3),
    keyEvent,
    pointerEvent,
    clientCutText(limits),
    areaMessage(150),
    fence,
    xvp,
    setDesktopSize,
    qemu,
    { weight: 1, arbitrary: unknownType },
  );
}

/** Limits small enough that random lengths cross them, and the defaults. */
export const fuzzLimits: fc.Arbitrary<ClientMessageLimits> = fc.constantFrom(
  { maxEncodings: 4, maxCutText: 16 },
  { maxEncodings: 64, maxCutText: 600 },
  { maxEncodings: 512, maxCutText: 6000 },
);

/**
 * What a parser must make of `messages` concatenated and cut after `length` bytes: the messages it decodes
 * in order, then either the first refusal's text, or (none) the bytes it must still be holding.
 */
export function expectedParse(messages: readonly GeneratedMessage[], length: number): { decoded: ClientMessage[]; violation?: string; pending: number } {
  const decoded: ClientMessage[] = [];
  let at = 0;
  for (const m of messages) {
    if (length - at < m.decideAt) return { decoded, pending: length - at };
    if ("violation" in m.expect) return { decoded, violation: m.expect.violation, pending: 0 };
    decoded.push(m.expect);
    at += m.bytes.length;
  }
  return { decoded, pending: length - at };
}

/** `total` bytes cut into chunks at random points (sometimes one byte at a time, sometimes whole). */
export function splitPoints(total: number): fc.Arbitrary<number[]> {
  return fc.oneof(
    fc.array(fc.integer({ min: 0, max: total }), { maxLength: 12 }).map((cuts) => [...new Set(cuts)].sort((a, b) => a - b)),
    fc.constant(Array.from({ length: total }, (_, i) => i)),
    fc.constant<number[]>([]),
  );
}

/** The chunks of `data` between the split points. */
export function chunksOf(data: Buffer, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    if (c > prev) out.push(data.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  return out;
}
