/**
 * Child processes for end-to-end tests: run a tool to completion under a hard timeout, or keep one running
 * (a viewer, an X server) with its output collected and a stop() that always ends it, for `after` hooks.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run `cmd` with no stdin; kill it (SIGKILL) after `timeoutMs`. Never rejects for a non-zero exit. */
export function runTool(cmd: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 15_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export class RunningProcess {
  output = "";
  private exited = false;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess, readonly label: string) {
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exit = new Promise((resolve) => {
      child.on("error", (e) => {
        this.output += `\n[spawn error: ${e.message}]`;
        this.exited = true;
        resolve({ code: null, signal: null });
      });
      child.on("close", (code, signal) => {
        this.exited = true;
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. Safe to call twice. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exit;
    clearTimeout(timer);
  }
}

export function startProcess(cmd: string, args: readonly string[], options: SpawnOptions = {}, label = cmd): RunningProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  return new RunningProcess(child, label);
}
