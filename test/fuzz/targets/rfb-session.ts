/**
 * The real VNC server in process (RfbServer.accept over an in-memory transport, no sockets): a scripted
 * client runs the handshake with random choices — version strings good and bad, the security type (None,
 * VNC auth with a right or wrong response, VeNCrypt with good or bad version and subtype), the shared flag
 * — then sends random client messages cut at random points. Invariants: a handshake that goes wrong ends
 * with the precise reason in the log; a connection fed a message the parser refuses is closed with
 * "protocol violation: <reason>"; nothing ever reaches the "internal error" path; every case leaves the
 * server with no client and no connection in the handshake.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Console } from "../../../src/display/console.ts";
import { RfbServer } from "../../../src/rfb/server.ts";
import { AuthLockout } from "../../../src/rfb/security/lockout.ts";
import { NoneSecurity } from "../../../src/rfb/security/none.ts";
import { VeNCryptSecurity, VeNCryptSubtype } from "../../../src/rfb/security/vencrypt.ts";
import { VncAuthSecurity, vncAuthResponse } from "../../../src/rfb/security/vnc-auth.ts";
import type { SecurityType } from "../../../src/rfb/security/security-type.ts";
import type { ClientMessageLimits } from "../../../src/rfb/client-messages.ts";
import type { Logger } from "../../../src/rfb/logger.ts";
import { chunksOf, clientMessage, expectedParse, splitPoints, type GeneratedMessage } from "../client-message-gen.ts";
import type { FuzzTarget } from "../fuzz-target.ts";
import { MemoryTransport } from "../memory-transport.ts";

const PASSWORD = Buffer.from("fuzzpass");
const LIMITS: ClientMessageLimits = { maxEncodings: 64, maxCutText: 600 };

/** The version strings a client may send, and the minor version the server must take each as. */
const VERSIONS: Array<[string, 3 | 7 | 8 | undefined]> = [
  ["RFB 003.008\n", 8],
  ["RFB 003.007\n", 7],
  ["RFB 003.003\n", 3],
  ["RFB 003.005\n", 3],
  ["RFB 003.889\n", 8],
  ["RFB 003.002\n", undefined],
  ["RFB 004.001\n", undefined],
  ["RFB 003.008\r", undefined],
  ["rfb 003.008\n", undefined],
];
const version = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...VERSIONS.filter(([, v]) => v !== undefined)).map(([s, v]) => ({ bytes: Buffer.from(s, "latin1"), minor: v })) },
  { weight: 2, arbitrary: fc.constantFrom(...VERSIONS.filter(([, v]) => v === undefined)).map(([s, v]) => ({ bytes: Buffer.from(s, "latin1"), minor: v })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => ({ bytes: Buffer.from(b), minor: undefined as 3 | 7 | 8 | undefined })) },
);

const plan = fc.record({
  server: fc.constantFrom(0, 1),
  version,
  /** index into the offered list (beyond it: a random byte) */
  pick: fc.oneof(fc.nat({ max: 2 }), fc.integer({ min: 0, max: 255 }).map((b) => ({ raw: b }))),
  auth: fc.oneof({ weight: 3, arbitrary: fc.constant<"right">("right") }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  vencryptVersion: fc.oneof({ weight: 4, arbitrary: fc.constant([0, 2]) }, { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })) }),
  subtype: fc.oneof(fc.constantFrom(VeNCryptSubtype.TLSNone, VeNCryptSubtype.TLSVnc, VeNCryptSubtype.Plain, VeNCryptSubtype.X509None), fc.nat({ max: 0xffffffff })),
  shared: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 255 })),
  messages: fc.array(clientMessage(LIMITS), { maxLength: 6 }),
  cut: fc.nat({ max: 40 }),
  /** end a whole stream with a full-screen update request (a quarter of the time: PNG/JPEG take milliseconds) */
  fullUpdate: fc.nat({ max: 3 }).map((n) => n === 0),
  splitSeed: fc.nat(),
});
type Plan = typeof plan extends fc.Arbitrary<infer T> ? T : never;

/** Deterministic split points for a byte string (from the case's seed, so a case replays exactly). */
function cutsFor(length: number, seed: number): number[] {
  const n = seed % 5;
  const out: number[] = [];
  let s = seed | 1;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out.push(s % (length + 1));
  }
  return out.sort((a, b) => a - b);
}

const settle = async (rounds = 3): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
};

interface Server {
  server: RfbServer;
  logs: string[];
  /** what reached the guest side: key/pointer events and clipboard texts */
  received: { inputs: number; clipboards: number };
}

