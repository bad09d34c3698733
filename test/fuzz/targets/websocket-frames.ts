/**
 * WebSocket frames into the VNC server's WebSocket path, in process: RfbServer.handleUpgrade over an
 * in-memory socket, then random frame sequences — binary messages carrying a valid RFB stream (fragmented,
 * control frames between fragments), pings, pongs, text, close frames with good and bad codes and reasons,
 * and mangled frames (RSV bits, reserved opcodes, unmasked, fragmented or long control frames, stray
 * continuations, 16/64-bit lengths up to 2^64−1, over maxPayload) — cut into reads at random points.
 * Invariant (RFC 6455 as ws enforces it, plus "binary frames only"): the server answers the first bad frame
 * with the precise close code (1002 protocol error, 1007 bad UTF-8, 1009 too big, 1003 text), echoes a
 * client's valid close, or keeps the connection open and serves RFB; no exception; no client left over.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { Duplex } from "node:stream";
import fc from "fast-check";
import { Console } from "../../../src/display/console.ts";
import type { Logger } from "../../../src/rfb/logger.ts";
import { RfbServer } from "../../../src/rfb/server.ts";
import { NoneSecurity } from "../../../src/rfb/security/none.ts";
import { chunksOf, splitPoints } from "../client-message-gen.ts";
import type { FuzzTarget } from "../fuzz-target.ts";

export const MAX_CUT_TEXT = 600;
/** The server caps a WebSocket message at the cut-text limit plus 64 KiB (RfbServer.maxMessage). */
const MAX_PAYLOAD = MAX_CUT_TEXT + 64 * 1024;

/** What the binary messages carry, concatenated: a None handshake (3.8), then key events. */
const RFB_SCRIPT = Buffer.concat([Buffer.from("RFB 003.008\n", "latin1"), Buffer.of(1, 1), ...Array.from({ length: 64 }, (_, i) => Buffer.of(4, i & 1, 0, 0, 0, 0, 0, 0x61 + (i % 26)))]);

interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** how the length is written: 7-bit, 16-bit (126) or 64-bit (127) */
  width: 7 | 16 | 64;
  payload: Uint8Array;
  /** a length claimed without the payload following (an oversized frame): [high u32, low u32] */
  claimed?: [number, number];
}

const frame = (opcode: number, payload: Uint8Array, over: Partial<Frame> = {}): Frame => ({ fin: true, rsv: 0, opcode, masked: true, width: payload.length <= 125 ? 7 : payload.length <= 0xffff ? 16 : 64, payload, ...over });

export function encode(f: Frame, maskKey: number): Buffer {
  const len = f.claimed ? f.claimed[0] * 2 ** 32 + f.claimed[1] : f.payload.length;
  const head: number[] = [(f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode];
  const m = f.masked ? 0x80 : 0;
  if (f.width === 7) head.push(m | len);
  else if (f.width === 16) head.push(m | 126, (len >>> 8) & 0xff, len & 0xff);
  else {
    const hi = f.claimed ? f.claimed[0] : 0;
    const lo = f.claimed ? f.claimed[1] : len;
    head.push(m | 127, hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
  }
  const key = [maskKey >>> 24, (maskKey >>> 16) & 0xff, (maskKey >>> 8) & 0xff, maskKey & 0xff];
  if (f.masked) head.push(...key);
  const body = Buffer.from(f.claimed ? new Uint8Array(0) : f.payload);
  if (f.masked) for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), body]);
}

const closePayload = (code: number | undefined, reason: Uint8Array): Uint8Array => {
  if (code === undefined) return new Uint8Array(0);
  return Buffer.concat([Buffer.of(code >> 8, code & 0xff), reason]);
};

const validCode = (c: number): boolean => (c >= 1000 && c <= 1014 && c !== 1004 && c !== 1005 && c !== 1006) || (c >= 3000 && c <= 4999);
const isUtf8 = (b: Uint8Array): boolean => {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
};

const smallBytes = fc.uint8Array({ maxLength: 24 });
const utf8OrNot = fc.oneof(fc.string({ maxLength: 20 }).map((s) => new Uint8Array(Buffer.from(s, "utf8"))), fc.constant(Uint8Array.of(0xc3, 0x28)), fc.constant(Uint8Array.of(0xed, 0xa0, 0x80)), smallBytes);

/** A step: frames to send; binary ones take `take` bytes of the RFB script each. */
type Step = { kind: "binary"; sizes: number[]; pingBetween: boolean } | { kind: "frames"; frames: Frame[] };

