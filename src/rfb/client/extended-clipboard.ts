/**
 * The Extended Clipboard extension (pseudo-encoding 0xC0A1E5CE), shared by both directions: a u32 flags
 * word (formats in the low 16 bits, actions in the high byte) and a payload whose meaning depends on the
 * action. Caps carry one u32 size limit per format bit; provide carries a zlib stream with, per format
 * bit in ascending order, u32 length + data. Text is UTF-8 with CRLF line ends and a terminating NUL.
 */
import { deflateSync, inflateSync } from "node:zlib";

export const ClipboardFormat = { Text: 1 << 0, Rtf: 1 << 1, Html: 1 << 2, Dib: 1 << 3, Files: 1 << 4 } as const;
export const ClipboardAction = { Caps: 1 << 24, Request: 1 << 25, Peek: 1 << 26, Notify: 1 << 27, Provide: 1 << 28 } as const;
const ACTION_MASK = 0x1f000000;
const FORMAT_MASK = 0x0000ffff;

export class ClipboardError extends Error {}

export type ClipboardMessage =
  | { action: "caps"; formats: number; sizes: Map<number, number> }
  | { action: "request" | "peek" | "notify"; formats: number }
  | { action: "provide"; formats: number; data: Map<number, Buffer> };

/** Parse one extended message body (flags + payload). Exactly one action bit must be set (caps may list the supported actions too). */
export function parseClipboardMessage(body: Buffer, maxInflated: number): ClipboardMessage {
  if (body.length < 4) throw new ClipboardError(`extended clipboard message of ${body.length} bytes has no flags`);
  const flags = body.readUInt32BE(0);
  const formats = flags & FORMAT_MASK;
  const actions = flags & ACTION_MASK;
  if ((flags & ~(ACTION_MASK | FORMAT_MASK)) !== 0) throw new ClipboardError(`extended clipboard flags 0x${(flags >>> 0).toString(16)} use reserved bits`);
  // a caps message lists every action its sender supports beside the caps bit; any other carries one action
  const CAPS_BIT = 1 << 24;
  const single = actions & CAPS_BIT ? CAPS_BIT : actions;
  if (single === 0 || (single & (single - 1)) !== 0) {
    throw new ClipboardError(`extended clipboard flags 0x${(flags >>> 0).toString(16)} must carry exactly one action`);
  }
  const payload = body.subarray(4);
  switch (single) {
    case ClipboardAction.Caps: {
      const sizes = new Map<number, number>();
      let off = 0;
      for (let bit = 0; bit < 16; bit++) {
        if ((formats & (1 << bit)) === 0) continue;
        if (off + 4 > payload.length) throw new ClipboardError("extended clipboard caps: a size for every format is missing");
        sizes.set(1 << bit, payload.readUInt32BE(off));
        off += 4;
      }
      if (off !== payload.length) throw new ClipboardError(`extended clipboard caps: ${payload.length - off} bytes past the format sizes`);
      return { action: "caps", formats, sizes };
    }
    case ClipboardAction.Request:
    case ClipboardAction.Peek:
    case ClipboardAction.Notify: {
      if (payload.length !== 0) throw new ClipboardError(`extended clipboard ${actionName(single)} carries ${payload.length} unexpected bytes`);
      return { action: actionName(single) as "request" | "peek" | "notify", formats };
    }
    default: {
      let inflated: Buffer;
      try {
        inflated = inflateSync(payload, { maxOutputLength: maxInflated });
      } catch (e) {
        throw new ClipboardError(`extended clipboard provide: bad zlib data (${(e as Error).message})`);
      }
      const data = new Map<number, Buffer>();
      let off = 0;
      for (let bit = 0; bit < 16; bit++) {
        if ((formats & (1 << bit)) === 0) continue;
        if (off + 4 > inflated.length) throw new ClipboardError(`extended clipboard provide: format bit ${bit} has no length`);
        const n = inflated.readUInt32BE(off);
        off += 4;
        if (off + n > inflated.length) throw new ClipboardError(`extended clipboard provide: format bit ${bit} claims ${n} bytes, ${inflated.length - off} left`);
        data.set(1 << bit, inflated.subarray(off, off + n));
        off += n;
      }
      if (off !== inflated.length) throw new ClipboardError(`extended clipboard provide: ${inflated.length - off} bytes past the last format`);
      return { action: "provide", formats, data };
    }
  }
}

function actionName(a: number): string {
  return a === ClipboardAction.Caps ? "caps" : a === ClipboardAction.Request ? "request" : a === ClipboardAction.Peek ? "peek" : a === ClipboardAction.Notify ? "notify" : "provide";
}

/** Clipboard text data → JS string: NUL-terminated UTF-8 with CRLF line ends. */
export function decodeClipboardText(data: Buffer): string {
  if (data.length === 0 || data[data.length - 1] !== 0) throw new ClipboardError("extended clipboard text is not NUL-terminated");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data.subarray(0, data.length - 1));
  } catch {
    throw new ClipboardError("extended clipboard text is not valid UTF-8");
  }
  return text.replace(/\r\n/g, "\n");
}

export function encodeClipboardText(text: string): Buffer {
  return Buffer.concat([Buffer.from(text.replace(/\r?\n/g, "\r\n"), "utf8"), Buffer.of(0)]);
}

export function capsPayload(sizes: ReadonlyMap<number, number>): { flags: number; payload: Buffer } {
  let formats = 0;
  for (const f of sizes.keys()) formats |= f;
  const parts: number[] = [];
  for (let bit = 0; bit < 16; bit++) if (formats & (1 << bit)) parts.push(sizes.get(1 << bit)!);
  const payload = Buffer.alloc(4 * parts.length);
  parts.forEach((s, i) => payload.writeUInt32BE(s, 4 * i));
  const actions = ClipboardAction.Caps | ClipboardAction.Request | ClipboardAction.Peek | ClipboardAction.Notify | ClipboardAction.Provide;
  return { flags: (actions | formats) >>> 0, payload };
}

export function providePayload(text: string): { flags: number; payload: Buffer } {
  const data = encodeClipboardText(text);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(data.length, 0);
  return { flags: (ClipboardAction.Provide | ClipboardFormat.Text) >>> 0, payload: deflateSync(Buffer.concat([header, data])) };
}