async function makeServer(security: readonly SecurityType[]): Promise<Server> {
  const con = new Console("fuzz");
  con.publishSurface({ width: 32, height: 24, pixels: new Uint32Array(32 * 24).map((_, i) => i * 2654435761) });
  const received = { inputs: 0, clipboards: 0 };
  con.setInputSink({ input: () => void received.inputs++, clipboard: () => void received.clipboards++ });
  con.setSizeRequestHandler(() => "forwarded");
  const logs: string[] = [];
  const log: Logger = { debug: () => {}, info: (_f, m) => logs.push(m), warn: (_f, m) => logs.push(m), error: (_f, m) => logs.push(m) };
  const server = new RfbServer({ console: con, security, log, tcp: null, limits: LIMITS, lockout: new AuthLockout({ maxFailures: 1e9 }) });
  await server.listen();
  return { server, logs, received };
}

/** Play one client; returns the handshake failure reason the server must log, or undefined if it must accept. */
async function playHandshake(t: MemoryTransport, p: Plan, offered: readonly number[]): Promise<string | undefined> {
  const send = async (b: Buffer): Promise<void> => {
    for (const c of chunksOf(b, cutsFor(b.length, p.splitSeed))) t.deliver(c);
    await settle();
  };
  assert.equal(t.take(12)?.toString("latin1"), "RFB 003.008\n");
  await send(p.version.bytes);
  const minor = p.version.minor;
  if (minor === undefined) return `unsupported protocol version ${JSON.stringify(p.version.bytes.toString("latin1"))}`;
  let chosen: number;
  if (minor === 3) {
    chosen = t.take(4)!.readUInt32BE(0);
    assert.equal(chosen, offered.find((x) => x === 1 || x === 2), "3.3: the server picks the first type 3.3 can use");
  } else {
    const n = t.take(1)![0]!;
    assert.deepEqual([...t.take(n)!], offered);
    chosen = typeof p.pick === "number" ? offered[p.pick % offered.length]! : p.pick.raw;
    await send(Buffer.of(chosen));
    if (!offered.includes(chosen)) return `security type ${chosen} was not offered`;
  }
  if (chosen === 2) {
    const challenge = t.take(16)!;
    await send(p.auth === "right" ? vncAuthResponse(challenge, PASSWORD) : Buffer.from(p.auth));
    if (p.auth !== "right" && !vncAuthResponse(challenge, PASSWORD).equals(Buffer.from(p.auth))) return "VncAuth: Authentication failed";
  } else if (chosen === 19) {
    assert.deepEqual([...t.take(2)!], [0, 2]);
    await send(Buffer.from(p.vencryptVersion));
    const [major, minorV] = p.vencryptVersion as [number, number];
    if (major !== 0 || minorV !== 2) return `VeNCrypt: unsupported VeNCrypt version ${major}.${minorV} (only 0.2)`;
    const list = t.take(2 + 4 * 2)!;
    const subtypes = [list.readUInt32BE(2), list.readUInt32BE(6)];
    const sub = Buffer.alloc(4);
    sub.writeUInt32BE(p.subtype >>> 0);
    await send(sub);
    if (!subtypes.includes(p.subtype)) return `VeNCrypt: VeNCrypt subtype ${vencryptNameOf(p.subtype)} was not offered`;
    return "TLS handshake failed: the client sent no ClientHello";
  }
  if (minor === 8 || chosen !== 1) assert.equal(t.take(4)?.readUInt32BE(0), 0, "SecurityResult OK");
  return undefined;
}

function vencryptNameOf(n: number): string {
  return Object.entries(VeNCryptSubtype).find(([, v]) => v === n)?.[0] ?? `unknown(${n})`;
}

/** Message kinds whose refusal depends on the connection's state, not the parser (bad pixel format, ...). */
const STATEFUL = new Set(["setPixelFormat", "enableContinuousUpdates", "extendedClipboard"]);

