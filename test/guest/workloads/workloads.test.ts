/**
 * The workloads on real model devices (mbochs through the host-kernel model, and mdpy), observed from the
 * host side the way a display consumer sees them: QUERY_GFX_PLANE, dma-buf ids, dma-buf pixels.
 *
 * Golden hashes: golden.json pins the host-visible frame hash of each workload for one seed. After an
 * intended change to what a workload draws, regenerate with
 *   UPDATE_WORKLOAD_GOLDEN=1 node --import tsx --test test/guest/workloads/workloads.test.ts
 * and commit golden.json with the change.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMdpyParent } from "../../../src/drivers/mdpy/index.ts";
import { BochsDisplay } from "../../../src/guest/bochs-display.ts";
import type { BitmapFont } from "../../../src/guest/font/psf.ts";
import { terminus16 } from "../../../src/guest/font/terminus.ts";
import type { CursorImage, DisplayMode, GuestDisplay, LinearImage } from "../../../src/guest/guest-display.ts";
import { MdpyDisplay } from "../../../src/guest/mdpy-display.ts";
import { MdpyGuest } from "../../../src/guest/mdpy-guest.ts";
import { ConsoleWorkload } from "../../../src/guest/workloads/console.ts";
import { arrowCursor } from "../../../src/guest/workloads/cursor-image.ts";
import { DesktopWorkload } from "../../../src/guest/workloads/desktop.ts";
import { createImage, fillRect } from "../../../src/guest/workloads/draw.ts";
import { chordEvents, Keysym, keysymEventsFor, scancodeEventsFor } from "../../../src/guest/workloads/input.ts";
import { ModeFollowWorkload } from "../../../src/guest/workloads/mode-follow.ts";
import { encodePng } from "../../../src/guest/workloads/png.ts";
import { createWorkload, type WorkloadSpec } from "../../../src/guest/workloads/registry.ts";
import { WorkloadRunner } from "../../../src/guest/workloads/runner.ts";
import { SessionWorkload } from "../../../src/guest/workloads/session.ts";
import { VGA_PALETTE } from "../../../src/guest/workloads/text-grid.ts";
import type { Workload } from "../../../src/guest/workloads/workload.ts";
import { HostKernel } from "../../../src/kernel/host-kernel.ts";
import { bochsFixture } from "../../helpers/bochs-fixture.ts";
import { nextUuid } from "../../helpers/ioctl-args.ts";
import { publishEdid } from "./edid.ts";
import { hostFrame, primaryDmabufId, type HostFrame } from "./host-view.ts";

const GREY = VGA_PALETTE[7]!;
const BLACK = VGA_PALETTE[0]!;
const VGA: DisplayMode = { width: 640, height: 480 };

function bochs(type = "mbochs-medium") {
  const f = bochsFixture({ type });
  return { ...f, display: new BochsDisplay(f.guest) };
}

function run(workload: Workload, display: GuestDisplay, frames: number, rateHz = 60): WorkloadRunner {
  const r = new WorkloadRunner(workload, display, { rateHz });
  r.step(frames);
  return r;
}

/** Where cell (col, row) of `font` differs from glyph `ch` in fg on bg (empty when it matches). */
function cellMismatches(frame: HostFrame | LinearImage, font: BitmapFont, col: number, row: number, ch: string, fg: number, bg: number, rows = font.height): string[] {
  const px = "pixel" in frame ? frame.pixel : (x: number, y: number) => frame.pixels[y * frame.stridePixels + x]!;
  const g = font.glyphFor(ch.codePointAt(0)!);
  const bad: string[] = [];
  for (let y = 0; y < rows; y++) for (let x = 0; x < font.width; x++) {
    const want = font.pixel(g, x, y) ? fg : bg;
    const got = px(col * font.width + x, row * font.height + y);
    if (got !== want) bad.push(`(${x},${y}) ${got.toString(16)} != ${want.toString(16)}`);
  }
  return bad;
}

/** Whether the arrow cursor's opaque pixels are at (x, y) of the frame. */
function arrowAt(frame: HostFrame, x: number, y: number): boolean {
  const a = arrowCursor();
  for (let j = 0; j < a.height; j++) for (let i = 0; i < a.width; i++) {
    const v = a.pixels[j * a.width + i]!;
    if (v >>> 24 === 0) continue;
    if (frame.pixel(x + i, y + j) !== (v & 0xffffff)) return false;
  }
  return true;
}

