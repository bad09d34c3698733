/**
 * Faults while clients watch: a device hot-unplugged (its viewers get a last frame and a clean close, the
 * other device keeps serving, every fd is released); a guest worker that dies (logged, rebooted, then
 * marked failed when it keeps dying, the VNC server serving throughout); the display consumer restarted
 * with dma-buf fds of the old one still open elsewhere (no leak, no stale frame, the new one works).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { DrmPlaneType, GfxPlaneInfoView, setU32, VFIO_DEVICE_GET_GFX_DMABUF } from "../../src/abi/index.ts";
import { parseConfig } from "../../src/cli/serve-config.ts";
import { startServeHost } from "../../src/cli/serve-host.ts";
import { DisplayConsumer } from "../../src/display/display-consumer.ts";
import { queryPlane } from "../../src/display/probe.ts";
import { RfbClient } from "../../src/rfb/client/rfb-client.ts";
import { Encoding } from "../../src/rfb/encodings.ts";
import type { Logger } from "../../src/rfb/logger.ts";
import { NoneSecurity } from "../../src/rfb/security/none.ts";
import { RfbServer } from "../../src/rfb/server.ts";
import { ModelVgpu, type VgpuState } from "../../src/vmm/model-vgpu.ts";
import { bochsFixture } from "../helpers/bochs-fixture.ts";
import { fullUpdate } from "../helpers/rfb-server-fixture.ts";
import { waitFor } from "../helpers/wait-for.ts";

function recordingLogger(lines: string[]): Logger {
  const rec = (_f: object, m: string): void => void lines.push(m);
  return { debug: () => {}, info: rec, warn: rec, error: rec };
}

/** Ask for the next update after each one, as a viewer does. */
function keepRequesting(c: RfbClient): void {
  const next = (): void => void c.requestUpdate({ incremental: true }).catch(() => {});
  c.on("update", next);
  next();
}

/** A full frame that has pixels of the guest's picture (not the blank placeholder). */
async function guestFrame(c: RfbClient): Promise<void> {
  await waitFor("a frame with the guest's pixels", async () => {
    await fullUpdate(c);
    return c.framebuffer.pixels.some((p) => (p & 0xffffff) !== 0);
  });
}

test("a device removed while clients watch: its viewers get a 'removed' frame and a clean close with a log line; the other device serves on; no fd left", async () => {
  const logs: string[] = [];
  const config = parseConfig(
    {
      web: { host: "127.0.0.1", port: 0 },
      devices: [
        { id: "gone0", driver: "bochs", type: "mbochs-medium", workload: "test-pattern", seed: 1, vncPort: 0, refreshHz: 30 },
        { id: "stays1", driver: "bochs", type: "mbochs-medium", workload: "test-pattern", seed: 2, vncPort: 0, refreshHz: 30 },
      ],
    },
    "faults test",
  );
  const host = await startServeHost(config, { log: recordingLogger(logs) });
  const [gone, stays] = host.devices;
  const vgpu = host.vgpus[0]!;
  const web = `ws://127.0.0.1:${host.webAddress!.port}/ws/gone0`;
  const viewers = [
    await RfbClient.connect({ host: "127.0.0.1", port: gone!.vnc!.port }, { encodings: [Encoding.Tight, Encoding.CopyRect] }),
    await RfbClient.connect({ url: web }, { encodings: [Encoding.ZRLE] }),
  ];
  const other = await RfbClient.connect({ host: "127.0.0.1", port: stays!.vnc!.port }, { encodings: [Encoding.Hextile] });
  try {
    for (const c of [...viewers, other]) await guestFrame(c);
    for (const c of viewers) keepRequesting(c);
    const closedAll = Promise.all(viewers.map((c) => c.waitClosed()));
    const parentTypes = vgpu.kernel.bus.types("mbochs").find((t) => t.id === "mbochs-medium")!;
    const instancesBefore = parentTypes.availableInstances();

    await vgpu.remove();
    await closedAll;

    assert.equal(vgpu.state.state, "removed");
    assert.equal(gone!.console.displayOn, false, "the console is off");
    // the last frame they got says why: the reason drawn on a dark background (decoding may end after the close)
    const removedScreen = (px: Uint32Array): boolean => px.every((p) => (p & 0xffffff) === 0x202020 || (p & 0xffffff) === 0xe0e0e0);
    for (const c of viewers) {
      await waitFor(`the ${c.transportKind} viewer's last frame is the 'removed' screen`, () => removedScreen(c.framebuffer.pixels), { timeoutMs: 5000 });
      assert.ok(c.framebuffer.pixels.some((p) => (p & 0xffffff) === 0xe0e0e0), "with text on it");
    }
    assert.equal(logs.filter((l) => l === "closing VNC client: device gone0 removed").length, 2, logs.join(" | "));
    assert.ok(logs.includes("vGPU gone0: device removed"), logs.join(" | "));
    // its VNC port is closed; the kernel model has no fd of it and the type has its instance back
    const refused = await new Promise<string>((r) => connect(gone!.vnc!.port, "127.0.0.1").on("error", (e: NodeJS.ErrnoException) => r(e.code ?? "")).on("connect", () => r("connected")));
    assert.equal(refused, "ECONNREFUSED");
    assert.equal(vgpu.kernel.fds.openCount(), 0);
    assert.equal(vgpu.kernel.bus.list().length, 0);
    assert.equal(parentTypes.availableInstances(), instancesBefore + 1);
    // the web API reports it; the other device keeps serving
    const list = (await (await fetch(`http://127.0.0.1:${host.webAddress!.port}/api/devices`)).json()) as Array<{ id: string; state: string; stateReason: string | null }>;
    assert.deepEqual(list.map((d) => [d.id, d.state, d.stateReason]), [["gone0", "removed", "device removed"], ["stays1", "running", null]]);
    other.framebuffer.pixels.fill(0);
    await guestFrame(other);
    assert.equal(host.vgpus[1]!.state.state, "running");
  } finally {
    for (const c of [...viewers, other]) c.close();
    await host.close();
  }
});