export const rfbSession: FuzzTarget = {
  name: "rfb-session",
  summary: "real RfbServer in process: handshake (versions, security types, VNC auth, VeNCrypt) with random choices, then random messages split anywhere → precise failure reasons, protocol-violation closes, no internal error, no leaked client",
  async setup() {
    const servers = [
      await makeServer([new NoneSecurity()]),
      await makeServer([
        new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.TLSVnc, VeNCryptSubtype.TLSNone], password: () => PASSWORD }),
        new VncAuthSecurity({ password: () => PASSWORD }),
        new NoneSecurity(),
      ]),
    ];
    const offered = [[1], [19, 2, 1]];
    const seen = new Map<string, number>();
    const count = (what: string): void => void seen.set(what, (seen.get(what) ?? 0) + 1);
    return {
      property: fc.asyncProperty(plan, async (p) => {
        const { server, logs } = servers[p.server]!;
        logs.length = 0;
        const t = new MemoryTransport();
        server.accept(t);
        try {
          const failure = await playHandshake(t, p, offered[p.server]!);
          count(failure?.replace(/\d+|".*"/g, "N") ?? "connected");
          if (failure !== undefined) {
            assert.ok(logs.includes(`VNC handshake failed: ${failure}`), `expected "${failure}", logs: ${logs.join(" | ")}`);
            assert.ok(t.closed, "a failed handshake closes the connection");
          } else {
            const whole = Buffer.concat([Buffer.of(p.shared), ...p.messages.map((m: GeneratedMessage) => m.bytes)]);
            const length = p.cut > 30 ? Math.max(1, whole.length - (p.cut - 30)) : whole.length;
            // a whole stream may end with a full-screen update request: whatever pixel format and encodings
            // the random messages chose, the server must encode and send a frame with them
            const updatesBefore = server.stats.updates;
            const fullRequest = p.fullUpdate && length === whole.length ? Buffer.of(3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff) : Buffer.alloc(0);
            const sent = Buffer.concat([whole.subarray(0, length), fullRequest]);
            for (const c of chunksOf(sent, cutsFor(sent.length, p.splitSeed >>> 3))) t.deliver(c);
            await settle(4);
            // wait for the frame (PNG and JPEG are encoded on libuv's thread pool: real time, up to 5 s); an
            // encoder failure closes the connection with "encoding failed", which the log check below catches
            const deadline = Date.now() + 5000;
            for (let i = 0; fullRequest.length > 0 && server.stats.updates === updatesBefore && !t.closed && Date.now() < deadline; i++) {
              if (i < 20) await settle(1);
              else await new Promise((r) => setTimeout(r, 1));
            }
            if (fullRequest.length > 0 && !t.closed) assert.ok(server.stats.updates > updatesBefore, `no update sent; logs: ${logs.join(" | ")}`);
            assert.ok(logs.includes("VNC client connected"), `logs: ${logs.join(" | ")}`);
            const want = expectedParse(p.messages, length - 1);
            const closedWith = logs.find((l) => l.startsWith("closing VNC client: "));
            const stateful = want.decoded.some((m) => STATEFUL.has(m.type));
            if (closedWith) count(want.violation !== undefined ? "closed: parser refusal" : "closed: state refusal");
            if (want.violation !== undefined && !stateful) assert.equal(closedWith, `closing VNC client: protocol violation: ${want.violation}`);
            else if (closedWith !== undefined) assert.ok(stateful && closedWith.startsWith("closing VNC client: protocol violation: "), closedWith);
            else assert.ok(!t.closed, "a client that sent nothing wrong stays connected");
          }
          assert.ok(!logs.some((l) => l.includes("internal error") || l.includes("encoding failed")), logs.join(" | "));
        } finally {
          // also after a failed check: a connection left open would fail every case after it
          t.close();
          await settle(1);
        }
        assert.equal(server.stats.clients, 0, `the connection is gone once its transport closed: ${JSON.stringify(server.connections.map((c) => ({ id: c.id, closed: c.isClosed, t: c.transport.closed, same: c.transport === t })))} logs ${logs.join(" | ")}`);
        return true;
      }),
      async finish() {
        // every outcome must have been reached, or the property proved less than it claims
        const floors = ["connected", "closed: parser refusal", "closed: state refusal", "unsupported protocol version N", "security type N was not offered", "VncAuth: Authentication failed", "VeNCrypt: unsupported VeNCrypt version N.N (only N.N)", "VeNCrypt: VeNCrypt subtype unknown(N) was not offered", "TLS handshake failed: the client sent no ClientHello"];
        if (process.env.FUZZ_VERBOSE) console.log(seen, servers.map((s) => ({ ...s.server.stats, ...s.received })));
        for (const s of servers) await s.server.close();
        // (only for a real run: a replay of one case reaches one outcome)
        const cases = [...seen.values()].reduce((a, b) => a + b, 0);
        if (cases >= 5000) {
          for (const f of floors) assert.ok((seen.get(f) ?? 0) > 0, `outcome "${f}" never happened: ${JSON.stringify([...seen])}`);
          // input and clipboard text (plain and inflated from ExtendedClipboard Provide) did reach the guest
          for (const s of servers) assert.ok(s.received.inputs > 0 && s.received.clipboards > 0, JSON.stringify(s.received));
        }
        for (const s of servers) await s.server.close();
      },
    };
  },
};
