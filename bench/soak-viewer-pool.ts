/**
 * The soak's viewer processes, seen from the soak: forks bench/soak-viewers.ts children holding
 * SOAK_VIEWERS_PER_PROCESS clients each and asks them for their clients' state over IPC.
 */
import { fork, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import type { ViewerCommand, ViewerReply, ViewerStats } from "./soak-viewers.ts";

/** Enough processes to spread 200 decoding viewers over the cores, few enough to start quickly. */
export const SOAK_VIEWERS_PER_PROCESS = 25;

/** The viewers' nice value: below the soak's thread, still scheduled whenever a core is free. */
const VIEWER_NICE = 10;

const SCRIPT = new URL("./soak-viewers.ts", import.meta.url).pathname;
const REPLY_TIMEOUT_MS = 60_000;

type Command = ViewerCommand extends infer C ? (C extends { seq: number } ? Omit<C, "seq"> : never) : never;

class ViewerProcess {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: ViewerReply) => void; reject: (e: Error) => void }>();
  private exitError: Error | undefined;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    readonly first: number,
    readonly count: number,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      child.on("message", (m: ViewerReply | { ready: true }) => {
        if ("ready" in m) return resolve();
        const w = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        w?.resolve(m);
      });
      child.once("exit", (code, signal) => {
        this.exitError = new Error(`viewer process for clients ${first}..${first + count - 1} exited (${signal ?? `code ${code}`})`);
        reject(this.exitError);
        for (const w of this.waiting.values()) w.reject(this.exitError);
        this.waiting.clear();
      });
    });
    this.ready.catch(() => {}); // observed through ask() and the pool's start
  }

  async ask(command: Command): Promise<ViewerStats[]> {
    if (this.exitError) throw this.exitError;
    const seq = ++this.seq;
    const reply = await new Promise<ViewerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        reject(new Error(`viewer process for clients from ${this.first}: no answer to ${command.cmd} in ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(seq, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.send({ ...command, seq } as ViewerCommand);
    });
    if (!reply.ok) throw new Error(`viewer process: ${command.cmd}: ${reply.error}`);
    return reply.viewers ?? [];
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

export class ViewerPool {
  private constructor(private readonly processes: ViewerProcess[]) {}

  /** Fork the viewers for `clients` clients of the server on `port`; resolves once all are connected. */
  static async start(port: number, clients: number): Promise<ViewerPool> {
    const processes: ViewerProcess[] = [];
    for (let first = 0; first < clients; first += SOAK_VIEWERS_PER_PROCESS) {
      const count = Math.min(SOAK_VIEWERS_PER_PROCESS, clients - first);
      const child = fork(SCRIPT, [String(port), String(first), String(count)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      // The viewers stand for machines of their own: on a shared box they yield the CPU to the server and
      // the guest rather than starve them (200 decoding clients take every core this machine has).
      if (child.pid !== undefined) setPriority(child.pid, VIEWER_NICE);
      processes.push(new ViewerProcess(child, first, count));
    }
    const pool = new ViewerPool(processes);
    try {
      await Promise.all(processes.map((p) => p.ready));
    } catch (e) {
      pool.kill();
      throw e;
    }
    return pool;
  }

  /** Every client's state, in client order. */
  async stats(): Promise<ViewerStats[]> {
    const parts = await Promise.all(this.processes.map((p) => p.ask({ cmd: "stats" })));
    return parts.flat().sort((a, b) => a.index - b.index);
  }

  async resetRecent(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.ask({ cmd: "reset-recent" })));
  }

  async setDesktopSize(index: number, width: number, height: number): Promise<void> {
    const p = this.processes.find((x) => index >= x.first && index < x.first + x.count);
    if (!p) throw new Error(`no client ${index}`);
    await p.ask({ cmd: "set-desktop-size", index, width, height });
  }

  /** Close every client and let the processes exit (killed if they don't within a few seconds). */
  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.ask({ cmd: "close" }).catch(() => [])));
    const deadline = setTimeout(() => this.kill(), 5000);
    await Promise.all(this.processes.map((p) => p.exited));
    clearTimeout(deadline);
  }

  kill(): void {
    for (const p of this.processes) p.kill();
  }
}