// ---------------------------------------------------------------- determinism

const SPECS: Record<string, (seed: number) => WorkloadSpec> = {
  console: (seed) => ({ kind: "console", options: { seed, mode: VGA, bootLines: 30, bootMs: 400, autologin: "root" } }),
  desktop: (seed) => ({ kind: "desktop", options: { seed, mode: VGA } }),
  video: (seed) => ({ kind: "video", options: { seed, mode: VGA } }),
  session: (seed) => ({ kind: "session", options: { seed, mode: VGA, initialVt: 1 } }),
};
const FRAMES = 30;

function hashAfter(spec: WorkloadSpec, frames = FRAMES): string {
  const { dev, display } = bochs();
  run(createWorkload(spec), display, frames);
  return hostFrame(dev).hash;
}

const GOLDEN_FILE = new URL("./golden.json", import.meta.url);

test("each workload is deterministic for a seed: same seed same host frame, other seed another; pinned golden hashes", () => {
  const got: Record<string, string> = {};
  for (const [name, spec] of Object.entries(SPECS)) {
    const a = hashAfter(spec(1));
    assert.equal(hashAfter(spec(1)), a, `${name}: two runs with seed 1`);
    assert.notEqual(hashAfter(spec(2)), a, `${name}: seed 2 differs from seed 1`);
    got[name] = a;
  }
  if (process.env.UPDATE_WORKLOAD_GOLDEN) {
    writeFileSync(GOLDEN_FILE, `${JSON.stringify(got, null, 2)}\n`);
    return;
  }
  const golden = JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Record<string, string>;
  assert.deepEqual(got, golden, "frame hashes changed: if intended, regenerate golden.json (see the top of this file)");
});

// ---------------------------------------------------------------- pointer

test("desktop without a cursor plane draws the arrow where the pointer is, and only there", () => {
  const { dev, display } = bochs();
  const desk = new DesktopWorkload({ seed: 3, mode: { width: 1024, height: 768 } });
  const r = run(desk, display, 2);
  r.input({ type: "pointer", x: 300, y: 250, buttons: 0 });
  r.step(1);
  let f = hostFrame(dev);
  assert.ok(arrowAt(f, 300, 250), "arrow at the first position");
  assert.ok(!arrowAt(f, 500, 400), "no arrow at the second position yet");
  r.input({ type: "pointer", x: 500, y: 400, buttons: 0 });
  r.step(1);
  f = hostFrame(dev);
  assert.ok(arrowAt(f, 500, 400), "arrow follows the pointer");
  assert.ok(!arrowAt(f, 300, 250), "and is gone from where it was");
  assert.deepEqual(desk.pointerPosition, { x: 500, y: 400 });
  // Off-screen pointer input is clamped to the screen.
  r.input({ type: "pointer", x: 5000, y: -3, buttons: 0 });
  r.step(1);
  assert.deepEqual(desk.pointerPosition, { x: 1023, y: 0 });
});

/**
 * No model device has a cursor plane yet (the GVT one will): this wraps a real BochsDisplay and records the
 * cursor-plane calls, to check the desktop's side of that contract.
 */
class CursorPlaneRecorder implements GuestDisplay {
  readonly hasCursor = true;
  readonly calls: string[] = [];
  image: CursorImage | undefined;
  position: { x: number; y: number } | undefined;
  constructor(private readonly inner: BochsDisplay) {}
  get maxMode() { return this.inner.maxMode; }
  get mode() { return this.inner.mode; }
  get bufferCount() { return this.inner.bufferCount; }
  setMode(m: DisplayMode) { this.inner.setMode(m); }
  disable() { this.inner.disable(); }
  buffer(n: number) { return this.inner.buffer(n); }
  present(n: number) { this.inner.present(n); }
  setCursor(image: CursorImage | undefined) { this.calls.push(image ? "set" : "hide"); this.image = image; }
  moveCursor(x: number, y: number) { this.calls.push("move"); this.position = { x, y }; }
  preferredMode() { return this.inner.preferredMode(); }
}

