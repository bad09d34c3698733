/**
 * The text console workload: a Linux framebuffer console that scrolls a boot log, shows a getty login
 * prompt, then a shell prompt that echoes what is typed (Enter runs the line, Backspace erases, Ctrl-C
 * abandons it, Ctrl-L clears). A few shell built-ins answer (echo, uname, date, clear, ...), and
 * "CMD | xclip" puts CMD's output on the guest clipboard. Host clipboard text is pasted as typed input.
 *
 * Key presses become the bytes a terminal would send (Enter "\r", Backspace DEL, Ctrl-C ETX) in a tty input
 * queue, consumed at frame boundaries; keys typed during the boot are kept for the login prompt.
 * The console draws into one buffer and redraws only the rows that changed.
 */
import type { BitmapFont } from "../font/psf.ts";
import { terminus16 } from "../font/terminus.ts";
import type { DisplayMode, GuestDisplay } from "../guest-display.ts";
import { bootLog, KERNEL_RELEASE, KERNEL_VERSION, type BootLine } from "./boot-log.ts";
import { Keyboard, Keysym, type InputEvent } from "./input.ts";
import { attr, Color, DEFAULT_ATTR, TextGrid } from "./text-grid.ts";
import { FlipTracker, WorkloadBase, type SwitchableWorkload } from "./workload.ts";
import { formatDate } from "./clock.ts";

export interface ConsoleOptions {
  seed: number;
  /** the mode to set (default: keep the current one, else the EDID's, else 1024x768) */
  mode?: DisplayMode;
  /** boot log length in lines (default 48) and roughly in virtual time (default 2500 ms) */
  bootLines?: number;
  bootMs?: number;
  hostname?: string;
  /** log in as this user without a password prompt once booted (systemd's autologin) */
  autologin?: string;
  /** cursor blink half-period in ms (default 500; 0: always shown) */
  blinkMs?: number;
  /** the boot log's display driver lines */
  displayDriver?: "bochs" | "mdpy" | "gvt";
  /** the wall-clock time at virtual time 0, for `date` (default 2025-03-14 09:26:53 UTC) */
  epochMs?: number;
  font?: BitmapFont;
}

export type ConsolePhase = "boot" | "login" | "password" | "shell";

const DEFAULT_EPOCH_MS = Date.UTC(2025, 2, 14, 9, 26, 53);
const MAX_LINE = 1024;
const DEL = "\x7f";

export class ConsoleWorkload extends WorkloadBase implements SwitchableWorkload {
  readonly name = "console";
  private readonly font: BitmapFont;
  private readonly keyboard = new Keyboard();
  private flips: FlipTracker | undefined;
  private grid: TextGrid | undefined;
  private boot: BootLine[] = [];
  private bootIndex = 0;
  private phaseNow: ConsolePhase = "boot";
  private user = "";
  private line = "";
  /** the tty input queue: bytes typed but not yet read */
  private pendingInput = "";
  private hostClipboard = "";
  private nowMs = 0;
  private suspended = false;
  private buf = 0;
  private presentedOnce = false;

  constructor(private readonly options: ConsoleOptions) {
    super();
    this.font = options.font ?? terminus16();
  }

  get phase(): ConsolePhase {
    return this.phaseNow;
  }

  /** The text screen (for tests and inspection). */
  get screen(): TextGrid {
    if (!this.grid) throw new Error("console: not started");
    return this.grid;
  }

  /** Which buffer the console draws into. */
  get bufferIndex(): number {
    return this.buf;
  }

  /** The pixel rectangle of cell (col, row). */
  cellRect(col: number, row: number): { x: number; y: number; width: number; height: number } {
    return { x: col * this.font.width, y: row * this.font.height, width: this.font.width, height: this.font.height };
  }

  get glyphFont(): BitmapFont {
    return this.font;
  }

  start(display: GuestDisplay): void {
    this.startShared(new FlipTracker(display));
  }

  startShared(flips: FlipTracker): void {
    this.flips = flips;
    this.attachShared(flips, this.options.mode);
    this.layout();
    const g = this.grid!;
    this.boot = bootLog({
      seed: this.options.seed,
      lines: this.options.bootLines ?? 48,
      durationMs: this.options.bootMs ?? 2500,
      hostname: this.hostname,
      cols: g.cols,
      rows: g.rows,
      displayDriver: this.options.displayDriver ?? "bochs",
    });
    this.buf = flips.shown;
  }