export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([sizes, pingBetween]): Step => ({ kind: "binary", sizes, pingBetween })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(9, 10), smallBytes).map(([op, p]): Step => ({ kind: "frames", frames: [frame(op, p)] })) },
  { weight: 1, arbitrary: fc.tuple(utf8OrNot, fc.boolean()).map(([p, split]): Step => ({ kind: "frames", frames: split ? [frame(1, p.subarray(0, 1), { fin: false }), frame(0, p.subarray(1))] : [frame(1, p)] })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(undefined, 1000, 1001, 1003, 1011, 3000, 4999) },
          { weight: 1, arbitrary: fc.constantFrom(0, 999, 1004, 1005, 1006, 1015, 2999, 5000) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
        ),
        utf8OrNot,
        fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      )
      .map(([code, reason, oneByte]): Step => ({ kind: "frames", frames: [frame(8, oneByte ? Uint8Array.of(3) : closePayload(code, code === undefined ? new Uint8Array(0) : reason.subarray(0, 100)))] })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ fin: fc.boolean(), rsv: fc.integer({ min: 0, max: 7 }), opcode: fc.integer({ min: 0, max: 15 }), masked: fc.boolean(), width: fc.constantFrom<7 | 16 | 64>(7, 16, 64), payload: smallBytes })
      .map((f): Step => ({ kind: "frames", frames: [{ ...f }] })),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1, 8, 9), fc.integer({ min: 126, max: 300 })).map(([op, n]): Step => ({ kind: "frames", frames: [frame(op, new Uint8Array(n))] })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(0, 1, 2), fc.oneof(fc.constant<[number, number]>([0, MAX_PAYLOAD + 1]), fc.tuple(fc.constantFrom(0, 1, 0x1fffff, 0x200000, 0xffffffff), fc.nat({ max: 0xffffffff }))))
      .map(([op, [hi, lo]]): Step => ({ kind: "frames", frames: [frame(op === 0 ? 2 : op, new Uint8Array(0), { width: 64, claimed: [hi, hi === 0 ? Math.max(lo, MAX_PAYLOAD + 1) : lo] })] })),
  },
);

/** What the server must answer: a close code (undefined payload: an empty close frame), or nothing. */
type Expected = { close: "none" } | { close: "code"; code: number | undefined };

/** RFC 6455 as ws checks it on a server with no extensions, over the frames in order. */
export function expectedOutcome(frames: readonly Frame[]): { expected: Expected; rfbBytes: number } {
  let fragmented = 0; // opcode of the message in progress
  let total = 0;
  let textParts: Uint8Array[] = [];
  let rfbBytes = 0;
  let pendingBinary = 0;
  const fail = (code: number) => ({ expected: { close: "code" as const, code }, rfbBytes });
  for (const f of frames) {
    if (f.rsv !== 0) return fail(1002); // no extension negotiated: RSV1-3 must be clear
    let op = f.opcode;
    const len = f.claimed ? f.claimed[0] * 2 ** 32 + f.claimed[1] : f.payload.length;
    const lenField = f.width === 7 ? len : f.width === 16 ? 126 : 127;
    if (op === 0) {
      if (!fragmented) return fail(1002);
      op = fragmented;
    } else if (op === 1 || op === 2) {
      if (fragmented) return fail(1002);
    } else if (op >= 8 && op <= 10) {
      if (!f.fin || lenField > 125 || (op === 8 && lenField === 1)) return fail(1002);
    } else return fail(1002);
    if (!fragmented && (op === 1 || op === 2)) total = 0;
    if (!f.masked) return fail(1002);
    if (f.claimed && f.claimed[0] > 0x1fffff) return fail(1009);
    if (op < 8 && len > 0) {
      total += len;
      if (total > MAX_PAYLOAD) return fail(1009);
    }
    if (f.claimed) return { expected: { close: "none" }, rfbBytes }; // waits for the payload forever
    if (op === 8) {
      if (f.payload.length === 0) return { expected: { close: "code", code: undefined }, rfbBytes };
      const code = (f.payload[0]! << 8) | f.payload[1]!;
      if (!validCode(code)) return fail(1002);
      if (!isUtf8(f.payload.subarray(2))) return fail(1007);
      return { expected: { close: "code", code }, rfbBytes };
    }
    if (op >= 8) continue;
    if (op === 1) textParts.push(f.payload);
    else pendingBinary += f.payload.length;
    if (f.fin) {
      fragmented = 0;
      if (op === 1) {
        const text = Buffer.concat(textParts);
        textParts = [];
        return fail(isUtf8(text) ? 1003 : 1007);
      }
      rfbBytes += pendingBinary;
      pendingBinary = 0;
    } else fragmented = op;
  }
  return { expected: { close: "none" }, rfbBytes };
}

/** Turn steps into frames, binary payloads cut from the RFB script in order. */
export function framesOf(steps: readonly Step[]): Frame[] {
  const out: Frame[] = [];
  let at = 0;
  const next = (n: number): Uint8Array => {
    const b = RFB_SCRIPT.subarray(Math.min(at, RFB_SCRIPT.length), Math.min(at + n, RFB_SCRIPT.length));
    at += b.length;
    return b;
  };
  for (const s of steps) {
    if (s.kind === "frames") {
      // data frames (0, 2) carry the RFB script too: the server must see a valid RFB stream whatever the framing
      for (const f of s.frames) out.push(f.opcode === 0 || f.opcode === 2 ? { ...f, payload: next(f.payload.length) } : f);
      continue;
    }
    s.sizes.forEach((n, i) => {
      const last = i === s.sizes.length - 1;
      out.push(frame(i === 0 ? 2 : 0, next(n), { fin: last }));
      if (!last && s.pingBetween) out.push(frame(9, Uint8Array.of(1, 2)));
    });
  }
  return out;
}