test("desktop with a cursor plane moves the plane (pointer − hotspot) and draws no arrow into the frame", () => {
  const { dev, display } = bochs();
  const rec = new CursorPlaneRecorder(display);
  const r = run(new DesktopWorkload({ seed: 3, mode: { width: 1024, height: 768 } }), rec, 1);
  r.input({ type: "pointer", x: 300, y: 250, buttons: 0 });
  r.step(1);
  assert.equal(rec.image?.width, arrowCursor().width);
  assert.deepEqual(rec.position, { x: 300 - rec.image!.hotX, y: 250 - rec.image!.hotY });
  assert.ok(!arrowAt(hostFrame(dev), 300, 250));
  const moves = rec.calls.filter((c) => c === "move").length;
  r.step(3);
  assert.equal(rec.calls.filter((c) => c === "move").length, moves, "no plane update while the pointer rests");
  r.input({ type: "pointer", x: 10, y: 20, buttons: 0 });
  r.step(1);
  assert.deepEqual(rec.position, { x: 10, y: 20 });
});

test("desktop: a click raises the window under the pointer, a title-bar drag moves it", () => {
  const { display } = bochs();
  const desk = new DesktopWorkload({ seed: 5, mode: { width: 1024, height: 768 } });
  const r = run(desk, display, 1);
  // A window below the top one, and a spot of its title bar that no window above it covers.
  const titles = desk.stacking;
  let pick: { title: string; spot: { x: number; y: number } } | undefined;
  for (let i = 0; i < titles.length - 1 && !pick; i++) {
    const rect = desk.windowRect(titles[i]!)!;
    const above = titles.slice(i + 1).map((t) => desk.windowRect(t)!);
    for (let x = rect.x + 2; x < rect.x + rect.w - 60 && !pick; x += 4) {
      const y = rect.y + 5;
      if (!above.some((o) => x >= o.x && x < o.x + o.w && y >= o.y && y < o.y + o.h)) pick = { title: titles[i]!, spot: { x, y } };
    }
  }
  assert.ok(pick, "some lower window's title bar shows");
  const bottom = pick!.title;
  const spot = pick!.spot;
  const rect = desk.windowRect(bottom)!;
  r.input({ type: "pointer", ...spot!, buttons: 1 });
  r.input({ type: "pointer", x: spot!.x + 40, y: spot!.y + 30, buttons: 1 });
  r.input({ type: "pointer", x: spot!.x + 40, y: spot!.y + 30, buttons: 0 });
  r.step(1);
  assert.equal(desk.stacking.at(-1), bottom, "raised to the top");
  const moved = desk.windowRect(bottom)!;
  assert.deepEqual([moved.x, moved.y], [rect.x + 40, rect.y + 30]);
  r.step(30);
  assert.deepEqual([desk.windowRect(bottom)!.x, desk.windowRect(bottom)!.y], [rect.x + 40, rect.y + 30], "dropped windows stay");
});

// ---------------------------------------------------------------- console keys

test("console: typed keys (scancodes and keysyms) appear as glyphs at the prompt; Backspace erases; Enter runs the line", () => {
  const { dev, display } = bochs();
  const con = new ConsoleWorkload({ seed: 9, mode: VGA, bootLines: 12, bootMs: 150, autologin: "root", blinkMs: 0 });
  const r = new WorkloadRunner(con, display, { rateHz: 60 });
  r.runUntil(300);
  assert.equal(con.phase, "shell");
  const font = terminus16();
  const { cx, cy } = con.screen;
  assert.equal(con.screen.rowText(cy), "root@vgpu:~#");
  for (const e of scancodeEventsFor("Az")) r.input(e);
  r.step(1);
  let f = hostFrame(dev);
  assert.deepEqual(cellMismatches(f, font, cx, cy, "A", GREY, BLACK), [], "A at the prompt");
  assert.deepEqual(cellMismatches(f, font, cx + 1, cy, "z", GREY, BLACK), [], "z after it");
  r.input({ type: "key", down: true, keysym: Keysym.BackSpace });
  r.input({ type: "key", down: false, keysym: Keysym.BackSpace });
  r.step(1);
  f = hostFrame(dev);
  // The erased cell is blank above the underline cursor that now sits there.
  assert.deepEqual(cellMismatches(f, font, cx + 1, cy, " ", GREY, BLACK, font.height - 2), []);
  assert.equal(f.pixel((cx + 1) * font.width, cy * font.height + font.height - 1), GREY, "cursor underline");
  for (const e of keysymEventsFor("\recho hi\r")) r.input(e);
  r.step(1);
  const s = con.screen;
  assert.equal(s.rowText(cy), "root@vgpu:~# A");
  assert.equal(s.rowText(cy + 1), "-bash: A: command not found");
  assert.equal(s.rowText(cy + 2), "root@vgpu:~# echo hi");
  assert.equal(s.rowText(cy + 3), "hi");
  assert.equal(s.rowText(cy + 4), "root@vgpu:~#");
  f = hostFrame(dev);
  assert.deepEqual(cellMismatches(f, font, 0, cy + 3, "h", GREY, BLACK), []);
  assert.deepEqual(cellMismatches(f, font, 1, cy + 3, "i", GREY, BLACK), []);
});