  suspend(): void {
    this.suspended = true;
  }

  resume(): void {
    this.suspended = false;
    this.buf = this.flips!.back();
    this.grid?.invalidate();
    this.presentedOnce = false;
  }

  resized(): void {
    this.flips?.modeWasSet();
    const old = this.grid;
    this.layout();
    if (old) {
      // Keep the bottom of the old screen, as fbcon does on a resize.
      const g = this.grid!;
      const lastRow = old.cy;
      const first = Math.max(0, lastRow - g.rows + 1);
      for (let r = first; r <= lastRow; r++) {
        g.write(old.rowText(r).slice(0, g.cols));
        if (r < lastRow) g.newline();
      }
      g.cx = Math.min(old.cx, g.cols);
    }
    this.buf = this.flips?.shown ?? 0;
    this.presentedOnce = false;
  }

  input(event: InputEvent): void {
    if (event.type !== "key") return;
    const press = this.keyboard.handle(event);
    if (!press) return;
    if (press.ctrl && !press.alt && press.text && /^[a-zA-Z]$/.test(press.text)) {
      this.pendingInput += String.fromCharCode(press.text.toUpperCase().charCodeAt(0) - 0x40);
      return;
    }
    if (press.keysym === Keysym.BackSpace) this.pendingInput += DEL;
    else if (press.text !== undefined && !press.alt) this.pendingInput += press.text;
  }

  /** Host clipboard text: pasted into the tty as if typed (newlines become Enter). */
  clipboard(text: string): void {
    this.hostClipboard = text;
    this.pendingInput += text.replace(/\r\n|\n/g, "\r");
  }

  /** The last text the host put on the clipboard. */
  get pastedText(): string {
    return this.hostClipboard;
  }

  frame(tMs: number): void {
    this.nowMs = tMs;
    const g = this.grid!;
    while (this.bootIndex < this.boot.length && this.boot[this.bootIndex]!.atMs <= tMs) {
      const l = this.boot[this.bootIndex++]!;
      if (l.ok) {
        g.write("[  ", DEFAULT_ATTR);
        g.write("OK", attr(Color.BRIGHT_GREEN));
        g.write("  ] ", DEFAULT_ATTR);
      }
      g.write(l.text, DEFAULT_ATTR);
      g.newline();
      if (this.bootIndex === this.boot.length) this.afterBoot();
    }
    if (this.boot.length === 0 && this.phaseNow === "boot") this.afterBoot();
    if (this.phaseNow !== "boot") this.consumeInput();
    if (this.suspended) return;
    const blink = this.options.blinkMs ?? 500;
    const cursorOn = this.phaseNow !== "boot" && (blink <= 0 || Math.floor(tMs / blink) % 2 === 0);
    if (!g.needsRender(cursorOn) && this.presentedOnce) return;
    g.render(this.flips!.display.buffer(this.buf), this.font, cursorOn);
    this.flips!.present(this.buf);
    this.presentedOnce = true;
  }

  private get hostname(): string {
    return this.options.hostname ?? "vgpu";
  }

  private layout(): void {
    const m = this.mode;
    this.grid = new TextGrid(Math.max(1, Math.floor(m.width / this.font.width)), Math.max(1, Math.floor(m.height / this.font.height)));
  }

  private afterBoot(): void {
    const g = this.grid!;
    g.write(`\nDebian GNU/Linux 12 ${this.hostname} tty1\n\n`);
    if (this.options.autologin) {
      g.write(`${this.hostname} login: ${this.options.autologin} (automatic login)\n\n`);
      this.login(this.options.autologin);
    } else {
      this.loginPrompt();
    }
  }

  private loginPrompt(): void {
    this.phaseNow = "login";
    this.line = "";
    this.grid!.write(`${this.hostname} login: `);
  }