/** The server end of an in-memory socket: what it writes is collected; the client pushes bytes into it. */
class ServerEnd extends Duplex {
  readonly written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.written.push(chunk);
    cb();
  }
}

/** The server's frames after the HTTP 101 response: the first close frame's code (undefined: empty), or none. */
export function serverClose(out: Buffer): { found: boolean; code?: number } {
  let at = out.indexOf("\r\n\r\n");
  assert.ok(at > 0 && out.subarray(0, 12).toString() === "HTTP/1.1 101", `upgrade answered: ${out.subarray(0, 40).toString()}`);
  at += 4;
  while (at + 2 <= out.length) {
    const op = out[at]! & 0x0f;
    let len = out[at + 1]! & 0x7f;
    let h = 2;
    if (len === 126) {
      len = out.readUInt16BE(at + 2);
      h = 4;
    } else if (len === 127) {
      len = Number(out.readBigUInt64BE(at + 2));
      h = 10;
    }
    if (op === 8) return len >= 2 ? { found: true, code: out.readUInt16BE(at + h) } : { found: true };
    at += h + len;
  }
  return { found: false };
}

const settle = async (rounds: number): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

let keyCounter = 0;
function upgradeRequest(socket: Duplex): IncomingMessage {
  const key = Buffer.alloc(16);
  key.writeUInt32BE(++keyCounter);
  return { method: "GET", url: "/", headers: { host: "fuzz", upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": key.toString("base64"), "sec-websocket-version": "13" }, socket: Object.assign(socket, { remoteAddress: "192.0.2.9" }) } as unknown as IncomingMessage;
}

export const websocketFrames: FuzzTarget = {
  name: "websocket-frames",
  summary: "WebSocket frames (fragmentation, control frames, close codes/reasons, RSV/opcode/mask/length mangling, 64-bit and over-maxPayload lengths, split anywhere) → RfbServer.handleUpgrade in process: precise close code or open and serving",
  async setup() {
    const con = new Console("fuzz-ws");
    con.publishSurface({ width: 16, height: 16, pixels: new Uint32Array(256) });
    con.setInputSink({ input: () => {}, clipboard: () => {} });
    const logs: string[] = [];
    const log: Logger = { debug: () => {}, info: (_f, m) => logs.push(m), warn: (_f, m) => logs.push(m), error: (_f, m) => logs.push(m) };
    const server = new RfbServer({ console: con, security: [new NoneSecurity()], log, tcp: null, limits: { maxCutText: MAX_CUT_TEXT } });
    await server.listen();
    const outcomes = new Map<string, number>();
    return {
      property: fc.asyncProperty(fc.array(step, { maxLength: 6 }), fc.nat(), fc.nat({ max: 20 }), async (steps, maskKey, cutSeed) => {
        logs.length = 0;
        const frames = framesOf(steps);
        const data = Buffer.concat(frames.map((f) => encode(f, maskKey)));
        const socket = new ServerEnd();
        server.handleUpgrade(upgradeRequest(socket), socket, Buffer.alloc(0));
        const cuts = cutSeed === 0 ? [] : Array.from({ length: cutSeed % 6 }, (_, i) => ((maskKey >>> (i * 5)) * 7919 + i * 104729) % (data.length + 1)).sort((a, b) => a - b);
        for (const c of chunksOf(data, cuts)) socket.push(c);
        await settle(4);
        const { expected, rfbBytes } = expectedOutcome(frames);
        const got = serverClose(Buffer.concat(socket.written));
        outcomes.set(expected.close === "none" ? "open" : String(expected.code), (outcomes.get(expected.close === "none" ? "open" : String(expected.code)) ?? 0) + 1);
        if (expected.close === "none") {
          assert.equal(got.found, false, `unexpected close ${got.code}; logs ${logs.join(" | ")}`);
          // a complete RFB handshake (14 bytes) made it a VNC client
          assert.equal(server.stats.clients, rfbBytes >= 14 ? 1 : 0, `RFB bytes ${rfbBytes}, logs ${logs.join(" | ")}`);
        } else {
          assert.ok(got.found, `expected close ${expected.code}, got none; logs ${logs.join(" | ")}`);
          assert.equal(got.code, expected.code);
        }
        assert.ok(!logs.some((l) => l.includes("internal error")), logs.join(" | "));
        socket.push(null);
        socket.destroy();
        await settle(2);
        assert.equal(server.stats.clients, 0, "the client is gone once its socket closed");
        return true;
      }),
      async finish() {
        await server.close();
        if (process.env.FUZZ_VERBOSE) console.log(outcomes);
        const cases = [...outcomes.values()].reduce((a, b) => a + b, 0);
        if (cases >= 5000) for (const o of ["open", "1002", "1003", "1007", "1009", "1000", "undefined"]) assert.ok((outcomes.get(o) ?? 0) > 0, `outcome ${o} never happened: ${JSON.stringify([...outcomes])}`);
      },
    };
  },
};