test("console: login prompt with a password that is not echoed; host clipboard is pasted; `| xclip` copies", () => {
  const { display } = bochs();
  const con = new ConsoleWorkload({ seed: 4, mode: VGA, bootLines: 5, bootMs: 50 });
  const copies: string[] = [];
  con.onClipboard((o) => copies.push(o.text));
  const r = new WorkloadRunner(con, display, { rateHz: 60 });
  for (const e of keysymEventsFor("alice\rsecret\r")) r.input(e); // typed during the boot: kept for the prompt
  r.runUntil(200);
  assert.equal(con.phase, "shell");
  const text = Array.from({ length: con.screen.rows }, (_, i) => con.screen.rowText(i)).join("\n");
  assert.match(text, /vgpu login: alice\nPassword:\n/);
  assert.doesNotMatch(text, /secret/);
  r.clipboard("echo pasted | xclip\n");
  r.step(1);
  assert.deepEqual(copies, ["pasted"]);
  assert.equal(con.clipboardOut?.serial, 1);
  assert.equal(con.screen.rowText(con.screen.cy), "alice@vgpu:~$");
});

// ---------------------------------------------------------------- page flips and console switching

test("desktop page-flips: the host sees two dma-buf ids alternate", () => {
  const { dev, display } = bochs();
  const r = new WorkloadRunner(new DesktopWorkload({ seed: 1, mode: { width: 1024, height: 768 } }), display, { rateHz: 60 });
  const ids: number[] = [];
  for (let i = 0; i < 8; i++) {
    r.step(1);
    ids.push(primaryDmabufId(dev)!);
  }
  assert.equal(new Set(ids).size, 2, `ids ${ids}`);
  for (let i = 1; i < ids.length; i++) assert.notEqual(ids[i], ids[i - 1], `frame ${i} flipped`);
});

test("console switch: Ctrl-Alt-F1/F2 flip between console and desktop in the same framebuffers (no new dma-buf ids)", () => {
  const { dev, display } = bochs();
  const session = new SessionWorkload({ seed: 2, mode: VGA, initialVt: 2, console: { bootLines: 10, bootMs: 100, autologin: "root", blinkMs: 0 } });
  const r = new WorkloadRunner(session, display, { rateHz: 60 });
  const seen = new Set<number>();
  const step = (n: number): void => {
    for (let i = 0; i < n; i++) {
      r.step(1);
      seen.add(primaryDmabufId(dev)!);
    }
  };
  step(4);
  const desktopIds = new Set(seen);
  assert.equal(desktopIds.size, 2);
  const desktopHash = hostFrame(dev).hash;
  for (const e of chordEvents(Keysym.Control_L, Keysym.Alt_L, Keysym.F1)) r.input(e);
  step(3);
  assert.equal(session.vt, 1);
  // What the host shows now is the console: its first row's glyphs, in the console's colours.
  const font = terminus16();
  const f = hostFrame(dev);
  const row0 = session.console.screen.rowText(0);
  for (let c = 0; c < 6; c++) assert.deepEqual(cellMismatches(f, font, c, 0, row0[c] ?? " ", GREY, BLACK), [], `console cell ${c}`);
  // Keys go to the VT on screen (once the console has booted to its shell).
  while (session.console.phase !== "shell") step(1);
  for (const e of keysymEventsFor("echo on-tty1\r")) r.input(e);
  step(1);
  assert.ok(Array.from({ length: 30 }, (_, i) => session.console.screen.rowText(i)).includes("on-tty1"));
  assert.equal(session.desktop.notesText, "");
  // Back to the desktop by scancodes (QEMU extended key events), and once more to the console.
  for (const e of [
    { type: "key" as const, down: true, scancode: 0x1d },
    { type: "key" as const, down: true, scancode: 0x38 },
    { type: "key" as const, down: true, scancode: 0x3c },
    { type: "key" as const, down: false, scancode: 0x3c },
    { type: "key" as const, down: false, scancode: 0x38 },
    { type: "key" as const, down: false, scancode: 0x1d },
  ]) r.input(e);
  step(4);
  assert.equal(session.vt, 2);
  assert.notEqual(hostFrame(dev).hash, f.hash, "the desktop is back");
  assert.notEqual(hostFrame(dev).hash, desktopHash, "and its clock and windows moved on meanwhile");
  for (const e of chordEvents(Keysym.Control_R, Keysym.Alt_R, Keysym.F1)) r.input(e);
  step(2);
  assert.equal(session.vt, 1);
  assert.equal(session.switches, 3);
  assert.deepEqual([...seen].sort(), [...desktopIds].sort(), "only the two framebuffers the desktop used, ever");
});

