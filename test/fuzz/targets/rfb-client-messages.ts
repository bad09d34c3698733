/**
 * The RFB message parser on its own, in process: random client messages of every type, concatenated,
 * cut short and split into reads at random points. The parser must decode exactly the messages sent, in
 * order, then either refuse the first bad one with its precise reason or wait holding exactly the bytes of
 * an unfinished one — and throw nothing else. A message after any split still parses (no corrupted state).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ClientMessageReader, ProtocolViolation, type ClientMessage } from "../../../src/rfb/client-messages.ts";
import { chunksOf, clientMessage, expectedParse, fuzzLimits, splitPoints } from "../client-message-gen.ts";
import type { FuzzTarget } from "../fuzz-target.ts";

/** Feed the chunks as a connection does (push, then take every whole message); stop at a refusal. */
export function parseChunks(reader: ClientMessageReader, chunks: readonly Buffer[]): { decoded: ClientMessage[]; violation?: string } {
  const decoded: ClientMessage[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    try {
      for (let m = reader.next(); m; m = reader.next()) decoded.push(m);
    } catch (e) {
      if (e instanceof ProtocolViolation) return { decoded, violation: e.message };
      throw e;
    }
  }
  return { decoded };
}

const input = fuzzLimits.chain((limits) =>
  fc
    .tuple(fc.constant(limits), fc.array(clientMessage(limits), { maxLength: 8 }), fc.nat({ max: 40 }))
    .chain(([lim, messages, cut]) => {
      const data = Buffer.concat(messages.map((m) => m.bytes));
      // usually the whole stream, sometimes cut short inside the last message(s)
      const length = cut > 30 ? Math.max(0, data.length - (cut - 30)) : data.length;
      return fc.tuple(fc.constant(lim), fc.constant(messages), fc.constant(data.subarray(0, length)), splitPoints(length));
    }),
);

export const rfbClientMessages: FuzzTarget = {
  name: "rfb-client-messages",
  summary: "RFB client messages (all types, random values/lengths, over limits, unknown, truncated, split anywhere) → ClientMessageReader: exact messages, exact refusal or waiting; nothing else thrown",
  setup() {
    return {
      property: fc.property(input, ([limits, messages, data, cuts]) => {
        const reader = new ClientMessageReader(limits);
        const got = parseChunks(reader, chunksOf(data, cuts));
        const want = expectedParse(messages, data.length);
        assert.deepEqual(got.decoded, want.decoded);
        assert.equal(got.violation, want.violation);
        if (want.violation === undefined) {
          assert.equal(reader.pendingBytes, want.pending);
          // state intact: finishing the unfinished message and adding a KeyEvent decodes both
          const whole = Buffer.concat(messages.map((m) => m.bytes));
          let end = 0;
          const unfinished = messages.find((m) => (end += m.bytes.length) > data.length);
          const after = parseChunks(reader, [whole.subarray(data.length, unfinished ? end : data.length), Buffer.of(4, 1, 0, 0, 0, 0, 0xff, 0x0d)]);
          if (unfinished && !("violation" in unfinished.expect)) assert.deepEqual(after.decoded[0], unfinished.expect);
          if (!unfinished || !("violation" in unfinished.expect)) assert.deepEqual(after.decoded.at(-1), { type: "key", down: true, keysym: 0xff0d });
        }
        return true;
      }),
    };
  },
};