test("a guest worker that dies is logged and rebooted; one that keeps dying is marked failed; the VNC server serves throughout", async () => {
  const logs: string[] = [];
  const vgpu = await ModelVgpu.start({
    id: "crashy",
    driver: "bochs",
    workload: { kind: "test-pattern", options: { seed: 4, mode: { width: 320, height: 240 } } },
    rateHz: 30,
    maxGuestRestartsPerMinute: 1,
    log: (m) => logs.push(m),
  });
  const states: VgpuState[] = [];
  vgpu.onStateChange((s) => states.push(s.state));
  const server = new RfbServer({ console: vgpu.console, security: [new NoneSecurity()], tcp: { host: "127.0.0.1", port: 0 } });
  const { tcp } = await server.listen();
  const client = await RfbClient.connect({ host: "127.0.0.1", port: tcp!.port }, { encodings: [Encoding.Raw] });
  try {
    await guestFrame(client);
    const first = vgpu.vcpu;
    await first.kill();
    await waitFor("the guest rebooted", () => vgpu.state.state === "running" && vgpu.vcpu !== first && vgpu.vcpu.frames > 0);
    assert.deepEqual(states, ["restarting", "running"]);
    assert.equal(vgpu.state.guestRestarts, 1);
    assert.ok(logs.some((l) => /^vGPU crashy: the guest died: guest worker exited \(code 1\)$/.test(l)), logs.join(" | "));
    assert.ok(logs.includes("vGPU crashy: the guest was restarted"));
    client.framebuffer.pixels.fill(0);
    await guestFrame(client);

    // a second death within the minute: over the limit of 1, the vGPU is failed and stays so
    await vgpu.vcpu.kill();
    await waitFor("failed", () => vgpu.state.state === "failed");
    assert.match(vgpu.state.reason ?? "", /the guest died/);
    assert.ok(logs.some((l) => /died 2 times within a minute; marked failed/.test(l)), logs.join(" | "));
    // input to a dead guest is dropped, not thrown at the client; the server still answers with the last frame
    client.pointerEvent(1, 10, 10);
    client.keyEvent(true, 0x61);
    client.framebuffer.pixels.fill(0);
    await guestFrame(client);
    assert.equal(server.stats.clients, 1);
    assert.equal(client.closed, false);
  } finally {
    client.close();
    await server.close();
    await vgpu.stop();
  }
  assert.equal(vgpu.kernel.fds.openCount(), 0, "stop released the host and guest fds");
});

test("the consumer restarted while the old one's dma-buf fds are still held: no leak, no stale frame, the new consumer works", () => {
  const { kernel, uuid, dev, guest } = bochsFixture();
  guest.setMode({ width: 640, height: 480 });
  guest.fill(0, 0, 640, 480, 0x00112233);
  const baseline = kernel.fds.openCount(); // the fixture's consumer and guest fds
  const a = new DisplayConsumer(dev);
  a.start();
  a.refresh();
  assert.equal(a.console.surface!.pixels[0], 0x00112233);
  // someone else (a flip output, a screenshot) holds the current buffer: GET_GFX_DMABUF on the same device
  const plane = new GfxPlaneInfoView();
  assert.equal(queryPlane(dev, "dmabuf", DrmPlaneType.PRIMARY, plane), 0);
  const idArg = new Uint8Array(4);
  setU32(idArg, 0, plane.id);
  const outstanding = dev.ioctl(VFIO_DEVICE_GET_GFX_DMABUF, idArg);
  assert.ok(outstanding > 0);
  const heldByA = kernel.fds.openCount() - baseline - 1;
  assert.ok(heldByA >= 1, "consumer A holds its dma-buf fds");

  a.stop();
  assert.equal(kernel.fds.openCount(), baseline + 1, "A closed every fd it had; only the outstanding one is left");
  // the guest moves on while no consumer runs: a new mode and new pixels
  guest.setMode({ width: 800, height: 600 });
  guest.fill(0, 0, 800, 600, 0x00445566);

  const devB = kernel.openDevice(uuid);
  assert.ok(typeof devB !== "number");
  const b = new DisplayConsumer(devB);
  b.start();
  b.refresh();
  const s = b.console.surface!;
  assert.deepEqual([s.width, s.height, s.pixels[0], s.pixels[599 * 800 + 10]], [800, 600, 0x00445566, 0x00445566], "B shows now, not A's last frame");
  guest.fill(10, 10, 4, 4, 0x00ff0000);
  b.refresh();
  assert.equal(s.pixels[10 * 800 + 10], 0x00ff0000);
  // the old buffer is still valid for whoever holds it, then goes when they close it
  assert.ok(typeof dev.dmaBuf(outstanding) !== "number");
  assert.equal(kernel.fds.close(outstanding), 0);
  b.stop();
  devB.close();
  assert.equal(kernel.fds.openCount(), baseline, "back to the fixture's own fds");
});