  private login(user: string): void {
    this.user = user;
    const g = this.grid!;
    g.write(`Linux ${this.hostname} ${KERNEL_RELEASE} ${KERNEL_VERSION} x86_64\n\n`);
    g.write("The programs included with the Debian GNU/Linux system are free software.\n\n");
    this.phaseNow = "shell";
    this.prompt();
  }

  private prompt(): void {
    this.line = "";
    this.grid!.write(`${this.user}@${this.hostname}:~${this.user === "root" ? "#" : "$"} `);
  }

  private consumeInput(): void {
    const input = this.pendingInput;
    this.pendingInput = "";
    for (const ch of input) this.key(ch);
  }

  private key(ch: string): void {
    const g = this.grid!;
    const echo = this.phaseNow !== "password";
    if (ch === "\r" || ch === "\n") {
      g.newline();
      this.enter(this.line);
      return;
    }
    if (ch === DEL || ch === "\b") {
      if (this.line.length > 0) {
        const last = [...this.line].pop()!;
        this.line = this.line.slice(0, this.line.length - last.length);
        if (echo) g.backspace();
      }
      return;
    }
    if (ch === "\x03") {
      g.write("^C\n");
      if (this.phaseNow === "shell") this.prompt();
      else this.loginPrompt();
      return;
    }
    if (ch === "\x0c" && this.phaseNow === "shell") {
      g.clear();
      this.prompt();
      g.write(this.line);
      return;
    }
    if (ch === "\x04" && this.phaseNow === "shell" && this.line === "") {
      g.write("logout\n");
      this.logout();
      return;
    }
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20) return;
    if (this.line.length >= MAX_LINE) return;
    this.line += ch;
    if (echo) g.write(ch);
  }

  private enter(line: string): void {
    switch (this.phaseNow) {
      case "login":
        if (line.trim() === "") {
          this.loginPrompt();
          return;
        }
        this.user = line.trim();
        this.phaseNow = "password";
        this.line = "";
        this.grid!.write("Password: ");
        return;
      case "password":
        this.grid!.write("\n");
        this.login(this.user);
        return;
      case "shell":
        this.runCommand(line);
        return;
      default:
        return;
    }
  }

  private logout(): void {
    this.grid!.clear();
    this.grid!.write(`\nDebian GNU/Linux 12 ${this.hostname} tty1\n\n`);
    this.loginPrompt();
  }

  private runCommand(line: string): void {
    const g = this.grid!;
    const pipe = /^(.*?)\|\s*(xclip|wl-copy)(\s.*)?$/.exec(line);
    const cmd = (pipe ? pipe[1]! : line).trim();
    if (cmd === "exit" || cmd === "logout") {
      this.logout();
      return;
    }
    if (cmd === "clear") {
      g.clear();
      this.prompt();
      return;
    }
    const out = cmd === "" ? [] : this.commandOutput(cmd);
    if (pipe) this.copy(out.join("\n"));
    else for (const l of out) g.write(`${l}\n`);
    this.prompt();
  }

  private commandOutput(cmd: string): string[] {
    const [name = "", ...args] = cmd.split(/\s+/);
    switch (name) {
      case "echo":
        return [args.join(" ")];
      case "uname":
        if (args.includes("-a")) return [`Linux ${this.hostname} ${KERNEL_RELEASE} ${KERNEL_VERSION} x86_64 GNU/Linux`];
        if (args.includes("-r")) return [KERNEL_RELEASE];
        if (args.includes("-n")) return [this.hostname];
        return ["Linux"];
      case "hostname":
        return [this.hostname];
      case "whoami":
        return [this.user];
      case "pwd":
        return [this.user === "root" ? "/root" : `/home/${this.user}`];
      case "date":
        return [formatDate((this.options.epochMs ?? DEFAULT_EPOCH_MS) + this.nowMs)];
      case "uptime": {
        const s = Math.floor(this.nowMs / 1000);
        return [` up ${Math.floor(s / 60)} min, ${s % 60} s,  1 user,  load average: 0.08, 0.03, 0.01`];
      }
      case "ls":
        return ["notes.txt  screenshots"];
      case "help":
        return ["built-ins: echo uname hostname whoami pwd date uptime ls clear exit; CMD | xclip copies"];
      default:
        return [`-bash: ${name}: command not found`];
    }
  }
}