test("video changes (nearly) every pixel every frame, double-buffered", () => {
  const { dev, display } = bochs();
  const r = run(createWorkload({ kind: "video", options: { seed: 1, mode: VGA } }), display, 3);
  const a = hostFrame(dev);
  const idA = primaryDmabufId(dev);
  r.step(1);
  const b = hostFrame(dev);
  assert.notEqual(primaryDmabufId(dev), idA, "a flip per frame");
  let changed = 0;
  for (let i = 0; i < a.image.pixels.length; i++) if (a.image.pixels[i] !== b.image.pixels[i]) changed++;
  assert.ok(changed / a.image.pixels.length > 0.95, `${changed} of ${a.image.pixels.length} pixels changed`);
});

// ---------------------------------------------------------------- mode change

test("mode change: the guest follows the EDID the host publishes (set mode, redraw); a mode too large is refused", () => {
  const { dev, display } = bochs();
  const follow = new ModeFollowWorkload({ seed: 1, mode: { width: 1024, height: 768 }, pollMs: 0 });
  const r = run(follow, display, 2);
  assert.deepEqual([hostFrame(dev).info.width, hostFrame(dev).info.height], [1024, 768]);
  publishEdid(dev, 1280, 720);
  r.step(1);
  let f = hostFrame(dev);
  assert.deepEqual([f.info.width, f.info.height], [1280, 720]);
  assert.deepEqual(display.mode, { width: 1280, height: 720 });
  // The test pattern was redrawn for the new size: white border at the new corners, label text centred.
  assert.equal(f.pixel(0, 0), 0xffffff);
  assert.equal(f.pixel(1279, 0), 0xffffff);
  assert.equal(f.pixel(1279, 360), 0xffffff);
  assert.equal(f.pixel(640, 100), 0xffffff, "vertical centre line at the new centre");
  publishEdid(dev, 640, 480);
  r.step(1);
  f = hostFrame(dev);
  assert.deepEqual([f.info.width, f.info.height], [640, 480]);
  assert.equal(f.pixel(320, 50), 0xffffff);
  publishEdid(dev, 3840, 2160); // more than mbochs-medium's 16 MiB can hold
  r.step(2);
  assert.deepEqual(display.mode, { width: 640, height: 480 });
  assert.deepEqual(follow.changes, [{ width: 1280, height: 720 }, { width: 640, height: 480 }]);
  assert.equal(follow.refused.length, 1);
});

test("mode change under the desktop and the session: they re-lay out for the new size", () => {
  for (const inner of ["desktop", "session"] as const) {
    const { dev, display } = bochs();
    const spec: WorkloadSpec = { kind: "mode-follow", options: { seed: 1, pollMs: 50 }, inner: { kind: inner, options: { seed: 1, mode: VGA } } };
    const r = run(createWorkload(spec), display, 2);
    publishEdid(dev, 1024, 576);
    r.step(6);
    const f = hostFrame(dev);
    assert.deepEqual([f.info.width, f.info.height], [1024, 576], inner);
  }
});

// ---------------------------------------------------------------- replay

