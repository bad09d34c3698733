/** A child process spoken to in lines: write a command, wait for the next line that starts with a word. */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createInterface } from "node:readline";

export class LineChild {
  readonly proc: ChildProcess;
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private exited: string | undefined;
  private stderr = "";

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: SpawnOptions = {},
  ) {
    this.proc = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], ...options });
    createInterface({ input: this.proc.stdout! }).on("line", (l) => {
      this.lines.push(l);
      this.wake?.();
    });
    this.proc.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.proc.on("exit", (code, signal) => {
      this.exited = `${name} exited (${signal ?? code})${this.stderr ? `: ${this.stderr.trim()}` : ""}`;
      this.wake?.();
    });
    this.proc.on("error", (e) => {
      this.exited = `${name}: ${e.message}`;
      this.wake?.();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  /**
   * The next line whose first word is `word` (and second `index`, when given); lines before it are dropped.
   * Undefined after `timeoutMs`.
   */
  async next(word: string, timeoutMs: number, index?: number): Promise<string[] | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      while (this.lines.length > 0) {
        const parts = this.lines.shift()!.split(" ");
        if (parts[0] === word && (index === undefined || parts[1] === String(index))) return parts;
      }
      if (this.exited) throw new Error(this.exited);
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Like next(), but a timeout is an error. */
  async expect(word: string, timeoutMs: number, index?: number): Promise<string[]> {
    const parts = await this.next(word, timeoutMs, index);
    if (!parts) throw new Error(`${this.name}: no "${word}" within ${timeoutMs} ms${this.stderr ? `: ${this.stderr.trim()}` : ""}`);
    return parts;
  }

  /** Close its stdin (the feeders and the client exit on that), then SIGTERM after `graceMs`, SIGKILL 3 s later. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
    this.proc.stdin!.end();
    const term = setTimeout(() => this.proc.kill("SIGTERM"), graceMs);
    const kill = setTimeout(() => this.proc.kill("SIGKILL"), graceMs + 3000);
    await gone;
    clearTimeout(term);
    clearTimeout(kill);
  }
}
