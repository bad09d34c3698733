/**
 * TigerVNC's vncviewer (1.12) under a private Xvfb: it must draw the Console exactly with every lossless
 * encoding it can be pinned to, within JPEG error with Tight JPEG, and its keys and pointer must reach the
 * guest. Security: VeNCrypt TLSNone (anonymous DH) and X509None (our self-signed certificate given as
 * -X509CA, so nothing asks interactively), VNC authentication with a vncpasswd-obfuscated -passwd file,
 * and a wrong password refused.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTool, startProcess, type RunningProcess } from "../../helpers/child-process.ts";
import { crop, diffPixels, makeTestPicture, psnr } from "../../helpers/test-picture.ts";
import { startVncServer, type ServerUnderTest } from "../../helpers/vnc-server.ts";
import { waitFor } from "../../helpers/wait-for.ts";
import { parseXwd } from "../../helpers/xwd.ts";
import { startXvfb, type Xvfb } from "../../helpers/xvfb.ts";
import { ModelVgpu } from "../../../src/vmm/model-vgpu.ts";
import { VeNCryptSecurity, VeNCryptSubtype } from "../../../src/rfb/security/vencrypt.ts";
import { VncAuthSecurity } from "../../../src/rfb/security/vnc-auth.ts";
import { selfSignedCertificate } from "../../../src/rfb/security/tls-certificate.ts";

const dir = mkdtempSync(join(tmpdir(), "vnc-tigervnc-"));
let xvfb: Xvfb;
const viewers = new Set<RunningProcess>();

before(async () => {
  xvfb = await startXvfb({ width: 1280, height: 1024 });
});
after(async () => {
  for (const v of viewers) await v.stop();
  await xvfb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Viewer {
  proc: RunningProcess;
  window: string;
  stop(): Promise<void>;
}

function startViewer(port: number, args: readonly string[]): RunningProcess {
  // HOME in our temp dir: the viewer keeps no settings or known-certificate files in the real one
  const proc = startProcess("vncviewer", [...args, `127.0.0.1::${port}`], { env: { ...xvfb.env, HOME: dir } }, "vncviewer");
  viewers.add(proc);
  return proc;
}

async function openViewer(port: number, args: readonly string[]): Promise<Viewer> {
  const proc = startViewer(port, args);
  const window = await waitFor(`vncviewer's desktop window (${args.join(" ")})`, async () => {
    if (!proc.running) throw new Error(`vncviewer exited: ${proc.output}`);
    const r = await runTool("xdotool", ["search", "--onlyvisible", "--pid", String(proc.pid), "--name", "TigerVNC"], { env: xvfb.env, timeoutMs: 5000 });
    return r.stdout.trim().split("\n").filter(Boolean).pop();
  }, { timeoutMs: 15_000, intervalMs: 100 });
  return {
    proc,
    window,
    stop: async () => {
      await proc.stop();
      viewers.delete(proc);
    },
  };
}

let grabs = 0;
async function grab(window: string): Promise<{ width: number; height: number; pixels: Uint32Array }> {
  const file = join(dir, `grab-${grabs++}.xwd`);
  const r = await runTool("xwd", ["-id", window, "-silent", "-out", file], { env: xvfb.env, timeoutMs: 5000 });
  if (r.code !== 0) throw new Error(`xwd failed: ${r.stderr}`);
  const img = parseXwd(readFileSync(file));
  rmSync(file);
  return img;
}

/** Poll the viewer's window until its top-left desktop-sized area satisfies `ok`; return the last measure. */
async function waitForPicture(
  viewer: Viewer,
  expected: { width: number; height: number; pixels: Uint32Array },
  ok: (shown: Uint32Array) => boolean,
  describe: (shown: Uint32Array) => string,
  vnc: ServerUnderTest,
): Promise<Uint32Array> {
  let last = "nothing grabbed";
  try {
    return await waitFor("the console's picture in vncviewer", async () => {
      const img = await grab(viewer.window);
      if (img.width < expected.width || img.height < expected.height) return ((last = `window ${img.width}x${img.height}`), undefined);
      const shown = crop(img.pixels, img.width, expected.width, expected.height);
      last = describe(shown);
      return ok(shown) ? shown : undefined;
    }, { timeoutMs: 15_000, intervalMs: 150 });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last: ${last}\nviewer: ${viewer.proc.output}\nserver:\n${vnc.log}`);
  }
}

describe("vncviewer draws a still picture", () => {
  const picture = makeTestPicture(517, 389, 11);
  let vnc: ServerUnderTest;
  before(async () => {
    vnc = await startVncServer({ surface: picture });
  });
  after(() => vnc?.close());

  const lossless: [string, string[]][] = [
    ["ZRLE", ["-AutoSelect=0", "-PreferredEncoding=ZRLE", "-FullColor"]],
    ["Hextile", ["-AutoSelect=0", "-PreferredEncoding=Hextile", "-FullColor"]],
    ["Raw", ["-AutoSelect=0", "-PreferredEncoding=Raw", "-FullColor"]],
    ["Tight without JPEG", ["-AutoSelect=0", "-PreferredEncoding=Tight", "-NoJPEG", "-FullColor"]],
    ["ZRLE at the lowest compression level", ["-AutoSelect=0", "-PreferredEncoding", "ZRLE", "-CompressLevel=0"]],
  ];
  for (const [name, args] of lossless) {
    test(`${name}: the window shows the console exactly`, async () => {
      const v = await openViewer(vnc.tcpPort, ["-Shared", "-SecurityTypes", "None", ...args]);
      try {
        await waitForPicture(v, picture, (s) => diffPixels(picture.pixels, s, picture.width).differing === 0, (s) => JSON.stringify(diffPixels(picture.pixels, s, picture.width)), vnc);
      } finally {
        await v.stop();
      }
    });
  }

  test("Tight with JPEG (quality 9): the window is within 30 dB of the console", async () => {
    const v = await openViewer(vnc.tcpPort, ["-Shared", "-SecurityTypes", "None", "-AutoSelect=0", "-PreferredEncoding=Tight", "-QualityLevel=9", "-FullColor"]);
    try {
      const shown = await waitForPicture(v, picture, (s) => psnr(picture.pixels, s) >= 30, (s) => `PSNR ${psnr(picture.pixels, s).toFixed(2)} dB`, vnc);
      // lossy, but lossy somewhere: the solid band is a Tight fill and must be exact
      const band = crop(shown, picture.width, picture.width, 90);
      assert.equal(diffPixels(crop(picture.pixels, picture.width, picture.width, 90), band, picture.width).differing, 0);
    } finally {
      await v.stop();
    }
  });

  test("default settings (AutoSelect): the picture arrives", async () => {
    const v = await openViewer(vnc.tcpPort, ["-Shared", "-SecurityTypes", "None"]);
    try {
      await waitForPicture(v, picture, (s) => psnr(picture.pixels, s) >= 30, (s) => `PSNR ${psnr(picture.pixels, s).toFixed(2)} dB`, vnc);
    } finally {
      await v.stop();
    }
  });
});

describe("vncviewer's keys and pointer reach a GVT guest running the desktop", () => {
  let vgpu: ModelVgpu;
  let vnc: ServerUnderTest;
  let viewer: Viewer;
  before(async () => {
    vgpu = await ModelVgpu.start({ id: "tiger0", driver: "gvt", rateHz: 30, workload: { kind: "desktop", options: { seed: 5, mode: { width: 800, height: 600 } } } });
    vgpu.console.addListener({}); // the test looks at the console itself: it is a viewer
    vnc = await startVncServer({ console: vgpu.console });
    await waitFor("the desktop on the console", () => vgpu.console.surface?.width === 800, { timeoutMs: 15_000 });
    viewer = await openViewer(vnc.tcpPort, ["-Shared", "-SecurityTypes", "None", "-AutoSelect=0", "-PreferredEncoding=ZRLE", "-FullColor"]);
    await waitFor("vncviewer connected", () => vnc.server.stats.clients === 1 && vnc.server.stats.updates > 0);
  });
  after(async () => {
    await viewer?.stop();
    await vnc?.close();
    await vgpu?.stop();
  });

  test("the picture in the window follows the moving desktop", async () => {
    // the desktop redraws every frame (drifting windows, a clock): compare with the console as it is now
    await waitForPicture(viewer, { width: 800, height: 600, pixels: new Uint32Array(0) }, (s) => psnr(vgpu.console.surface!.pixels, s) >= 25, (s) => `PSNR ${psnr(vgpu.console.surface!.pixels, s).toFixed(2)} dB`, vnc);
  });

  test("drifting windows arrive as CopyRects; with the guest paused the picture is exact", async () => {
    // vncviewer asks for CopyRect; every window of the desktop drifts, so moves are found every frame
    await waitFor("CopyRects sent to vncviewer", () => vnc.server.stats.copyRects > 20, { timeoutMs: 10_000 });
    await vgpu.vcpu.pause();
    try {
      const console = vgpu.console.surface!;
      await waitForPicture(viewer, console, (s) => diffPixels(console.pixels, s, console.width).differing === 0, (s) => JSON.stringify(diffPixels(console.pixels, s, console.width)), vnc);
    } finally {
      vgpu.vcpu.start();
    }
  });

  test("pointer moves over the window move the guest's cursor plane to the same spot", async () => {
    // Observed with Xvfb: the viewer (FLTK) forwards no absolute warps (`xdotool mousemove`) until it has
    // seen one relative XTEST motion inside its window; after that every move is sent. So: move in, nudge
    // relatively, then make the moves that are checked.
    const geometry = await runTool("xdotool", ["getwindowgeometry", "--shell", viewer.window], { env: xvfb.env });
    const origin = { x: Number(/^X=(\d+)$/m.exec(geometry.stdout)?.[1]), y: Number(/^Y=(\d+)$/m.exec(geometry.stdout)?.[1]) };
    assert.ok(Number.isInteger(origin.x) && Number.isInteger(origin.y), `window geometry: ${geometry.stdout}`);
    assert.equal((await runTool("xdotool", ["mousemove", String(origin.x + 5), String(origin.y + 5)], { env: xvfb.env })).code, 0);
    assert.equal((await runTool("xdotool", ["mousemove_relative", "2", "2"], { env: xvfb.env })).code, 0);
    await waitFor("the nudge reaching the guest", () => vgpu.console.cursorPosition.x + (vgpu.console.cursor?.hotX ?? 0) === 7, { timeoutMs: 5000 });
    for (const [x, y] of [[300, 200], [641, 457], [12, 590]] as const) {
      const r = await runTool("xdotool", ["mousemove", String(origin.x + x), String(origin.y + y)], { env: xvfb.env });
      assert.equal(r.code, 0, r.stderr);
      // the cursor plane sits at pointer − hotspot
      await waitFor(`the guest pointer at ${x},${y}`, () => {
        const p = vgpu.console.cursorPosition;
        const c = vgpu.console.cursor;
        return c !== undefined && p.x + c.hotX === x && p.y + c.hotY === y;
      }, { timeoutMs: 5000 }).catch((e: Error) => assert.fail(`${e.message}: cursor at ${JSON.stringify(vgpu.console.cursorPosition)}\n${vnc.log}`));
    }
  });

  test("typed text goes into Notes; Ctrl-C there puts it on the guest clipboard", async () => {
    const env = xvfb.env;
    assert.equal((await runTool("xdotool", ["windowfocus", "--sync", viewer.window], { env, timeoutMs: 5000 })).code, 0);
    const typed = await runTool("xdotool", ["type", "--delay", "15", "Hi VNC, 42!"], { env, timeoutMs: 10_000 });
    assert.equal(typed.code, 0, typed.stderr);
    await runTool("xdotool", ["key", "ctrl+c"], { env });
    await waitFor("the notes on the guest clipboard", () => vgpu.console.guestClipboard === "Hi VNC, 42!", { timeoutMs: 5000 }).catch((e: Error) =>
      assert.fail(`${e.message}: clipboard ${JSON.stringify(vgpu.console.guestClipboard)}\n${vnc.log}`),
    );
  });
});

describe("vncviewer through the server's security types", () => {
  const picture = makeTestPicture(320, 240, 21);
  const password = "vnc-e2e!";
  let certDir: string;
  let passwdFile: string;
  let wrongPasswdFile: string;
  before(async () => {
    certDir = join(dir, "tls");
    passwdFile = join(dir, "passwd");
    wrongPasswdFile = join(dir, "passwd-wrong");
    // the obfuscated password file format the viewer reads, made by TigerVNC's own tool
    writeFileSync(passwdFile, execFileSync("vncpasswd", ["-f"], { input: `${password}\n` }), { mode: 0o600 });
    writeFileSync(wrongPasswdFile, execFileSync("vncpasswd", ["-f"], { input: "not-it\n" }), { mode: 0o600 });
  });

  async function expectPicture(vnc: ServerUnderTest, args: string[]): Promise<void> {
    const v = await openViewer(vnc.tcpPort, ["-Shared", "-AutoSelect=0", "-PreferredEncoding=ZRLE", "-FullColor", ...args]);
    try {
      await waitForPicture(v, picture, (s) => diffPixels(picture.pixels, s, picture.width).differing === 0, (s) => JSON.stringify(diffPixels(picture.pixels, s, picture.width)), vnc);
      assert.equal(vnc.server.stats.clients, 1);
    } finally {
      await v.stop();
    }
  }

  test("VeNCrypt TLSNone (anonymous TLS)", async () => {
    const vnc = await startVncServer({ surface: picture, security: [new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.TLSNone] })] });
    try {
      await expectPicture(vnc, ["-SecurityTypes", "TLSNone"]);
      assert.match(vnc.log.toString(), /security":"VeNCrypt/);
    } finally {
      await vnc.close();
    }
  });

  test("VeNCrypt X509None with the self-signed certificate as -X509CA", async () => {
    const vnc = await startVncServer({
      surface: picture,
      security: [new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.X509None], certificate: () => selfSignedCertificate(certDir) })],
    });
    try {
      await expectPicture(vnc, ["-SecurityTypes", "X509None", "-X509CA", join(certDir, "cert.pem")]);
    } finally {
      await vnc.close();
    }
  });

  test("VeNCrypt X509Vnc with the password file", async () => {
    const vnc = await startVncServer({
      surface: picture,
      security: [
        new VeNCryptSecurity({ subtypes: [VeNCryptSubtype.X509Vnc], certificate: () => selfSignedCertificate(certDir), password: () => Buffer.from(password) }),
      ],
    });
    try {
      await expectPicture(vnc, ["-SecurityTypes", "X509Vnc", "-X509CA", join(certDir, "cert.pem"), "-passwd", passwdFile]);
    } finally {
      await vnc.close();
    }
  });

  test("VNC authentication with the vncpasswd file; a wrong password is refused", async () => {
    const vnc = await startVncServer({ surface: picture, security: [new VncAuthSecurity({ password: () => Buffer.from(password) })] });
    try {
      await expectPicture(vnc, ["-SecurityTypes", "VncAuth", "-passwd", passwdFile]);
      const refusedBefore = vnc.server.stats.refused;
      const wrong = startViewer(vnc.tcpPort, ["-Shared", "-SecurityTypes", "VncAuth", "-passwd", wrongPasswdFile]);
      try {
        await waitFor("the wrong password refused", () => vnc.server.stats.refused === refusedBefore + 1, { timeoutMs: 10_000 });
        // the viewer is told why (it then waits on an error dialog; we close it)
        await waitFor("the viewer reporting the failure", () => /authentication failed/i.test(wrong.output), { timeoutMs: 5000 }).catch((e: Error) =>
          assert.fail(`${e.message}\nviewer: ${wrong.output}`),
        );
        assert.equal(vnc.server.stats.clients, 0);
      } finally {
        await wrong.stop();
        viewers.delete(wrong);
      }
    } finally {
      await vnc.close();
    }
  });
});
