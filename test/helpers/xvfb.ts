/**
 * A private X server for viewers under test: Xvfb on a display number it picks itself (-displayfd writes the
 * free number it bound to a pipe we read), so parallel test files never collide on :99.
 */
import { startProcess, type RunningProcess } from "./child-process.ts";

export interface Xvfb {
  /** ":N" */
  display: string;
  /** process.env plus DISPLAY */
  env: NodeJS.ProcessEnv;
  process: RunningProcess;
  stop(): Promise<void>;
}

export async function startXvfb(options: { width?: number; height?: number; timeoutMs?: number } = {}): Promise<Xvfb> {
  const geometry = `${options.width ?? 1280}x${options.height ?? 1024}x24`;
  // fd 3 is a pipe: Xvfb writes the display number there once it accepts connections
  const proc = startProcess("Xvfb", ["-displayfd", "3", "-screen", "0", geometry, "-nolisten", "tcp", "-noreset"], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  }, "Xvfb");
  const pipe = proc.child.stdio[3] as NodeJS.ReadableStream;
  const number = await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`Xvfb did not report a display within ${options.timeoutMs ?? 10_000} ms: ${proc.output}`)), options.timeoutMs ?? 10_000);
    pipe.on("data", (d: Buffer) => {
      text += d.toString();
      const m = /^(\d+)\n/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void proc.exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited before it was ready: ${proc.output}`));
    });
  }).catch(async (e: unknown) => {
    await proc.stop();
    throw e;
  });
  const display = `:${number}`;
  return { display, env: { ...process.env, DISPLAY: display }, process: proc, stop: () => proc.stop() };
}
