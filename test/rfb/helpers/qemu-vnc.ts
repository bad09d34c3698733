/** QEMU's VNC server as a reference server for client tests: a diskless VM showing the SeaBIOS screen. */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";

export interface QemuVnc {
  port: number;
  wsPort: number;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export async function startQemuVnc(extraVnc = "", extraArgs: string[] = []): Promise<QemuVnc> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const display = 40 + Math.floor(Math.random() * 50);
    const port = 5900 + display;
    const wsPort = 20_000 + Math.floor(Math.random() * 30_000);
    if (!(await portFree(port)) || !(await portFree(wsPort))) continue;
    const qemu: ChildProcess = spawn(
      "qemu-system-x86_64",
      ["-display", "none", "-vnc", `127.0.0.1:${display},websocket=${wsPort}${extraVnc}`, "-nodefaults", "-vga", "std", "-m", "64", ...extraArgs],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    qemu.stderr!.on("data", (d) => (stderr += d));
    let exited = false;
    qemu.once("exit", () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline && !(await accepting(port))) await new Promise((r) => setTimeout(r, 50));
    if (exited) {
      if (/Address already in use|Failed to find an available port/.test(stderr)) continue;
      throw new Error(`qemu-system-x86_64 exited: ${stderr.trim()}`);
    }
    if (Date.now() >= deadline) {
      qemu.kill();
      throw new Error("QEMU's VNC server did not start within 10 s");
    }
    // SeaBIOS needs a moment to draw its screen.
    await new Promise((r) => setTimeout(r, 700));
    return {
      port,
      wsPort,
      stop: () =>
        new Promise<void>((resolve) => {
          if (exited) return resolve();
          qemu.once("exit", () => resolve());
          qemu.kill();
        }),
    };
  }
  throw new Error("no free VNC display number for QEMU");
}
