/**
 * The VNC authentication lockout as `serve` runs it: one count per address over every device, TCP and the
 * web console's WebSocket; a blocked address is told the 3.8 reason in place of the security types (no DES
 * challenge at all); and connections opened in parallel before the block learn nothing from their answers
 * once it is in place.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TOO_MANY_FAILURES_REASON } from "../../src/rfb/security/lockout.ts";
import { AUTH_FAILED_REASON, VNC_AUTH_CHALLENGE_BYTES, vncAuthResponse } from "../../src/rfb/security/vnc-auth.ts";
import { startWeb, type WebFixture } from "../web/web-fixture.ts";
import { openPeer, readReason, type PeerTarget, type RfbPeer } from "./rfb-peer.ts";

const PASSWORD = "lock-pw1";
const devices = [
  { id: "bochs0", driver: "bochs", workload: "test-pattern", vncPort: 0 },
  { id: "bochs1", driver: "bochs", workload: "test-pattern", vncPort: 0 },
];

function startHost(): Promise<WebFixture> {
  return startWeb({ vnc: { password: { env: "PW" } }, devices, env: { PW: PASSWORD } });
}

function targets(web: WebFixture): { tcp0: PeerTarget; ws0: PeerTarget; tcp1: PeerTarget; ws1: PeerTarget } {
  const ws = web.base.replace("http", "ws");
  return {
    tcp0: { tcp: web.host.devices[0]!.vnc!.port },
    ws0: { wsUrl: `${ws}/ws/bochs0` },
    tcp1: { tcp: web.host.devices[1]!.vnc!.port },
    ws1: { wsUrl: `${ws}/ws/bochs1` },
  };
}

/** Version exchange, then the server's first security message: the types list, or a failure. */
async function toSecurity(target: PeerTarget): Promise<{ peer: RfbPeer; types: number[] } | { peer: RfbPeer; refused: string }> {
  const peer = await openPeer(target);
  assert.equal((await peer.read(12)).toString("latin1"), "RFB 003.008\n");
  peer.write(Buffer.from("RFB 003.008\n"));
  const n = (await peer.read(1))[0]!;
  if (n === 0) return { peer, refused: await readReason(peer) };
  return { peer, types: [...(await peer.read(n))] };
}

/** Up to the VNC auth challenge; returns the peer and the challenge. */
async function toChallenge(target: PeerTarget): Promise<{ peer: RfbPeer; challenge: Buffer }> {
  const s = await toSecurity(target);
  assert.ok("types" in s, `refused: ${"refused" in s ? s.refused : ""}`);
  assert.deepEqual(s.types, [2]);
  s.peer.write(Buffer.of(2));
  return { peer: s.peer, challenge: Buffer.from(await s.peer.read(VNC_AUTH_CHALLENGE_BYTES)) };
}

/** Answer the challenge; the SecurityResult: "ok" or the 3.8 failure reason. */
async function answer(peer: RfbPeer, response: Uint8Array): Promise<string> {
  peer.write(response);
  const result = (await peer.read(4)).readUInt32BE(0);
  const outcome = result === 0 ? "ok" : await readReason(peer);
  peer.destroy();
  return outcome;
}

test("5 failures spread over two devices, TCP and WebSocket block the address everywhere; blocked: the reason instead of the types, no challenge", async () => {
  const web = await startHost();
  try {
    const t = targets(web);
    for (const target of [t.tcp0, t.ws0, t.tcp1, t.ws1, t.tcp0]) {
      const { peer } = await toChallenge(target);
      assert.equal(await answer(peer, Buffer.alloc(16, 0x55)), AUTH_FAILED_REASON);
    }
    for (const target of [t.tcp0, t.ws0, t.tcp1, t.ws1]) {
      const s = await toSecurity(target);
      assert.ok("refused" in s, "a blocked address is offered no security type");
      assert.equal(s.refused, TOO_MANY_FAILURES_REASON);
      // the server closes right after the reason: nothing else (no 16-byte DES challenge) ever comes
      assert.equal((await s.peer.rest()).length, 0);
    }
  } finally {
    await web.close();
  }
});

test("parallel guesses: of 11 wrong answers from connections opened before the block only 5 are judged; a right answer after it is refused too", async () => {
  const web = await startHost();
  try {
    const t = targets(web);
    // every connection gets its challenge while the address is still clean
    const open = await Promise.all(Array.from({ length: 12 }, (_, i) => toChallenge(i % 2 ? t.ws0 : t.tcp1)));
    const wrong = open.slice(0, 11);
    const outcomes: string[] = [];
    for (const c of wrong) outcomes.push(await answer(c.peer, vncAuthResponse(c.challenge, Buffer.from("guess"))));
    assert.deepEqual(outcomes, [...Array(5).fill(AUTH_FAILED_REASON), ...Array(6).fill(TOO_MANY_FAILURES_REASON)]);
    const last = open[11]!;
    assert.equal(await answer(last.peer, vncAuthResponse(last.challenge, Buffer.from(PASSWORD))), TOO_MANY_FAILURES_REASON, "the right password, but the address is blocked");
  } finally {
    await web.close();
  }
});

test("the right password is let in and clears the count (4 failures, a success, 4 more failures: still not blocked)", async () => {
  const web = await startHost();
  try {
    const t = targets(web);
    const fail4 = async (): Promise<void> => {
      for (let i = 0; i < 4; i++) {
        const { peer } = await toChallenge(i % 2 ? t.ws1 : t.tcp0);
        assert.equal(await answer(peer, Buffer.alloc(16)), AUTH_FAILED_REASON);
      }
    };
    await fail4();
    const ok = await toChallenge(t.ws1);
    assert.equal(await answer(ok.peer, vncAuthResponse(ok.challenge, Buffer.from(PASSWORD))), "ok");
    await fail4();
    const again = await toChallenge(t.tcp1);
    assert.equal(await answer(again.peer, vncAuthResponse(again.challenge, Buffer.from(PASSWORD))), "ok");
  } finally {
    await web.close();
  }
});