test("replay plays a directory of PNG frames at its own rate, scaled or 1:1, looping or holding the last", () => {
  const dir = mkdtempSync(join(tmpdir(), "replay-"));
  try {
    const colours = [0xff0000, 0x00ff00, 0x0000ff];
    colours.forEach((c, i) => {
      const img = createImage(64, 48);
      fillRect(img, 0, 0, 64, 48, c);
      fillRect(img, 0, 0, 8, 8, 0xffffff); // a white top-left marker
      writeFileSync(join(dir, `frame${i + 1}.png`), encodePng(img));
    });
    writeFileSync(join(dir, "notes.txt"), "not a frame");
    const { dev, display } = bochs();
    const r = new WorkloadRunner(createWorkload({ kind: "replay", options: { seed: 0, dir, fps: 10, mode: VGA } }), display, { rateHz: 60 });
    const centre: number[] = [];
    for (let i = 0; i < 24; i++) {
      r.step(1);
      centre.push(hostFrame(dev).pixel(320, 240));
    }
    // 10 fps under a 60 Hz runner: six frames each, then it loops.
    assert.deepEqual(centre, [...colours, colours[0]!].flatMap((c) => Array<number>(6).fill(c)));
    // Scaled to fit 640x480 (x10): the 8x8 marker becomes 80x80 at the top-left.
    const f = hostFrame(dev);
    assert.equal(f.pixel(79, 79), 0xffffff);
    assert.equal(f.pixel(81, 81), 0xff0000);
    const one = bochs();
    const held = new WorkloadRunner(createWorkload({ kind: "replay", options: { seed: 0, dir, fps: 10, mode: VGA, loop: false, fit: "center" } }), one.display, { rateHz: 10 });
    held.step(7);
    const g = hostFrame(one.dev);
    assert.equal(g.pixel(320, 240), 0x0000ff, "held on the last frame");
    assert.equal(g.pixel(10, 10), 0, "1:1 leaves black around the frame");
    assert.equal(g.pixel(320 - 32, 240 - 24), 0xffffff, "marker at the frame's own top-left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- other drivers and rates

test("on mdpy (one fixed mode, one buffer) the workloads draw in place and stay deterministic", () => {
  const kernel = new HostKernel().registerParent(createMdpyParent());
  const hashes: string[] = [];
  for (let i = 0; i < 2; i++) {
    const uuid = nextUuid();
    assert.equal(kernel.bus.create("mdpy", "mdpy-vga", uuid), 0);
    const dev = kernel.openDevice(uuid);
    assert.ok(typeof dev !== "number");
    const display = new MdpyDisplay(MdpyGuest.attach(dev));
    run(new SessionWorkload({ seed: 6, initialVt: 2 }), display, 10, 10);
    const f = hostFrame(dev, "region");
    assert.deepEqual([f.info.width, f.info.height], [640, 480]);
    hashes.push(f.hash);
  }
  assert.equal(hashes[0], hashes[1]);
});

test("the runner: virtual time is frame × period whatever the rate; input waits for the next frame", () => {
  const seen: number[] = [];
  const probe: Workload = {
    name: "probe",
    clipboardOut: undefined,
    start() {},
    frame(t) { seen.push(t); },
    input() { seen.push(-1); },
    clipboard() {},
    onClipboard() {},
    resized() {},
  };
  const { display } = bochs();
  const r = new WorkloadRunner(probe, display, { rateHz: 10 });
  r.step(3);
  r.input({ type: "pointer", x: 1, y: 1, buttons: 0 });
  assert.deepEqual(seen, [0, 100, 200], "input is not delivered before the next frame");
  r.step(1);
  assert.deepEqual(seen, [0, 100, 200, -1, 300]);
  assert.throws(() => new WorkloadRunner(probe, display, { rateHz: 0 }), RangeError);
});

test("runRealtime paces frames at the set rate with the same virtual timestamps", async () => {
  const times: number[] = [];
  const probe: Workload = {
    name: "probe", clipboardOut: undefined, start() {}, frame(t) { times.push(t); }, input() {}, clipboard() {}, onClipboard() {}, resized() {},
  };
  const { display } = bochs();
  const r = new WorkloadRunner(probe, display, { rateHz: 50 });
  const stats = await r.runRealtime({ maxFrames: 10 }).done;
  assert.equal(stats.frames, 10);
  assert.deepEqual(times, Array.from({ length: 10 }, (_, i) => i * 20));
  assert.ok(stats.wallMs >= 9 * 20 * 0.8, `10 frames at 50 Hz take about 180 ms (took ${stats.wallMs})`);
});
